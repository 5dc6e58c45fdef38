//! Custom KPIs: defined by an administrator as a formula, checked before they are stored.

use crate::{EngineError, Result};
use salescope_core::kpi::{self, Direction, KpiDef, Unit};
use salescope_store::{CustomKpiRow, Db};

/// Checks and stores a custom KPI (replacing one of the same id).
pub async fn define(db: &Db, row: CustomKpiRow) -> Result<KpiDef> {
    if !kpi::is_valid_id(&row.id) {
        return Err(EngineError::Invalid(format!("`{}` cannot be a KPI id: use lower-case letters, digits and _", row.id)));
    }
    if kpi::is_builtin(&row.id) {
        return Err(EngineError::Invalid(format!("`{}` is a built-in KPI", row.id)));
    }
    if row.name_en.trim().is_empty() || row.name_zh.trim().is_empty() {
        return Err(EngineError::Invalid("a KPI needs an English and a Chinese name".into()));
    }
    let unit = Unit::from_id(&row.unit).ok_or_else(|| {
        EngineError::Invalid(format!("unknown unit `{}` (count, money, percent, seconds, minutes, days, score)", row.unit))
    })?;
    let direction = Direction::from_id(&row.direction)
        .ok_or_else(|| EngineError::Invalid(format!("unknown direction `{}` (higher or lower)", row.direction)))?;
    let measures = db.custom_measure_names().await?;
    let def = kpi::custom(&row.id, &row.name_en, &row.name_zh, unit, direction, &row.formula, &|name| measures.iter().any(|m| m == name))
        .map_err(|error| EngineError::Formula { kpi: row.id.clone(), error })?;
    db.save_custom_kpi(&row).await?;
    Ok(def)
}

/// Removes a custom KPI; `false` when there was none of that id.
pub async fn remove(db: &Db, id: &str) -> Result<bool> {
    if kpi::is_builtin(id) {
        return Err(EngineError::Invalid(format!("`{id}` is a built-in KPI")));
    }
    Ok(db.delete_custom_kpi(id).await?)
}

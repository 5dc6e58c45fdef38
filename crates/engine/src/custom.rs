//! Custom KPIs: defined by an administrator as a formula, checked before they are stored.

use crate::{EngineError, Result};
use salescope_core::kpi::{self, Direction, KpiDef, Unit};
use salescope_store::{CustomKpiRow, Db};

/// Checks and stores a custom KPI (replacing one of the same id).
pub async fn define(db: &Db, row: CustomKpiRow) -> Result<KpiDef> {
    if !kpi::is_valid_id(&row.id) {
        return Err(EngineError::invalid("error.bad_kpi_id", &[("id", &row.id)]));
    }
    if kpi::is_builtin(&row.id) {
        return Err(EngineError::invalid("error.builtin_kpi", &[("id", &row.id)]));
    }
    if row.name_en.trim().is_empty() || row.name_zh.trim().is_empty() {
        return Err(EngineError::invalid("error.kpi_names", &[]));
    }
    let unit = Unit::from_id(&row.unit).ok_or_else(|| {
        EngineError::invalid(
            "error.bad_choice",
            &[("value", &row.unit), ("field", &"unit"), ("choices", &"count, money, percent, seconds, minutes, days, score")],
        )
    })?;
    let direction = Direction::from_id(&row.direction).ok_or_else(|| {
        EngineError::invalid("error.bad_choice", &[("value", &row.direction), ("field", &"direction"), ("choices", &"higher, lower")])
    })?;
    let measures = db.custom_measure_names().await?;
    let def = kpi::custom(&row.id, &row.name_en, &row.name_zh, unit, direction, &row.formula, &|name| measures.iter().any(|m| m == name))
        .map_err(|error| EngineError::Formula { kpi: row.id.clone(), error })?;
    db.save_custom_kpi(&row).await?;
    Ok(def)
}

/// Removes a custom KPI; `false` when there was none of that id.
pub async fn remove(db: &Db, id: &str) -> Result<bool> {
    if kpi::is_builtin(id) {
        return Err(EngineError::invalid("error.builtin_kpi", &[("id", &id)]));
    }
    Ok(db.delete_custom_kpi(id).await?)
}

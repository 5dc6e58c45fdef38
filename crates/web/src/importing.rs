//! The one way records from the web reach the import: inside the session's write scope, at the
//! organisation's time now, and written to the change log.

use crate::auth::{self};
use crate::error::ApiError;
use crate::state::AppState;
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_import::{ImportOptions, NoProgress, Source};
use std::sync::Arc;

/// Imports `source` as records of `kind` at the organisation's time now, under the name
/// `source_name` (API, page or file), through a mapping file if one came with it: all or nothing
/// when `strict`, stored or only counted (`dry_run`). Every way in from the web imports through
/// here, so every record written from the web lies inside the session's write scope.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn import_records(
    state: &AppState,
    session: &auth::Session,
    kind: Kind,
    source: Source,
    source_name: &str,
    strict: bool,
    dry_run: bool,
    mapping: Option<&salescope_import::MappingFile>,
    lang: Lang,
) -> Result<salescope_import::ImportReport, ApiError> {
    let zone = state.db.settings().await.map_err(|e| ApiError::from_import(&e.into(), lang))?.zone;
    let mut options = ImportOptions::new(kind, source_name, state.clock.now(&zone));
    options.strict = strict;
    options.dry_run = dry_run;
    options.lang = lang;
    options.write_scope = session.viewer.write_scope();
    if let Some(mapping) = mapping {
        mapping.apply(&mut options);
    }
    salescope_import::import(&state.db, kind, source, &options, Arc::new(NoProgress)).await.map_err(|e| ApiError::from_import(&e, lang))
}

/// An import that stored something goes into the change log with its counts.
pub(crate) async fn log_import(state: &AppState, session: &auth::Session, report: &salescope_import::ImportReport) -> Result<(), ApiError> {
    if !report.committed || report.inserted + report.updated == 0 {
        return Ok(());
    }
    let after =
        serde_json::json!({"source": report.source, "inserted": report.inserted, "updated": report.updated, "rejected": report.rejected});
    crate::access::record_change(state, session, "import", &report.kind, "import", None, Some(&after)).await
}

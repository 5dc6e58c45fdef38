//! The import page: upload a CSV or XLSX file, see how its columns map and what an import would
//! do (a dry run through the very same import), then import it and read the report.
//!
//! An upload waits in a temporary file, known by a random token to the account that sent it,
//! until it is imported or an hour has passed.

use crate::access::require;
use crate::auth::Session;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::render::render;
use crate::state::AppState;
use crate::templates::Page;
use crate::uploads::{Upload, upload_dir, write_private};
use axum::extract::{Extension, Multipart, State};
use axum::response::Response;
use salescope_app::accounts::new_token;
use salescope_app::clock::unix_seconds;
use salescope_core::access::Permission;
use salescope_core::schema::Kind;
use salescope_import::{Encoding, ImportReport, Source};
use serde::Deserialize;
use serde_json::json;

/// Rows of the file shown in the preview.
const PREVIEW_ROWS: usize = 6;
/// Problems listed on the report page (the counts cover all).
const LISTED_PROBLEMS: usize = 200;

/// The kinds a file can hold, as the form offers them (a custom measure needs its name: CLI).
fn kinds() -> Vec<&'static str> {
    Kind::ALL.iter().map(|k| k.id()).filter(|id| *id != "measures").collect()
}

pub(crate) async fn form(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = require(&session, Permission::Import, session.lang).map(|()| upload_page(&session, None));
    render(&state, &session, "/import", page)
}

fn upload_page(session: &Session, error: Option<String>) -> Page {
    Page {
        template: "import.html",
        title: session.lang.tr("import.title").to_string(),
        data: json!({"step": "upload", "kinds": kinds(), "error": error}),
    }
}

/// `POST /import`: keeps the file and shows the preview.
pub(crate) async fn preview(State(state): State<AppState>, Extension(session): Extension<Session>, multipart: Multipart) -> Response {
    let page = preview_page(&state, &session, multipart).await;
    render(&state, &session, "/import", page)
}

async fn preview_page(state: &AppState, session: &Session, mut multipart: Multipart) -> ApiResult<Page> {
    let lang = session.lang;
    require(session, Permission::Import, lang)?;
    let (mut kind, mut sheet, mut file, mut mapping) = (None, None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(|e| bad_upload(session, &e))? {
        match field.name().unwrap_or_default() {
            "kind" => kind = Kind::from_id(&field.text().await.map_err(|e| bad_upload(session, &e))?),
            "sheet" => sheet = Some(field.text().await.map_err(|e| bad_upload(session, &e))?).filter(|s| !s.trim().is_empty()),
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                file = Some((name, field.bytes().await.map_err(|e| bad_upload(session, &e))?));
            }
            "mapping" => {
                let text = field.text().await.map_err(|e| bad_upload(session, &e))?;
                if !text.trim().is_empty() {
                    match salescope_import::parse_mapping(&text) {
                        Ok(file) => mapping = Some(file),
                        Err(e) => return Ok(upload_page(session, Some(e.message(lang)))),
                    }
                }
            }
            _ => {}
        }
    }
    let Some(kind) = kind else { return Ok(upload_page(session, Some(lang.tr("import.choose_kind").to_string()))) };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(upload_page(session, Some(lang.tr("import.choose_file").to_string())));
    };
    let token = new_token();
    let extension = std::path::Path::new(&file_name).extension().and_then(|e| e.to_str()).unwrap_or("csv").to_ascii_lowercase();
    let path = upload_dir().map_err(|e| ApiError::internal(&e))?.join(format!("{token}.{extension}"));
    write_private(&path, &bytes).map_err(|e| ApiError::internal(&e))?;
    let upload = Upload { login: session.viewer.login.clone(), path, file_name, kind, sheet, mapping, at: unix_seconds() };
    state.shared.uploads.put(&token, upload.clone());

    let report = run(state, session, &upload, false, true).await?;
    let rows = first_rows(&upload);
    Ok(Page {
        template: "import.html",
        title: session.lang.tr("import.title").to_string(),
        data: json!({
            "step": "preview",
            "token": token,
            "file": upload.file_name,
            "kind": kind.id(),
            "rows": rows,
            "report": report_view(&report),
        }),
    })
}

fn bad_upload(session: &Session, error: &dyn std::fmt::Display) -> ApiError {
    ApiError::bad_request("bad_upload", session.lang.format("import.bad_upload", &[("detail", error)]))
}

/// The file's first rows as it is, for the preview.
fn first_rows(upload: &Upload) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    if let Ok(source) = Source::open(&upload.path, upload.sheet.as_deref(), Encoding::Auto) {
        let _ = source.scan(|row| {
            rows.push(row.fields.iter().map(|f| f.to_string()).collect());
            rows.len() < PREVIEW_ROWS
        });
    }
    rows
}

/// Runs the import of an upload, for real or as a dry run.
async fn run(state: &AppState, session: &Session, upload: &Upload, strict: bool, dry_run: bool) -> ApiResult<ImportReport> {
    let lang = session.lang;
    let source = Source::open(&upload.path, upload.sheet.as_deref(), Encoding::Auto).map_err(|e| ApiError::from_import(&e, lang))?;
    crate::importing::import_records(state, session, upload.kind, source, &upload.file_name, strict, dry_run, upload.mapping.as_ref(), lang)
        .await
}

fn report_view(report: &ImportReport) -> serde_json::Value {
    let mut view = serde_json::to_value(report).unwrap_or_default();
    for list in ["errors", "warnings"] {
        if let Some(issues) = view.get_mut(list).and_then(|e| e.as_array_mut()) {
            issues.truncate(LISTED_PROBLEMS);
        }
    }
    view
}

#[derive(Deserialize)]
pub(crate) struct CommitForm {
    token: String,
    #[serde(default)]
    strict: Option<String>,
}

/// `POST /import/commit`: imports a previewed upload and shows the report.
pub(crate) async fn commit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<CommitForm>,
) -> Response {
    let page = commit_page(&state, &session, &form).await;
    render(&state, &session, "/import", page)
}

async fn commit_page(state: &AppState, session: &Session, form: &CommitForm) -> ApiResult<Page> {
    let lang = session.lang;
    require(session, Permission::Import, lang)?;
    let Some(upload) = state.shared.uploads.get(&form.token, &session.viewer.login) else {
        return Ok(upload_page(session, Some(lang.tr("import.expired").to_string())));
    };
    let report = run(state, session, &upload, form.strict.is_some(), false).await?;
    state.shared.uploads.remove(&form.token);
    crate::importing::log_import(state, session, &report).await?;
    Ok(Page {
        template: "import.html",
        title: lang.tr("import.title").to_string(),
        data: json!({"step": "done", "file": upload.file_name, "kind": upload.kind.id(), "report": report_view(&report)}),
    })
}

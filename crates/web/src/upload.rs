//! The import page: upload a CSV or XLSX file, see how its columns map and what an import would
//! do (a dry run through the very same import), then import it and read the report.
//!
//! An upload waits in a temporary file, known by a random token to the account that sent it,
//! until it is imported or an hour has passed.

use crate::access::require;
use crate::accounts::{new_token, now_unix};
use crate::auth::Session;
use crate::pages::{Page, render};
use crate::request::ApiResult;
use crate::{ApiError, AppState};
use axum::extract::{Extension, Multipart, State};
use axum::response::Response;
use salescope_core::access::Permission;
use salescope_core::schema::Kind;
use salescope_import::{Encoding, ImportReport, MappingFile, Source};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// How long an upload waits for its import.
const UPLOAD_SECONDS: i64 = 3600;
/// Rows of the file shown in the preview.
const PREVIEW_ROWS: usize = 6;
/// Problems listed on the report page (the counts cover all).
const LISTED_PROBLEMS: usize = 200;

/// Uploads waiting to be imported, by token.
#[derive(Default)]
pub(crate) struct Uploads {
    waiting: Mutex<HashMap<String, Upload>>,
}

#[derive(Clone)]
struct Upload {
    login: String,
    path: PathBuf,
    file_name: String,
    kind: Kind,
    sheet: Option<String>,
    /// The mapping file sent with it, read.
    mapping: Option<MappingFile>,
    at: i64,
}

/// Where uploads wait for their commit: a folder only the server's user may enter, since a file
/// holds a company's records.
fn upload_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join("salescope-uploads");
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(&dir)?;
        // A folder left by an older version may be open to others: close it.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    builder.create(&dir)?;
    Ok(dir)
}

/// Writes a file only its owner may read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Removes uploads older than their hour, left by a server that was stopped or killed
/// mid-import (what a running server keeps is younger). Called when a server starts.
pub(crate) fn remove_stale_uploads() {
    let Ok(dir) = upload_dir() else { return };
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let hour = std::time::Duration::from_secs(UPLOAD_SECONDS as u64);
    for entry in entries.flatten() {
        let stale = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age > hour));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Uploads {
    fn put(&self, token: &str, upload: Upload) {
        if let Ok(mut waiting) = self.waiting.lock() {
            let now = now_unix();
            waiting.retain(|_, u| {
                let keep = now - u.at < UPLOAD_SECONDS;
                if !keep {
                    let _ = std::fs::remove_file(&u.path);
                }
                keep
            });
            waiting.insert(token.to_string(), upload);
        }
    }

    /// The upload of `token`, if it is the account's own.
    fn get(&self, token: &str, login: &str) -> Option<Upload> {
        self.waiting.lock().ok()?.get(token).filter(|u| u.login == login).cloned()
    }

    fn remove(&self, token: &str) {
        if let Some(upload) = self.waiting.lock().ok().and_then(|mut w| w.remove(token)) {
            let _ = std::fs::remove_file(upload.path);
        }
    }
}

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
    let upload = Upload { login: session.viewer.login.clone(), path, file_name, kind, sheet, mapping, at: now_unix() };
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
    crate::import_records(state, session, upload.kind, source, &upload.file_name, strict, dry_run, upload.mapping.as_ref(), lang).await
}

fn report_view(report: &ImportReport) -> serde_json::Value {
    let mut view = serde_json::to_value(report).unwrap_or_default();
    if let Some(errors) = view.get_mut("errors").and_then(|e| e.as_array_mut()) {
        errors.truncate(LISTED_PROBLEMS);
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
    crate::log_import(state, session, &report).await?;
    Ok(Page {
        template: "import.html",
        title: lang.tr("import.title").to_string(),
        data: json!({"step": "done", "file": upload.file_name, "kind": upload.kind.id(), "report": report_view(&report)}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn uploads_wait_in_a_folder_and_files_only_the_server_may_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = upload_dir().expect("folder");
        let path = dir.join(format!("{}.csv", new_token()));
        write_private(&path, b"call_id\nC1\n").expect("write");
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!((mode(&dir), mode(&path)), (0o700, 0o600));
        remove_stale_uploads();
        assert!(path.exists(), "a fresh upload is kept");
        std::fs::remove_file(&path).expect("clean up");
    }
}

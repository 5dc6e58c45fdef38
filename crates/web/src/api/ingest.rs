//! Records in over HTTP: `POST /api/v1/ingest/{kind}` and `/api/v1/ingest/transcripts`, validated
//! and stored like file imports.

use crate::auth::{self};
use crate::error::{ApiError, ErrorBody};
use crate::importing::{import_records, log_import};
use crate::request::request_lang;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use salescope_core::access::Permission;
use salescope_core::schema::Kind;
use salescope_import::Source;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct IngestQuery {
    /// Store nothing if any record is rejected.
    #[serde(default)]
    strict: bool,
    /// en or zh-CN (default: Accept-Language).
    lang: Option<String>,
}

/// `POST /api/v1/ingest/{kind}`: a JSON array of records, validated and stored like a file
/// import. Answers with the import report: 200 when the valid records were stored, 422 when a
/// strict request stored nothing because some record was rejected.
#[utoipa::path(post, path = "/api/v1/ingest/{kind}", tag = "ingest", summary = "Validate and store a JSON array of records",
    params(("kind" = String, Path, description = "reps, customers, calls, activities, leads, deals, deal-stages, feedback, daily-reports"), IngestQuery),
    request_body(content = Vec<serde_json::Value>, description = "Records with the same fields (or header synonyms) as a file import"),
    responses((status = 200, description = "The valid records were stored", body = salescope_import::ImportReport),
              (status = 422, description = "A strict request stored nothing", body = salescope_import::ImportReport),
              (status = 403, description = "Some record lies outside what the caller may write (rule outside_scope): nothing was stored", body = salescope_import::ImportReport),
              (status = 400, description = "The body is not a JSON array of records", body = ErrorBody),
              (status = 404, description = "Unknown record kind", body = ErrorBody)))]
pub(crate) async fn ingest(
    State(state): State<AppState>,
    Extension(session): Extension<auth::Session>,
    Path(kind): Path<String>,
    Query(query): Query<IngestQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = request_lang(query.lang.as_deref(), &headers);
    if let Err(e) = crate::access::require(&session, Permission::Import, lang) {
        return e.into_response();
    }
    let Some(kind) = Kind::from_id(&kind) else {
        return ApiError::unknown_kind(&kind, lang).into_response();
    };
    let source = match Source::json(&body) {
        Ok(source) => source,
        Err(e) => return ApiError::from_import(&e, lang).into_response(),
    };
    match import_records(&state, &session, kind, source, "api", query.strict, false, None, lang).await {
        Ok(report) => {
            if let Err(e) = log_import(&state, &session, &report).await {
                return e.into_response();
            }
            let status = match (report.committed, report.outside_scope) {
                (_, 1..) => StatusCode::FORBIDDEN,
                (true, _) => StatusCode::OK,
                (false, _) => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, axum::Json(report)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TranscriptQuery {
    /// Speech-recognition results: the channel that is the agent (0, the default, or 1).
    #[serde(default)]
    agent_channel: u8,
    /// en or zh-CN (default: Accept-Language).
    lang: Option<String>,
}

/// `POST /api/v1/ingest/transcripts`: a JSON array of transcripts (Salescope JSON or
/// speech-recognition results), each naming a stored call; the report lists problems by the
/// transcript's position in the array.
#[utoipa::path(post, path = "/api/v1/ingest/transcripts", tag = "ingest", summary = "Store call transcripts and their behaviour metrics",
    params(TranscriptQuery),
    request_body(content = Vec<serde_json::Value>, description = "`{call_id, turns: [{speaker, start, end, text}]}` or `{TaskId, Result: {Sentences: […]}}` objects"),
    responses((status = 200, description = "The good transcripts were stored", body = salescope_import::transcripts::TranscriptReport),
              (status = 403, description = "Some transcript is of a call outside what the caller may write (rule outside_scope): nothing was stored", body = salescope_import::transcripts::TranscriptReport),
              (status = 400, description = "The body is not JSON", body = ErrorBody)))]
pub(crate) async fn ingest_transcripts(
    State(state): State<AppState>,
    Extension(session): Extension<auth::Session>,
    Query(query): Query<TranscriptQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = request_lang(query.lang.as_deref(), &headers);
    if let Err(e) = crate::access::require(&session, Permission::Import, lang) {
        return e.into_response();
    }
    // A JSON array, as every ingest route takes.
    let items = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(_) => return ApiError::bad_request("bad_json", lang.format("error.bad_json", &[("detail", &"not an array")])).into_response(),
        Err(e) => return ApiError::bad_request("bad_json", lang.format("error.bad_body", &[("detail", &e)])).into_response(),
    };
    // One transcript per line: problems then name the transcript's position in the array.
    let lines: Vec<String> = items.iter().map(serde_json::Value::to_string).collect();
    let files = vec![("api.jsonl".to_string(), lines.join("\n").into_bytes())];
    let now = match state.db.settings().await {
        Ok(settings) => state.clock.now(&settings.zone),
        Err(e) => return ApiError::from_import(&e.into(), lang).into_response(),
    };
    match salescope_import::transcripts::import_transcripts(
        &state.db,
        "api",
        files,
        query.agent_channel,
        now,
        &session.viewer.write_scope(),
        lang,
    )
    .await
    {
        Ok(report) if report.outside_scope > 0 => (StatusCode::FORBIDDEN, axum::Json(report)).into_response(),
        Ok(report) => {
            if report.inserted + report.updated > 0 {
                let after = serde_json::json!({"source": report.source, "inserted": report.inserted, "updated": report.updated, "rejected": report.rejected});
                if let Err(e) = crate::access::record_change(&state, &session, "import", "transcripts", "import", None, Some(&after)).await
                {
                    return e.into_response();
                }
            }
            axum::Json(report).into_response()
        }
        Err(e) => ApiError::from_import(&e, lang).into_response(),
    }
}

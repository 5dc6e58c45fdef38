//! Salescope's HTTP server: the pages, the JSON API, accounts and access.
//!
//! **Architecture invariants:** only this crate knows HTTP. Handlers parse the request, call the
//! import, store or engine APIs, and render their results as JSON or pages; they compute
//! nothing themselves. Every request but the login page, health and static files passes
//! [`auth::authenticate`], and every handler asks [`access`] before it reads or changes a scope.

mod access;
pub mod accounts;
mod actions;
mod audit;
mod auth;
mod calendar;
mod coaching_pages;
mod conversation;
mod conversation_pages;
mod error;
mod kpis;
mod page_cache;
pub use page_cache::FRESH_FOR as DASHBOARD_FRESH_FOR;
mod pages;
mod pipeline;
mod plan_pages;
mod process_pages;
mod reports;
mod request;
mod review_pages;
mod scoring;
mod targets;
mod training;
mod training_pages;
mod upload;

pub use error::{ApiError, ErrorBody};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use salescope_core::access::Permission;
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_core::time::LocalDateTime;
use salescope_export::OutputFormat;
use salescope_import::{ImportOptions, NoProgress, Source};
use salescope_store::Db;
use serde::Deserialize;
use std::sync::Arc;

/// Largest accepted request body: a batch of some hundred thousand records.
/// The largest body of an import (a file upload or an ingest request) by someone who may import.
const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;
/// The largest body of any other request: a form, a JSON document, a pipeline or talk-track file.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    shared: Arc<Shared>,
}

/// What the server keeps besides the store: failed-login counts, uploads waiting for their
/// import, the page templates and the dashboards computed in the last seconds.
struct Shared {
    throttle: auth::LoginThrottle,
    uploads: upload::Uploads,
    templates: minijinja::Environment<'static>,
    pages: page_cache::PageCache,
}

impl AppState {
    pub fn new(db: Db) -> AppState {
        AppState {
            db,
            shared: Arc::new(Shared {
                throttle: auth::LoginThrottle::default(),
                uploads: upload::Uploads::default(),
                templates: pages::templates(),
                pages: page_cache::PageCache::default(),
            }),
        }
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Salescope API", description = "Sales performance, targets, reviews, improvement actions and audit. \
Every error is `{message, code, type}`; `?lang=zh-CN` or `Accept-Language` chooses the language of messages and headings."),
    tags(
        (name = "ingest", description = "Records in, validated like file imports"),
        (name = "kpis", description = "KPI values and the catalogue"),
        (name = "targets", description = "Targets, their splits, and daily tracking"),
        (name = "reports", description = "Review sheets: daily, weekly, monthly"),
        (name = "actions", description = "Problems and improvement actions"),
        (name = "audit", description = "Data-quality audit of daily reports"),
        (name = "scoring", description = "Scorecards, composite scores, leaderboards"),
        (name = "conversation", description = "Call transcripts and behaviour metrics"),
        (name = "pipeline", description = "The sales process: funnel, weighted pipeline, stuck deals, volatility, best time to call"),
        (name = "training", description = "Training plan, sign-in sheets, effectiveness and ROI"),
        (name = "system", description = "Health and this document"),
    )
)]
struct ApiDoc;

/// The routes and the OpenAPI document describing them, built together so they cannot drift.
fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(ingest))
        .routes(routes!(ingest_transcripts))
        .routes(routes!(kpis::values))
        .routes(routes!(kpis::catalogue))
        .routes(routes!(actions::list_actions, actions::create_action))
        .routes(routes!(actions::check_actions))
        .routes(routes!(actions::update_action))
        .routes(routes!(audit::sample_reports))
        .routes(routes!(audit::reconcile_reports))
        .routes(routes!(audit::record))
        .routes(routes!(reports::sheet))
        .routes(routes!(reports::note))
        .routes(routes!(scoring::list))
        .routes(routes!(scoring::put))
        .routes(routes!(scoring::scores))
        .routes(routes!(scoring::leaderboard))
        .routes(routes!(targets::list, targets::put))
        .routes(routes!(targets::split_target))
        .routes(routes!(calendar::show, calendar::change))
        .routes(routes!(conversation::list))
        .routes(routes!(conversation::compare_calls))
        .routes(routes!(targets::tracking))
        .routes(routes!(targets::update))
        .routes(routes!(pipeline::funnel_route))
        .routes(routes!(pipeline::weighted_route))
        .routes(routes!(pipeline::stuck_route))
        .routes(routes!(pipeline::volatility_route))
        .routes(routes!(pipeline::winloss_route))
        .routes(routes!(pipeline::forecast_route))
        .routes(routes!(pipeline::backtest_route))
        .routes(routes!(pipeline::leads_route))
        .routes(routes!(pipeline::category_route))
        .routes(routes!(pipeline::heatmap_route))
        .routes(routes!(process_pages::pipelines_route))
        .routes(routes!(pipeline::gaps_route))
        .routes(routes!(training::plan))
        .routes(routes!(training::signin))
        .routes(routes!(training::effect))
        .routes(routes!(training::report))
        .split_for_parts();
    (router, with_authentication(document))
}

/// The two ways in — an API token as `Authorization: Bearer`, or a session cookie from the login
/// form — declared once, required of every operation but the public ones, each of which then
/// also answers 401 (not signed in), 403 (not the caller's to see or do) and 400 (a parameter or
/// body it cannot read) with the error body; and what the handlers' signatures cannot tell
/// utoipa ([`declare_fixed_sets`]).
fn with_authentication(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))));
    document.security =
        Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new()), SecurityRequirement::new("session", Vec::<String>::new())]);
    for (path, item) in document.paths.paths.iter_mut() {
        let public = auth::is_public(path);
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
            if public {
                operation.security = Some(vec![SecurityRequirement::default()]);
                continue;
            }
            let responses = &mut operation.responses.responses;
            responses.entry("401".to_string()).or_insert_with(|| error_answer("Not signed in: no valid API token or session"));
            responses
                .entry("403".to_string())
                .or_insert_with(|| error_answer("Not the caller's to see or do, or a session's request without its CSRF token"));
            responses.entry("400".to_string()).or_insert_with(|| error_answer("A parameter or body the server cannot read"));
            declare_fixed_sets(path, operation);
        }
    }
    document
}

/// An answer with the `{message, code, type}` error body.
fn error_answer(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

/// What the handlers' signatures cannot tell utoipa: the fixed value sets of the shared
/// parameters (`format`, `lang`, the record `{kind}`), the CSV and XLSX answers of every operation
/// that takes a `format`, the 404 of an unknown team, rep or pipeline named in the parameters,
/// and the two bodies an ingest's 403 and 422 may carry: the error body (the caller may not
/// import at all; the records lack required columns) or the report (some record lies beyond the
/// caller's scope; a strict import stored nothing).
fn declare_fixed_sets(path: &str, operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{ContentBuilder, KnownFormat, Ref, RefOr, SchemaFormat};
    let one_of = |values: Vec<&'static str>| {
        RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()))
    };
    let formats = [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Xlsx];
    let mut names_a_scope = false;
    let mut takes_format = false;
    for parameter in operation.parameters.iter_mut().flatten() {
        match parameter.name.as_str() {
            "format" => {
                parameter.schema = Some(one_of(formats.iter().map(|f| f.extension()).collect()));
                takes_format = true;
            }
            "lang" => parameter.schema = Some(one_of(Lang::ALL.iter().map(|l| l.code()).collect())),
            "kind" if path == "/api/v1/ingest/{kind}" => parameter.schema = Some(one_of(Kind::ALL.iter().map(|k| k.id()).collect())),
            "scope" | "team" | "rep" | "pipeline" => names_a_scope = true,
            _ => {}
        }
    }
    let responses = &mut operation.responses.responses;
    if names_a_scope {
        responses.entry("404".to_string()).or_insert_with(|| error_answer("An unknown team, rep or pipeline"));
    }
    if takes_format && let Some(RefOr::T(ok)) = responses.get_mut("200") {
        for format in formats.into_iter().filter(|f| *f != OutputFormat::Json) {
            let file = ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
            ok.content.insert(format.content_type().to_string(), ContentBuilder::new().schema(Some(Schema::Object(file.build()))).build());
        }
    }
    if !path.starts_with("/api/v1/ingest/") {
        return;
    }
    for status in ["403", "422"] {
        if let Some(RefOr::T(refused)) = responses.get_mut(status)
            && let Some(content) = refused.content.get_mut("application/json")
            && let Some(report) = content.schema.take()
        {
            let either = OneOfBuilder::new().item(report).item(Ref::from_schema_name("ErrorBody")).build();
            content.schema = Some(RefOr::T(Schema::OneOf(either)));
        }
    }
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

pub fn router(state: AppState) -> Router {
    let (router, mut document) = routes();
    document.paths.paths.insert("/api/v1/openapi.json".to_string(), openapi_path());
    let document = Arc::new(document);
    router
        .route("/api/v1/openapi.json", get(move || async move { axum::Json(document.as_ref().clone()) }))
        .merge(pages::routes())
        // Inside `authenticate`: requests it turns away change nothing.
        .layer(axum::middleware::from_fn_with_state(state.clone(), page_cache::stale_after_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
        .layer(axum::middleware::from_fn(api_errors_as_json))
        .layer(axum::middleware::from_fn(panics_as_server_errors))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// A handler that panics answers 500 with the error body, rather than dropping the connection
/// without a word; the panic itself is logged by the panic hook.
async fn panics_as_server_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use futures_util::FutureExt;
    let path = request.uri().path().to_string();
    match std::panic::AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => ApiError::internal(&format!("a handler of {path} panicked")).into_response(),
    }
}

/// Answers of the API that did not come from a handler — axum's own rejections of a query, a
/// path or a body it cannot read (`Failed to deserialize query string…`, in plain text), an
/// unknown route, a wrong method — in the documented `{message, code, type}` form like every
/// other error.
async fn api_errors_as_json(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
    if !api || is_json || !status.is_client_error() {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        _ => "bad_request",
    };
    let text =
        axum::body::to_bytes(response.into_body(), 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let message = if text.trim().is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    ApiError { status, code, message }.into_response()
}

/// What a browser may do with our pages: scripts, styles, images and connections from this site
/// only (inline style attributes are allowed for the charts and timelines; inline scripts are
/// not), no framing by other sites, no guessing of content types, no referrer beyond the origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    ] {
        headers.entry(name).or_insert(axum::http::HeaderValue::from_static(value));
    }
    response
}

/// The document's own entry.
fn openapi_path() -> utoipa::openapi::path::PathItem {
    use utoipa::openapi::HttpMethod;
    use utoipa::openapi::path::{OperationBuilder, PathItem};
    use utoipa::openapi::response::ResponseBuilder;
    let operation = OperationBuilder::new()
        .tag("system")
        .summary(Some("This OpenAPI document"))
        .response("200", ResponseBuilder::new().description("OpenAPI 3.1 JSON"))
        .security(utoipa::openapi::security::SecurityRequirement::default())
        .build();
    PathItem::new(HttpMethod::Get, operation)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    upload::remove_stale_uploads();
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// The request's language: `?lang=`, else `Accept-Language`, else English.
pub(crate) fn request_lang(query_lang: Option<&str>, headers: &HeaderMap) -> Lang {
    query_lang
        .and_then(Lang::from_tag)
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language))
        .unwrap_or_default()
}

/// The organisation's local time now.
pub fn local_now(zone: &salescope_core::time::OrgZone) -> LocalDateTime {
    let utc = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    zone.local_from_utc(utc).unwrap_or(LocalDateTime(utc))
}

/// `GET /healthz`: whether the server and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "system", summary = "Health of the server and its database",
    responses((status = 200, description = "`{status: ok, database, version}`", body = serde_json::Value),
              (status = 503, description = "The database does not answer", body = serde_json::Value)))]
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => {
            axum::Json(serde_json::json!({"status": "ok", "database": state.db.backend().name(), "version": env!("CARGO_PKG_VERSION")}))
                .into_response()
        }
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable", "database": state.db.backend().name()})),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct IngestQuery {
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
async fn ingest(
    State(state): State<AppState>,
    Extension(session): Extension<auth::Session>,
    Path(kind): Path<String>,
    Query(query): Query<IngestQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = request_lang(query.lang.as_deref(), &headers);
    if let Err(e) = access::require(&session, Permission::Import, lang) {
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
    let mut options = ImportOptions::new(kind, source_name, local_now(&zone));
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
    access::record_change(state, session, "import", &report.kind, "import", None, Some(&after)).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TranscriptQuery {
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
async fn ingest_transcripts(
    State(state): State<AppState>,
    Extension(session): Extension<auth::Session>,
    Query(query): Query<TranscriptQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = request_lang(query.lang.as_deref(), &headers);
    if let Err(e) = access::require(&session, Permission::Import, lang) {
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
        Ok(settings) => local_now(&settings.zone),
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
                if let Err(e) = access::record_change(&state, &session, "import", "transcripts", "import", None, Some(&after)).await {
                    return e.into_response();
                }
            }
            axum::Json(report).into_response()
        }
        Err(e) => ApiError::from_import(&e, lang).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_query_then_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9".parse().expect("header"));
        assert_eq!(request_lang(None, &headers), Lang::ZhCn);
        assert_eq!(request_lang(Some("en"), &headers), Lang::En);
        assert_eq!(request_lang(None, &HeaderMap::new()), Lang::En);
    }
}

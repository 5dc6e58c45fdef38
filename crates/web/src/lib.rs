//! Salescope's HTTP server.
//!
//! **Architecture invariant:** only this crate knows HTTP. Handlers parse the request, call the
//! import, store or (later) KPI APIs, and render their results as JSON or pages; they compute
//! nothing themselves.

mod actions;
mod audit;
mod error;
mod kpis;
mod reports;
mod request;
mod scoring;
mod targets;

pub use error::ApiError;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_core::time::LocalDateTime;
use salescope_import::{ImportOptions, NoProgress, Source};
use salescope_store::Db;
use serde::Deserialize;
use std::sync::Arc;

/// Largest accepted request body: a batch of some hundred thousand records.
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/ingest/{kind}", post(ingest))
        .route("/api/v1/kpis", get(kpis::values))
        .route("/api/v1/kpis/catalogue", get(kpis::catalogue))
        .route("/api/v1/actions", get(actions::list_actions).post(actions::create_action))
        .route("/api/v1/actions/check", post(actions::check_actions))
        .route("/api/v1/actions/{id}", patch(actions::update_action))
        .route("/api/v1/audit/sample", get(audit::sample_reports))
        .route("/api/v1/audit/reconcile", get(audit::reconcile_reports))
        .route("/api/v1/audit/checks", post(audit::record))
        .route("/api/v1/reports/{sheet}", get(reports::sheet))
        .route("/api/v1/reports/{sheet}/notes", put(reports::note))
        .route("/api/v1/scorecards", get(scoring::list))
        .route("/api/v1/scorecards/{role}", put(scoring::put))
        .route("/api/v1/scores", get(scoring::scores))
        .route("/api/v1/leaderboard", get(scoring::leaderboard))
        .route("/api/v1/targets", get(targets::list).put(targets::put))
        .route("/api/v1/targets/split", post(targets::split_target))
        .route("/api/v1/tracking", get(targets::tracking))
        .route("/api/v1/tracking/update", post(targets::update))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
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

#[derive(Deserialize)]
struct IngestQuery {
    #[serde(default)]
    strict: bool,
    lang: Option<String>,
}

/// `POST /api/v1/ingest/{kind}`: a JSON array of records, validated and stored like a file
/// import. Answers with the import report: 200 when the valid records were stored, 422 when a
/// strict request stored nothing because some record was rejected.
async fn ingest(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(query): Query<IngestQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = request_lang(query.lang.as_deref(), &headers);
    let Some(kind) = Kind::from_id(&kind) else {
        return ApiError::unknown_kind(&kind, lang).into_response();
    };
    let source = match Source::json(&body) {
        Ok(source) => source,
        Err(e) => return ApiError::from_import(&e, lang).into_response(),
    };
    let zone = match state.db.settings().await {
        Ok(settings) => settings.zone,
        Err(e) => return ApiError::from_import(&e.into(), lang).into_response(),
    };
    let mut options = ImportOptions::new(kind, "api", local_now(&zone));
    options.strict = query.strict;
    options.lang = lang;
    match salescope_import::import(&state.db, kind, source, &options, Arc::new(NoProgress)).await {
        Ok(report) => {
            let status = if report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            (status, axum::Json(report)).into_response()
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

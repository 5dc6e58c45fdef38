//! The health check.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `GET /healthz`: whether the server and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "system", summary = "Health of the server and its database",
    responses((status = 200, description = "`{status: ok, database, version}`", body = serde_json::Value),
              (status = 503, description = "The database does not answer", body = serde_json::Value)))]
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
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

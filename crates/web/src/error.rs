//! Every error the API returns, as `{"message", "code", "type"}` JSON with a stable code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use salescope_core::i18n::Lang;
use salescope_engine::EngineError;
use salescope_import::ImportError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What was wrong, in the request's language.
    message: String,
    /// A stable code: bad_json, bad_period, unknown_kpi, unknown_team, not_found, …
    code: String,
    /// invalid_request or internal.
    #[serde(rename = "type")]
    kind: String,
}

impl ApiError {
    /// The error's class: the caller's request, or the server.
    fn kind(&self) -> &'static str {
        if self.status.is_server_error() { "internal" } else { "invalid_request" }
    }

    pub fn unknown_kind(kind: &str, lang: Lang) -> ApiError {
        let kinds: Vec<&str> = salescope_core::schema::Kind::ALL.iter().map(|k| k.id()).collect();
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "unknown_kind",
            message: lang.format("error.unknown_kind", &[("kind", &kind), ("kinds", &kinds.join(", "))]),
        }
    }

    pub fn from_import(error: &ImportError, lang: Lang) -> ApiError {
        let status = match error {
            ImportError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ImportError::BadJson(_) | ImportError::EmptyFile => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        if status.is_server_error() {
            tracing::error!("import failed: {error}");
            return ApiError::server_failure(lang);
        }
        ApiError { status, code: error.code(), message: error.message(lang) }
    }
}

impl ApiError {
    pub fn from_engine(error: &salescope_engine::EngineError, lang: Lang) -> ApiError {
        let status = if error.is_server_error() {
            tracing::error!("request failed: {error}");
            return ApiError::server_failure(lang);
        } else if matches!(
            error,
            salescope_engine::EngineError::UnknownKpi(_)
                | salescope_engine::EngineError::UnknownTeam(_)
                | salescope_engine::EngineError::UnknownRep(_)
                | salescope_engine::EngineError::NotFound(_)
        ) {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError { status, code: error.code(), message: error.message(lang) }
    }

    /// A failure of the server itself (the database, a file), logged with its detail; the caller
    /// learns only that it happened, never the database's words.
    fn server_failure(lang: Lang) -> ApiError {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code: "internal", message: lang.tr("error.internal").to_string() }
    }

    /// A failure of the server itself, logged; the caller learns only that it happened.
    pub fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!("request failed: {error}");
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code: "internal", message: "internal error".to_string() }
    }

    pub fn bad_request(code: &'static str, message: String) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, code, message }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { message: self.message.clone(), code: self.code.to_string(), kind: self.kind().to_string() };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// Engine, store and parse errors as API errors in the request's language.
pub(crate) trait OrApiError<T> {
    fn or_api(self, lang: Lang) -> ApiResult<T>;
}

impl<T, E: Into<EngineError>> OrApiError<T> for Result<T, E> {
    fn or_api(self, lang: Lang) -> ApiResult<T> {
        self.map_err(|e| ApiError::from_engine(&e.into(), lang))
    }
}

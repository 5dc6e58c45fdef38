//! What wraps every handler: panics and axum's own rejections answered with the error body, the
//! security headers of every response, and the page cache made stale by writes.

use crate::error::ApiError;
use crate::page_cache::PageCache;
use crate::state::AppState;
use axum::extract::Request;
use axum::extract::State;
use axum::http::Method;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A handler that panics answers 500 with the error body, rather than dropping the connection
/// without a word; the panic itself is logged by the panic hook.
pub(crate) async fn panics_as_server_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
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
pub(crate) async fn api_errors_as_json(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
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

pub(crate) async fn security_headers(mut response: Response) -> Response {
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

/// Marks every cached page stale after each signed-in request that may have written: when it
/// ends, unless it was refused, and also when the client leaves before it ends (the change may
/// have been committed). Signing in and out and choosing a language write nothing a page shows.
pub(crate) async fn stale_after_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let writes_data =
        !matches!(*request.method(), Method::GET | Method::HEAD) && !matches!(request.uri().path(), "/login" | "/logout" | "/language");
    let mut stale_on_drop = StaleOnDrop { cache: &state.shared.pages, armed: writes_data };
    let response = next.run(request).await;
    stale_on_drop.armed &= !response.status().is_client_error();
    response
}

/// Makes the cache stale when dropped, if armed.
struct StaleOnDrop<'a> {
    cache: &'a PageCache,
    armed: bool,
}

impl Drop for StaleOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.cache.note_write();
        }
    }
}

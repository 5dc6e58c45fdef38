//! Salescope's HTTP server: the pages, the JSON API, and who may see and do what.
//!
//! **Layering** (each module uses only those below it; `farm-studio look crates/web` draws it):
//!
//! 1. `routes` mounts every handler and the middleware; `openapi` completes the API document.
//! 2. `pages/*` — one module per area of the pages; they may use an `api/*` module's parameters.
//! 3. `api/*` — one module per area of the JSON API (`/api/v1/…`), each a thin layer over the
//!    engine: parse, check access, compute, render as JSON, CSV or XLSX.
//! 4. `render` (a page in its frame), `middleware`, `importing` (the one way records from the web
//!    reach the import).
//! 5. `access` (what the caller may see and do, bound to the stored organisation), `request`
//!    (language, dates, formats, downloads), `auth` (who is asking).
//! 6. `state` (what every handler is given), then `templates`, `page_cache`, `uploads`,
//!    `login_throttle` and `error`, which know nothing of the rest.
//!
//! **Architecture invariants:** only this crate knows HTTP. Handlers parse the request, call the
//! import, store or engine APIs, and render their results as JSON or pages; they compute
//! nothing themselves. Every request but the login page, health and static files passes
//! [`auth::authenticate`], and every handler asks [`access`] before it reads or changes a scope.

mod access;
mod api;
mod auth;
mod error;
mod importing;
mod login_throttle;
mod middleware;
mod openapi;
mod page_cache;
mod pages;
mod render;
mod request;
mod routes;
mod state;
mod templates;
mod uploads;

pub use error::{ApiError, ErrorBody};
pub use page_cache::FRESH_FOR as DASHBOARD_FRESH_FOR;
pub use routes::{openapi, router};
pub use state::AppState;

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    uploads::remove_stale_uploads();
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

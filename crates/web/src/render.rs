//! A [`Page`] rendered for the account asking: inside the frame with its menu (only what the
//! role may open), or as the error page with the status of the error.

use crate::auth::{self, Session};
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::templates::Page;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use salescope_core::access::{Permission, Role};
use serde_json::json;

pub(crate) fn render(state: &AppState, session: &Session, path: &str, page: ApiResult<Page>) -> Response {
    let (status, page) = match page {
        Ok(page) => (StatusCode::OK, page),
        Err(e) => {
            let title = session.lang.tr("page.error").to_string();
            (e.status, Page { template: "error.html", title, data: json!({"status": e.status.as_u16(), "message": e.message}) })
        }
    };
    let viewer = &session.viewer;
    let nav = navigation(session);
    let context = json!({
        "lang": session.lang.code(),
        "title": page.title,
        "user": {"name": viewer.name, "login": viewer.login, "role": viewer.role.id()},
        "csrf": session.csrf,
        "path": path,
        "nav": nav,
        "page": page.data,
    });
    match state.shared.templates.get_template(page.template).and_then(|t| t.render(&context)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// A form refused for a reason the person can fix: the page again, with the reason, as 422.
pub(crate) fn render_refused(state: &AppState, session: &Session, path: &str, page: ApiResult<Page>) -> Response {
    let mut response = render(state, session, path, page);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// Whether an error is a reason to show on the form (not a refusal of access, not a failure).
pub(crate) fn fixable(error: &ApiError) -> bool {
    error.status.is_client_error() && error.status != StatusCode::FORBIDDEN
}

/// The menu an account gets: only what its role may open.
fn navigation(session: &Session) -> Vec<serde_json::Value> {
    let viewer = &session.viewer;
    let mut items = Vec::new();
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/dashboard", "label": session.lang.tr("nav.dashboard")}));
    }
    items.push(json!({"href": "/explore", "label": session.lang.tr("nav.explore")}));
    items.push(json!({"href": "/targets", "label": session.lang.tr("nav.targets")}));
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/settings/teams", "label": session.lang.tr("nav.teams")}));
    }
    if viewer.may(Permission::Plan) {
        items.push(json!({"href": "/settings/calendar", "label": session.lang.tr("nav.calendar")}));
    }
    if let Some(rep) = &viewer.rep_id {
        items.push(json!({"href": format!("/reps/{}", auth::percent_encode(rep)), "label": session.lang.tr("nav.my_page")}));
    }
    if viewer.may(Permission::FileDailyReport) && viewer.rep_id.is_some() {
        items.push(json!({"href": "/daily-report", "label": session.lang.tr("nav.daily_report")}));
    }
    // The calls compared are per-rep sales records, which trainers do not read.
    if !matches!(viewer.role, Role::Rep | Role::Trainer) {
        items.push(json!({"href": "/conversation", "label": session.lang.tr("nav.conversation")}));
    }
    if viewer.role != Role::Rep {
        items.push(json!({"href": "/pipeline", "label": session.lang.tr("nav.pipeline")}));
    }
    items.push(json!({"href": "/coaching", "label": session.lang.tr("nav.coaching")}));
    items.push(json!({"href": "/training", "label": session.lang.tr("nav.training")}));
    if viewer.may(Permission::Review) {
        items.push(json!({"href": "/reviews/weekly", "label": session.lang.tr("nav.reviews")}));
        items.push(json!({"href": "/actions", "label": session.lang.tr("nav.actions")}));
        items.push(json!({"href": "/audit", "label": session.lang.tr("nav.audit")}));
    }
    if viewer.may(Permission::Import) {
        items.push(json!({"href": "/import", "label": session.lang.tr("nav.import")}));
    }
    if viewer.may(Permission::Administer) {
        items.push(json!({"href": "/settings/users", "label": session.lang.tr("nav.users")}));
        items.push(json!({"href": "/settings/kpis", "label": session.lang.tr("nav.kpis")}));
        items.push(json!({"href": "/settings/conversation", "label": session.lang.tr("nav.phrases")}));
    }
    if viewer.may(Permission::ReadChangeLog) {
        items.push(json!({"href": "/changes", "label": session.lang.tr("nav.changes")}));
    }
    items
}

//! The change log: every edit, in whose name, with what it was before and after.

use crate::access::require;
use crate::auth::Session;
use crate::error::OrApiError;
use crate::render::render;
use crate::state::AppState;
use crate::templates::Page;
use axum::extract::{Extension, Query, State};
use axum::response::Response;
use salescope_core::access::Permission;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub(crate) struct ChangesQuery {
    page: Option<i64>,
}

const CHANGES_PER_PAGE: i64 = 50;

pub(crate) async fn changes(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ChangesQuery>,
) -> Response {
    let page = async {
        require(&session, Permission::ReadChangeLog, session.lang)?;
        let number = q.page.unwrap_or(1).max(1);
        let rows = state.db.changes(CHANGES_PER_PAGE + 1, (number - 1) * CHANGES_PER_PAGE).await.or_api(session.lang)?;
        let zone = state.db.settings().await.or_api(session.lang)?.zone;
        let more = rows.len() as i64 > CHANGES_PER_PAGE;
        let entries: Vec<serde_json::Value> = rows
            .iter()
            .take(CHANGES_PER_PAGE as usize)
            .map(|c| {
                let at = zone.local_from_utc(c.at).map_or_else(|| c.at.to_string(), |t| t.to_string());
                json!({"at": at, "login": c.login, "entity": c.entity, "subject": c.subject, "action": c.action, "before": c.before_value, "after": c.after_value})
            })
            .collect();
        Ok(Page {
            template: "changes.html",
            title: session.lang.tr("changes.title").to_string(),
            data: json!({"entries": entries, "page": number, "more": more}),
        })
    }
    .await;
    render(&state, &session, "/changes", page)
}

//! Every route the server answers, mounted in one place: the JSON API (whose OpenAPI document is
//! built from the same handler annotations, so the two cannot drift), the pages, and the
//! middleware around them. Nothing else lives here.

use crate::state::AppState;
use crate::{api, auth, middleware, pages};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::sync::Arc;

/// The routes and the OpenAPI document describing them, built together so they cannot drift.
fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    let (router, document) = OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(api::system::healthz))
        .routes(routes!(api::ingest::ingest))
        .routes(routes!(api::ingest::ingest_transcripts))
        .routes(routes!(api::kpis::values))
        .routes(routes!(api::kpis::catalogue))
        .routes(routes!(api::actions::list_actions, api::actions::create_action))
        .routes(routes!(api::actions::check_actions))
        .routes(routes!(api::actions::update_action))
        .routes(routes!(api::audit::sample_reports))
        .routes(routes!(api::audit::reconcile_reports))
        .routes(routes!(api::audit::record))
        .routes(routes!(api::reports::sheet))
        .routes(routes!(api::reports::note))
        .routes(routes!(api::scoring::list))
        .routes(routes!(api::scoring::put))
        .routes(routes!(api::scoring::scores))
        .routes(routes!(api::scoring::leaderboard))
        .routes(routes!(api::targets::list, api::targets::put))
        .routes(routes!(api::targets::split_target))
        .routes(routes!(api::calendar::show, api::calendar::change))
        .routes(routes!(api::conversation::list))
        .routes(routes!(api::conversation::compare_calls))
        .routes(routes!(api::targets::tracking))
        .routes(routes!(api::targets::update))
        .routes(routes!(api::pipeline::funnel_route))
        .routes(routes!(api::pipeline::weighted_route))
        .routes(routes!(api::pipeline::stuck_route))
        .routes(routes!(api::pipeline::volatility_route))
        .routes(routes!(api::pipeline::winloss_route))
        .routes(routes!(api::pipeline::forecast_route))
        .routes(routes!(api::pipeline::backtest_route))
        .routes(routes!(api::pipeline::leads_route))
        .routes(routes!(api::pipeline::category_route))
        .routes(routes!(api::pipeline::heatmap_route))
        .routes(routes!(api::process::pipelines_route))
        .routes(routes!(api::pipeline::gaps_route))
        .routes(routes!(api::training::plan))
        .routes(routes!(api::training::signin))
        .routes(routes!(api::training::effect))
        .routes(routes!(api::training::report))
        .split_for_parts();
    (router, crate::openapi::with_authentication(document))
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().1
}

/// Every route, page and API, behind the middleware.
pub fn router(state: AppState) -> Router {
    let (router, mut document) = api_routes();
    document.paths.paths.insert("/api/v1/openapi.json".to_string(), crate::openapi::openapi_path());
    let document = Arc::new(document);
    router
        .route("/api/v1/openapi.json", get(move || async move { axum::Json(document.as_ref().clone()) }))
        .merge(page_routes())
        // Inside `authenticate`: requests it turns away change nothing.
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::stale_after_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(auth::MAX_IMPORT_BYTES))
        .layer(axum::middleware::from_fn(middleware::api_errors_as_json))
        .layer(axum::middleware::from_fn(middleware::panics_as_server_errors))
        .layer(axum::middleware::map_response(middleware::security_headers))
        .with_state(state)
}

/// The pages people use, each a handler of `pages/*`.
fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::session::home))
        .route("/login", get(pages::session::login_form).post(pages::session::login))
        .route("/logout", post(pages::session::logout))
        .route("/language", post(pages::session::language))
        .route("/dashboard", get(pages::dashboard::dashboard))
        .route("/reps/{rep_id}", get(pages::rep::rep_page))
        .route("/daily-report", get(pages::daily::daily_form).post(pages::daily::daily_submit))
        .route("/changes", get(pages::changes::changes))
        .route("/explore", get(pages::explore::explore))
        .route("/conversation", get(pages::conversation::conversation))
        .route("/calls/{call_id}", get(pages::conversation::call))
        .route("/settings/conversation", get(pages::conversation::phrases).post(pages::conversation::save_phrases))
        .route("/targets", get(pages::plan::targets).post(pages::plan::set_target))
        .route("/targets/split", post(pages::plan::split_target))
        .route("/settings/calendar", get(pages::plan::calendar).post(pages::plan::change_days))
        .route("/settings/kpis", get(pages::plan::kpis).post(pages::plan::define_kpi))
        .route("/settings/kpis/scorecard", post(pages::plan::set_scorecard))
        .route("/settings/teams", get(pages::plan::teams))
        .route("/settings/users", get(pages::plan::users).post(pages::plan::add_user))
        .route("/settings/users/{login}/{action}", post(pages::plan::switch_user))
        .route("/reviews/{kind}", get(pages::review::review))
        .route("/reviews/{kind}/note", post(pages::review::note))
        .route("/actions", get(pages::review::actions).post(pages::review::create_action))
        .route("/actions/{id}/status", post(pages::review::set_status))
        .route("/audit", get(pages::review::audit))
        .route("/audit/check", post(pages::review::record_audit_check))
        .route("/import", get(pages::upload::form).post(pages::upload::preview))
        .route("/import/commit", post(pages::upload::commit))
        .route("/pipeline", get(pages::pipeline::page))
        .route("/pipeline/stages", get(pages::process::page))
        .route("/pipeline/stages.toml", get(pages::process::download))
        .route("/pipeline/stages/confirm", post(pages::process::confirm))
        .route("/pipeline/stages/file", post(pages::process::replace_file))
        .route("/pipeline/stages/{id}", post(pages::process::save_pipeline))
        .route("/pipeline/stages/{id}/delete", post(pages::process::delete_pipeline))
        .route("/coaching", get(pages::coaching::list))
        .route("/coaching/tasks", post(pages::coaching::create))
        .route("/coaching/tasks/{id}/note", post(pages::coaching::note))
        .route("/coaching/tasks/{id}/remeasure", post(pages::coaching::remeasure))
        .route("/coaching/tasks/{id}/status", post(pages::coaching::status))
        .route("/reps/{rep_id}/deals/{deal_id}/category", post(pages::pipeline::category_form))
        .route("/training", get(pages::training::plan))
        .route("/training/courses", post(pages::training::add_course))
        .route("/training/sessions", post(pages::training::add_session))
        .route("/training/courses/{course}", get(pages::training::course))
        .route("/training/courses/{course}/roi", post(pages::training::save_roi))
        .route("/training/sessions/{session}", get(pages::training::session_sheet))
        .route("/training/sessions/{session}/signin", post(pages::training::sign_in))
        .route("/training/sessions/{session}/score", post(pages::training::score))
        .route("/training/sessions/{session}/feedback", get(pages::training::feedback_form).post(pages::training::feedback_submit))
        .route("/static/{file}", get(pages::assets::asset))
}

//! The sales process over HTTP: funnel, weighted pipeline, stuck deals, revenue volatility and the
//! best time to call, as JSON or CSV/XLSX, and the pipeline page that shows them together.
//! Funnel, weighted pipeline and call cells are aggregates; stuck deals and volatility name reps.

use crate::access::Access;
use crate::auth::Session;
use crate::error::ErrorBody;
use crate::error::{ApiResult, OrApiError};
use crate::request::request_lang;
use crate::request::{date, json_or_download, output_format, period_or, today};
use crate::state::AppState;
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use salescope_core::access::Reach;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::coaching::{coaching_gaps, gaps_sheet};
use salescope_engine::pipeline::{
    Deals, funnel, funnel_sheet, heatmap, heatmap_sheet, last_twelve_months, stuck, stuck_sheet, volatility, volatility_sheet, weighted,
    weighted_sheet, winloss, winloss_sheet,
};
use salescope_engine::pipeline::{backtest, backtest_sheet, forecast, forecast_sheet, lead_assignment, lead_assignment_sheet};
use salescope_export::OutputFormat;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcessParams {
    /// org (default), team:<name> or rep:<id>.
    pub scope: Option<String>,
    /// For the funnel and the heatmap (default this month) and volatility (default the last twelve months).
    pub period: Option<String>,
    /// For the weighted pipeline and stuck deals: the day, YYYY-MM-DD (default today).
    pub as_of: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    /// A configured pipeline's id (default the first); ignored while none is configured.
    pub pipeline: Option<String>,
    pub today: Option<String>,
    pub lang: Option<String>,
}

/// What every route needs: the language, the format, the context, the scope at `reach`, today.
struct Asked {
    lang: Lang,
    format: OutputFormat,
    ctx: Context,
    scope: Scope,
    today: Day,
}

async fn asked(state: &AppState, session: &Session, q: &ProcessParams, headers: &HeaderMap, reach: Reach) -> ApiResult<Asked> {
    let lang = request_lang(q.lang.as_deref(), headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let scope = Access::new(session, &ctx, lang).scope(q.scope.as_deref(), reach)?;
    let today = today(state, q.today.as_deref(), lang).await?;
    Ok(Asked { lang, format, ctx, scope, today })
}

#[utoipa::path(get, path = "/api/v1/pipeline/funnel", tag = "pipeline", summary = "Per stage: deals that entered it in the period, advanced, conversion, median and p75 days in stage",
    params(ProcessParams), responses((status = 200, description = "The funnel", body = salescope_engine::pipeline::Funnel), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn funnel_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Aggregates).await?;
    let period = period_or(q.period.as_deref(), || Period::month_of(a.today), a.lang)?;
    let found = funnel(&Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?, &a.ctx, &a.scope, &period).or_api(a.lang)?;
    json_or_download(&found, || funnel_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[utoipa::path(get, path = "/api/v1/pipeline/weighted", tag = "pipeline", summary = "Deals open at the end of a day by stage, weighted by the stage's win probability",
    params(ProcessParams), responses((status = 200, description = "The weighted pipeline", body = salescope_engine::pipeline::WeightedPipeline), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn weighted_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Aggregates).await?;
    let day = q.as_of.as_deref().map_or(Ok(a.today), |d| date(d, a.lang))?;
    let found = weighted(&Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?, &a.ctx, &a.scope, day).or_api(a.lang)?;
    json_or_download(&found, || weighted_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[utoipa::path(get, path = "/api/v1/pipeline/stuck", tag = "pipeline", summary = "Open deals longer in their stage than the stage's p75 of completed stays",
    params(ProcessParams), responses((status = 200, description = "The stuck deals, the most overdue first", body = Vec<salescope_engine::pipeline::StuckRow>), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn stuck_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Records).await?;
    let day = q.as_of.as_deref().map_or(Ok(a.today), |d| date(d, a.lang))?;
    let found = stuck(&Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?, &a.ctx, &a.scope, day).or_api(a.lang)?;
    json_or_download(&found, || stuck_sheet(&found, &a.ctx, &a.scope, day, a.lang), a.format)
}

#[utoipa::path(get, path = "/api/v1/pipeline/volatility", tag = "pipeline", summary = "Each rep's monthly revenue and its coefficient of variation, most volatile first",
    params(ProcessParams), responses((status = 200, description = "Volatility per rep", body = salescope_engine::pipeline::Volatility), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn volatility_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Records).await?;
    let period = period_or(q.period.as_deref(), || last_twelve_months(a.today), a.lang)?;
    let found = volatility(&Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?, &a.ctx, &a.scope, &period, a.today)
        .or_api(a.lang)?;
    json_or_download(&found, || volatility_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[utoipa::path(get, path = "/api/v1/pipeline/winloss", tag = "pipeline", summary = "Each source and segment's effect on the win rate of the deals closed in the period, with its 95% interval",
    params(ProcessParams), responses((status = 200, description = "The factors, strongest positive first", body = salescope_engine::pipeline::WinLoss), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn winloss_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Aggregates).await?;
    let period = period_or(q.period.as_deref(), || last_twelve_months(a.today), a.lang)?;
    let deals = Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?;
    let found = winloss(&state.db, &deals, &a.ctx, &a.scope, &period).await.or_api(a.lang)?;
    json_or_download(&found, || winloss_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[utoipa::path(get, path = "/api/v1/forecast", tag = "pipeline", summary = "The revenue a period will close, forecast from the stage history, with its 80% interval and parts",
    params(ProcessParams), responses((status = 200, description = "The forecast (period: a quarter or month, default this quarter; as_of: default today)", body = salescope_engine::pipeline::ForecastReport), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn forecast_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Aggregates).await?;
    let period = period_or(q.period.as_deref(), || Period::quarter_of(a.today), a.lang)?;
    let day = q.as_of.as_deref().map_or(Ok(a.today), |d| date(d, a.lang))?;
    let found =
        forecast(&Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?, &a.ctx, &a.scope, &period, day).or_api(a.lang)?;
    json_or_download(&found, || forecast_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[utoipa::path(get, path = "/api/v1/forecast/backtest", tag = "pipeline", summary = "Every past quarter forecast as of its eve: MAPE and interval coverage beside the naive baselines",
    params(ProcessParams), responses((status = 200, description = "The backtest", body = salescope_engine::pipeline::Backtest), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn backtest_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Aggregates).await?;
    let found = backtest(&Deals::load(&state.db, q.pipeline.as_deref()).await.or_api(a.lang)?, &a.ctx, &a.scope, a.today).or_api(a.lang)?;
    json_or_download(&found, || backtest_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadParams {
    /// The lead's customer segment (required).
    pub segment: Option<String>,
    pub source: Option<String>,
    /// Default: today.
    pub as_of: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/leads/assign", tag = "pipeline", summary = "Reps ranked to take a new lead of a segment: shrunk win rate, spare capacity and the reason",
    params(LeadParams), responses((status = 200, description = "The ranking", body = salescope_engine::pipeline::LeadAssignment), (status = 403, description = "Needs an account that sees every rep", body = ErrorBody)))]
pub async fn leads_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<LeadParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    Access::new(&session, &ctx, lang).check(&Scope::Org, Reach::Records)?;
    let Some(segment) = q.segment.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(crate::error::ApiError::bad_request("segment_required", lang.tr("leads.error.segment_required").to_string()));
    };
    let day = match q.as_of.as_deref() {
        Some(text) => date(text, lang)?,
        None => today(&state, None, lang).await?,
    };
    let found = lead_assignment(&Deals::load(&state.db, None).await.or_api(lang)?, &ctx, segment, q.source.as_deref(), day, lang);
    json_or_download(&found, || lead_assignment_sheet(&found, lang), format)
}

#[utoipa::path(get, path = "/api/v1/calls/heatmap", tag = "pipeline", summary = "Connect rate by weekday × hour, with the best cells named",
    params(ProcessParams), responses((status = 200, description = "The cells and the best three", body = salescope_engine::pipeline::CallHeatmap), (status = 403, description = "Outside the account's scope", body = ErrorBody)))]
pub async fn heatmap_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProcessParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = asked(&state, &session, &q, &headers, Reach::Aggregates).await?;
    let period = period_or(q.period.as_deref(), || Period::month_of(a.today), a.lang)?;
    let found = heatmap(&state.db, &a.ctx, &a.scope, &period).await.or_api(a.lang)?;
    json_or_download(&found, || heatmap_sheet(&found, &a.ctx, &a.scope, a.lang), a.format)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GapsParams {
    /// The rep's id (or `scope=rep:<id>`; default: the account's own rep).
    pub rep: Option<String>,
    pub scope: Option<String>,
    /// Default: this quarter.
    pub period: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/coaching/gaps", tag = "pipeline", summary = "A rep's gaps against the team along the funnel and in activity and conversation KPIs, ranked by cost",
    params(GapsParams), responses((status = 200, description = "The gaps", body = salescope_engine::coaching::CoachingGaps), (status = 403, description = "Outside the account's scope", body = ErrorBody), (status = 404, description = "No such rep", body = ErrorBody)))]
pub async fn gaps_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<GapsParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = request_lang(q.lang.as_deref(), &headers);
    let format = output_format(q.format.as_deref(), lang)?;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let asked = q.rep.as_ref().map(|r| format!("rep:{r}")).or_else(|| q.scope.clone());
    let Scope::Rep(rep) = Access::new(&session, &ctx, lang).scope(asked.as_deref(), Reach::Records)? else {
        return Err(crate::error::ApiError::bad_request("rep_required", lang.tr("coaching.error.rep_required").to_string()));
    };
    let today = today(&state, None, lang).await?;
    let period = period_or(q.period.as_deref(), || Period::quarter_of(today), lang)?;
    let deals = Deals::load(&state.db, None).await.or_api(lang)?;
    let found = coaching_gaps(&state.db, &ctx, &deals, &rep, &period, lang).await.or_api(lang)?;
    json_or_download(&found, || gaps_sheet(&found, lang), format)
}

/// Puts a deal in a forecast category: the deal's own rep, or a lead or manager who sees the rep's
/// records. Logged in the change log.
pub(crate) async fn set_category(state: &AppState, session: &Session, deal_id: &str, category: &str) -> ApiResult<()> {
    let lang = session.lang;
    let ctx = Context::load(&state.db).await.or_api(lang)?;
    let deals = Deals::load(&state.db, None).await.or_api(lang)?;
    let Some(rep) = deals.rep_of(deal_id) else {
        return Err(salescope_engine::EngineError::not_found("error.unknown_deal", &[("deal", &deal_id)])).or_api(lang);
    };
    let access = Access::new(session, &ctx, lang);
    let own = session.viewer.rep_id.as_deref() == Some(rep);
    if !own {
        access.check(&Scope::Rep(rep.to_string()), Reach::Records)?;
        crate::access::require(session, salescope_core::access::Permission::Review, lang)?;
    }
    let Some(category) = salescope_core::pipeline::ForecastCategory::from_id(category) else {
        let choices = "pipeline, best_case, commit";
        return Err(crate::error::ApiError::bad_request(
            "bad_choice",
            lang.format("error.bad_choice", &[("value", &category), ("field", &"category"), ("choices", &choices)]),
        ));
    };
    let before = state
        .db
        .set_forecast_category(deal_id, category.id(), &session.viewer.login, salescope_app::clock::unix_seconds())
        .await
        .or_api(lang)?;
    crate::access::record_change(
        state,
        session,
        "forecast_category",
        deal_id,
        "update",
        before.map(|b| json!(b)).as_ref(),
        Some(&json!(category.id())),
    )
    .await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct CategoryBody {
    /// pipeline, best_case or commit.
    pub category: String,
}

#[utoipa::path(put, path = "/api/v1/deals/{deal}/forecast-category", tag = "pipeline", summary = "Put an open deal in a forecast category (pipeline, best_case, commit)",
    params(("deal" = String, Path, description = "Deal id")), request_body = CategoryBody,
    responses((status = 204, description = "Set"), (status = 400, description = "Not a category", body = ErrorBody), (status = 403, description = "Not the deal's rep, lead or manager", body = ErrorBody), (status = 404, description = "No such deal", body = ErrorBody)))]
pub async fn category_route(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::extract::Path(deal): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let body: CategoryBody = crate::request::json_body(&body, false, session.lang)?;
    set_category(&state, &session, &deal, &body.category).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

//! Process analytics for a scope (SPEC C9): the funnel over a period, the weighted pipeline and
//! stuck deals as of a day, the volatility of reps' monthly revenue, and the best time to call as
//! a report. The definitions are `core::pipeline`'s; this module chooses the deals of a scope —
//! a deal counts for the team its rep was in on the day that matters — and fills the sheets.

use crate::heatmap::{HeatCell, call_heatmap};
use crate::kpis::scope_name;
use crate::{Context, Result};
use salescope_core::i18n::Lang;
use salescope_core::period::{Period, PeriodKind};
use salescope_core::pipeline::{self, DealPath, Ending, ForecastCategory};
use salescope_core::process::{self, PipelineDef};
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_core::time::{Day, LocalDateTime};
use salescope_store::Db;
use serde::Serialize;
use std::sync::Arc;

/// The end of a day: "as of 30 June" includes everything that happened on it.
fn end_of(day: Day) -> LocalDateTime {
    LocalDateTime::from_parts(day, 23, 59, 59)
}

/// The deals of one pipeline with their stages and the pipeline's stage order: read once per
/// request and shared by the analyses. With no pipeline configured, every deal and the order
/// learned from the stage history.
pub struct Deals {
    pub(crate) paths: Arc<Vec<DealPath>>,
    /// The whole history these deals come from.
    history: Arc<salescope_store::DealHistory>,
    pub(crate) order: Vec<String>,
    /// The configured pipelines, and which of them these deals are.
    pipelines: Vec<PipelineDef>,
    current: Option<usize>,
    /// The forecast category reps put their open deals in.
    categories: std::collections::HashMap<String, ForecastCategory>,
}

impl Deals {
    /// The deals of `pipeline` (an id; the first configured pipeline when none is named).
    pub async fn load(db: &Db, pipeline: Option<&str>) -> Result<Deals> {
        let history = db.deal_history().await?;
        let mut paths = Arc::clone(&history.paths);
        let pipelines = db.pipelines().await?;
        let current = match pipeline.filter(|p| !p.is_empty()) {
            // With nothing configured, `GET /pipelines` lists the learned order as `default`.
            Some(DEFAULT_PIPELINE) if pipelines.is_empty() => None,
            Some(id) => Some(
                pipelines
                    .iter()
                    .position(|p| p.id == id)
                    .ok_or_else(|| crate::EngineError::not_found("process.error.unknown_pipeline", &[("pipeline", &id)]))?,
            ),
            None => (!pipelines.is_empty()).then_some(0),
        };
        let order = match current {
            Some(index) => {
                if pipelines.len() > 1 {
                    paths = Arc::new(paths.iter().filter(|path| process::pipeline_of(path, &pipelines) == index).cloned().collect());
                }
                pipelines[index].order()
            }
            None => history.learned_order.clone(),
        };
        let categories =
            db.forecast_categories().await?.into_iter().filter_map(|(deal, c)| Some((deal, ForecastCategory::from_id(&c)?))).collect();
        Ok(Deals { paths, history, order, pipelines, current, categories })
    }

    /// Whether these are all the deals (one pipeline of several is a subset).
    fn is_whole_history(&self) -> bool {
        Arc::ptr_eq(&self.paths, &self.history.paths)
    }

    /// How long deals of each stage took to close, of every closed deal: kept with the history.
    fn all_close_times(&self) -> std::borrow::Cow<'_, pipeline::CloseTimes> {
        if self.is_whole_history() {
            std::borrow::Cow::Borrowed(self.history.close_times())
        } else {
            std::borrow::Cow::Owned(pipeline::CloseTimes::of_deals_closed_by(&self.paths, LocalDateTime(i64::MAX)))
        }
    }

    /// The deals as flat columns: kept with the history.
    fn columns(&self) -> std::borrow::Cow<'_, pipeline::DealColumns> {
        if self.is_whole_history() {
            std::borrow::Cow::Borrowed(self.history.columns())
        } else {
            std::borrow::Cow::Owned(pipeline::DealColumns::of(&self.paths))
        }
    }

    /// Those of the deals closed by `as_of`: for an earlier day than the last close, filtered
    /// from the history's rather than sorted again.
    fn close_times(&self, as_of: LocalDateTime) -> std::borrow::Cow<'_, pipeline::CloseTimes> {
        if !self.is_whole_history() {
            std::borrow::Cow::Owned(pipeline::CloseTimes::of_deals_closed_by(&self.paths, as_of))
        } else if self.history.latest_close.is_none_or(|last| last <= as_of) {
            std::borrow::Cow::Borrowed(self.history.close_times())
        } else {
            std::borrow::Cow::Owned(self.history.close_times().as_of(as_of))
        }
    }

    /// The pipeline these deals are, when one is configured.
    pub fn pipeline(&self) -> Option<&PipelineDef> {
        self.pipelines.get(self.current?)
    }

    /// The configured pipelines, to choose between.
    pub fn pipelines(&self) -> &[PipelineDef] {
        &self.pipelines
    }

    /// The stages in the order the analyses use.
    pub fn order(&self) -> &[String] {
        &self.order
    }

    /// A stage's name as the configured pipeline gives it in `lang`; the key otherwise.
    pub fn stage_name<'a>(&'a self, stage: &'a str, lang: Lang) -> &'a str {
        self.pipeline().and_then(|p| p.stages.iter().find(|s| s.key == stage)).map_or(stage, |s| s.name(lang))
    }

    /// A rep's deals open at the end of `day`, with their current stage and category.
    pub fn open_deals_of(&self, rep_id: &str, day: Day) -> Vec<OpenDeal> {
        let t = end_of(day);
        self.paths
            .iter()
            .filter(|p| p.rep_id == rep_id && p.open_at(t))
            .map(|p| OpenDeal {
                deal_id: p.deal_id.clone(),
                stage: p.stage_at(t).map(|(s, _)| s.to_string()),
                amount: p.amount as f64 / 100.0,
                created: p.created_at.day().to_string(),
                category: self.categories.get(&p.deal_id).copied().unwrap_or(ForecastCategory::Pipeline).id().to_string(),
            })
            .collect()
    }

    /// The rep a deal belongs to.
    pub fn rep_of(&self, deal_id: &str) -> Option<&str> {
        self.paths.iter().find(|p| p.deal_id == deal_id).map(|p| p.rep_id.as_str())
    }
}

/// The id the learned order is saved under when a manager confirms it.
pub const DEFAULT_PIPELINE: &str = "default";

/// The sales process as configured, or as learned while nothing is: each pipeline with, per
/// stage, the number of its deals that entered it — the evidence a manager confirms an order by.
pub struct ProcessOverview {
    pub configured: bool,
    pub pipelines: Vec<(PipelineDef, Vec<usize>)>,
}

/// The learned order as the pipeline a manager confirms: refused while pipelines are configured
/// and while there is no stage history to learn from.
pub async fn learned_pipeline(db: &Db) -> Result<PipelineDef> {
    let overview = process_overview(db).await?;
    if overview.configured {
        return Err(crate::EngineError::invalid("process.error.already_configured", &[]));
    }
    let learned = overview.pipelines.into_iter().map(|(p, _)| p).find(|p| !p.stages.is_empty());
    learned.ok_or_else(|| crate::EngineError::invalid("process.error.nothing_learned", &[]))
}

pub async fn process_overview(db: &Db) -> Result<ProcessOverview> {
    let history = db.deal_history().await?;
    let paths = &history.paths;
    let configured = db.pipelines().await?;
    let (is_configured, pipelines) = if configured.is_empty() {
        let name = |lang: Lang| lang.tr("process.default_name").to_string();
        let learned = PipelineDef::from_learned(DEFAULT_PIPELINE, &name(Lang::En), &name(Lang::ZhCn), &history.learned_order);
        (false, vec![learned])
    } else {
        (true, configured)
    };
    let mut counts: Vec<Vec<usize>> = pipelines.iter().map(|p| vec![0; p.stages.len()]).collect();
    for path in paths.iter() {
        let index = process::pipeline_of(path, &pipelines);
        for (count, stage) in counts[index].iter_mut().zip(&pipelines[index].stages) {
            if path.stages.iter().any(|(s, _)| **s == *stage.key) {
                *count += 1;
            }
        }
    }
    Ok(ProcessOverview { configured: is_configured, pipelines: pipelines.into_iter().zip(counts).collect() })
}

fn round(v: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (v * scale).round() / scale
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelRow {
    pub stage: String,
    pub entered: usize,
    pub advanced: usize,
    /// advanced / entered, in %.
    pub conversion: Option<f64>,
    pub median_days: Option<f64>,
    pub p75_days: Option<f64>,
}

/// The funnel of the deals of a scope that entered each stage in the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Funnel {
    pub scope: String,
    pub period: String,
    /// The stages in the order learned from the stage history.
    pub stages: Vec<FunnelRow>,
}

pub fn funnel(deals: &Deals, ctx: &Context, scope: &Scope, period: &Period) -> Result<Funnel> {
    ctx.check_scope(scope)?;
    let counts = |path: &DealPath, at: LocalDateTime| period.contains(at.day()) && ctx.rep_in_scope_on(scope, &path.rep_id, at.day());
    // Only deals alive during the period can enter a stage in it (stage changes lie between a
    // deal's creation and its close): the rest are passed over without reading their stages.
    let (start, end) = (period.start.start(), end_of(period.end));
    let alive = deals.paths.iter().filter(|p| p.created_at <= end && p.closed.is_none_or(|(closed, _)| closed >= start));
    let stages = pipeline::funnel(alive, &deals.order, counts)
        .into_iter()
        .map(|s| FunnelRow {
            stage: s.stage,
            entered: s.entered,
            advanced: s.advanced,
            conversion: s.conversion.map(|v| round(v, 2)),
            median_days: s.median_days.map(|v| round(v, 2)),
            p75_days: s.p75_days.map(|v| round(v, 2)),
        })
        .collect();
    Ok(Funnel { scope: scope.label(), period: period.label(), stages })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeightedRow {
    pub stage: String,
    /// Of the deals closed by the day that reached the stage, the share won (0–1).
    pub win_probability: Option<f64>,
    pub open_deals: usize,
    /// Yuan.
    pub amount: f64,
    pub weighted_amount: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeightedPipeline {
    pub scope: String,
    pub as_of: String,
    pub stages: Vec<WeightedRow>,
    pub total_amount: f64,
    pub total_weighted: f64,
}

pub fn weighted(deals: &Deals, ctx: &Context, scope: &Scope, as_of: Day) -> Result<WeightedPipeline> {
    ctx.check_scope(scope)?;
    let columns = deals.columns();
    let in_scope = reps_in_scope_on(&columns, ctx, scope, as_of);
    let rows = pipeline::weighted_pipeline(&columns, &deals.order, end_of(as_of), |rep| in_scope[rep as usize]);
    let stages: Vec<WeightedRow> = rows
        .into_iter()
        .map(|r| WeightedRow {
            stage: r.stage,
            win_probability: r.win_probability.map(|p| round(p, 4)),
            open_deals: r.open_deals,
            amount: r.amount as f64 / 100.0,
            weighted_amount: round(r.weighted / 100.0, 2),
        })
        .collect();
    Ok(WeightedPipeline {
        scope: scope.label(),
        as_of: as_of.to_string(),
        total_amount: stages.iter().map(|s| s.amount).sum(),
        total_weighted: round(stages.iter().map(|s| s.weighted_amount).sum(), 2),
        stages,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StuckRow {
    pub deal_id: String,
    pub rep_id: String,
    pub rep_name: String,
    pub stage: String,
    pub days_in_stage: f64,
    /// The stage's p75 of completed stays.
    pub p75_days: f64,
    /// Yuan.
    pub amount: f64,
}

pub fn stuck(deals: &Deals, ctx: &Context, scope: &Scope, as_of: Day) -> Result<Vec<StuckRow>> {
    ctx.check_scope(scope)?;
    let columns = deals.columns();
    let in_scope = reps_in_scope_on(&columns, ctx, scope, as_of);
    Ok(pipeline::stuck(&deals.paths, &columns, end_of(as_of), |rep| in_scope[rep as usize])
        .into_iter()
        .map(|s| StuckRow {
            deal_id: s.path.deal_id.clone(),
            rep_id: s.path.rep_id.clone(),
            rep_name: ctx.rep(&s.path.rep_id).map(|r| r.name.clone()).unwrap_or_default(),
            stage: s.stage,
            days_in_stage: round(s.days_in_stage, 1),
            p75_days: round(s.p75_days, 1),
            amount: s.path.amount as f64 / 100.0,
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepVolatility {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    /// Revenue (yuan) of each month of the period, months without a win as zero; none for the
    /// months the rep was not employed for the whole of (before the hire date, and the month of
    /// a hire after its 1st) and for the month in progress.
    pub monthly: Vec<Option<f64>>,
    pub total: f64,
    /// The complete months the rep was employed, which `cv` is over.
    pub months_employed: usize,
    /// Population standard deviation / mean of the monthly revenue of the complete months
    /// employed; none without revenue or with fewer than three such months.
    pub cv: Option<f64>,
}

/// A swing needs a quarter of complete months to be told from a start.
const MIN_VOLATILITY_MONTHS: usize = 3;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Volatility {
    pub scope: String,
    pub period: String,
    /// The months, `YYYY-MM`.
    pub months: Vec<String>,
    /// Most volatile first.
    pub reps: Vec<RepVolatility>,
}

/// The twelve whole months up to the one holding `today`: volatility's default period.
pub fn last_twelve_months(today: Day) -> Period {
    let this = Period::month_of(today);
    let first = (0..11).fold(this, |month, _| month.previous());
    Period::range(first.start, this.end).unwrap_or(this)
}

/// Each seller's monthly revenue (won deals by the month of `closed_at`) over the period's whole
/// months and its coefficient of variation over the complete months they were employed, most
/// volatile first (过山车效应): the empty months before a hire are not swings, nor is the month in
/// progress on `today` (a month is complete once its last day is before `today`).
pub fn volatility(deals: &Deals, ctx: &Context, scope: &Scope, period: &Period, today: Day) -> Result<Volatility> {
    ctx.check_scope(scope)?;
    let months = period.covering(PeriodKind::Month);
    // Won cents per (rep, month of the period).
    let mut won: std::collections::HashMap<(String, usize), i64> = std::collections::HashMap::new();
    for deal in deals.paths.iter() {
        if let Some((at, Ending::Won)) = deal.closed
            && period.contains(at.day())
            && let Some(m) = months.iter().position(|month| month.contains(at.day()))
        {
            *won.entry((deal.rep_id.clone(), m)).or_default() += deal.amount;
        }
    }
    let mut reps: Vec<RepVolatility> = ctx
        .sellers_in(scope, period)
        .into_iter()
        .map(|rep| {
            let monthly: Vec<Option<f64>> = months
                .iter()
                .enumerate()
                .map(|(m, month)| {
                    let employed = rep.hire_date.is_none_or(|hired| hired <= month.start) && month.end < today;
                    employed.then(|| won.get(&(rep.rep_id.clone(), m)).copied().unwrap_or(0) as f64 / 100.0)
                })
                .collect();
            let employed: Vec<f64> = monthly.iter().flatten().copied().collect();
            let total_cents: i64 = (0..months.len()).map(|m| won.get(&(rep.rep_id.clone(), m)).copied().unwrap_or(0)).sum();
            RepVolatility {
                rep_id: rep.rep_id.clone(),
                name: rep.name.clone(),
                team: rep.team.clone(),
                total: total_cents as f64 / 100.0,
                months_employed: employed.len(),
                cv: (employed.len() >= MIN_VOLATILITY_MONTHS)
                    .then(|| pipeline::coefficient_of_variation(&employed))
                    .flatten()
                    .map(|v| round(v, 4)),
                monthly,
            }
        })
        .collect();
    reps.sort_by(|a, b| b.cv.unwrap_or(-1.0).total_cmp(&a.cv.unwrap_or(-1.0)).then(a.rep_id.cmp(&b.rep_id)));
    Ok(Volatility { scope: scope.label(), period: period.label(), months: months.iter().map(|m| m.label()).collect(), reps })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FactorRow {
    /// `source:<value>` or `segment:<value>`.
    pub factor: String,
    /// Closed deals with the factor.
    pub n: usize,
    /// Win rate with and without the factor, in %.
    pub win_rate: f64,
    pub win_rate_without: f64,
    /// The difference in percentage points, with its 95% interval.
    pub effect: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// False when the interval crosses zero: the data do not show the association.
    pub shown: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WinLoss {
    pub scope: String,
    pub period: String,
    pub closed: usize,
    pub won: usize,
    /// Strongest positive effect first.
    pub factors: Vec<FactorRow>,
}

/// What goes with winning among the deals of a scope closed in the period: each source and
/// segment's effect on the win rate, and the activity and conversation measures of the deals. An
/// association, not a cause: referrals may win more because referred customers already want to
/// buy, and reps may ask more questions on calls that are going well.
pub async fn winloss(db: &Db, deals: &Deals, ctx: &Context, scope: &Scope, period: &Period) -> Result<WinLoss> {
    ctx.check_scope(scope)?;
    let closed: Vec<&DealPath> = deals
        .paths
        .iter()
        .filter(|d| d.closed.is_some_and(|(at, _)| period.contains(at.day()) && ctx.rep_in_scope_on(scope, &d.rep_id, at.day())))
        .collect();
    let won = closed.iter().filter(|d| matches!(d.closed, Some((_, Ending::Won)))).count();
    let measures = db.deal_measures(period.start.start(), end_of(period.end)).await?;
    let factors = pipeline::win_loss_factors(&closed, &measures)
        .into_iter()
        .map(|f| FactorRow {
            shown: f.shown(),
            factor: f.factor,
            n: f.n,
            win_rate: round(f.win_rate, 2),
            win_rate_without: round(f.win_rate_without, 2),
            effect: round(f.effect, 2),
            ci_low: round(f.ci_low, 2),
            ci_high: round(f.ci_high, 2),
        })
        .collect();
    Ok(WinLoss { scope: scope.label(), period: period.label(), closed: closed.len(), won, factors })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenDeal {
    pub deal_id: String,
    pub stage: Option<String>,
    /// Yuan.
    pub amount: f64,
    pub created: String,
    /// pipeline, best_case or commit.
    pub category: String,
}

/// The reps' forecast categories rolled up (yuan): each figure includes the ones before it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Categories {
    pub closed: f64,
    pub commit: f64,
    pub best_case: f64,
    pub pipeline: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ForecastReport {
    pub scope: String,
    pub period: String,
    pub as_of: String,
    /// Yuan won in the period up to the day.
    pub won: f64,
    /// Yuan expected from the deals open on the day.
    pub pipeline: f64,
    /// Yuan expected from deals not yet created.
    pub run_rate: f64,
    /// The model's forecast: won + pipeline + run-rate.
    pub model_forecast: f64,
    /// The forecast: the model's, corrected for its bias over the past quarters when calibrated.
    pub forecast: f64,
    /// The 80% interval: from the model's errors over the past quarters when calibrated, else
    /// from the simulation of the open deals and the run-rate.
    pub low: f64,
    pub high: f64,
    pub open_deals: usize,
    /// What the correction and interval were learned from; none for a month or range, or with
    /// fewer than three past quarters to learn from.
    pub calibration: Option<CalibrationReport>,
    /// A naive baseline that forecast the past quarters better than the model, and what it says
    /// of this period.
    pub better_baseline: Option<BetterBaseline>,
    /// The reps' own call beside the statistical forecast.
    pub categories: Categories,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CalibrationReport {
    /// Past quarters whose errors the correction and interval come from.
    pub periods: usize,
    /// How much the model ran high (positive) or low over them, in %: the geometric mean of
    /// forecast / actual, − 1.
    pub model_bias: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BetterBaseline {
    /// `last_period` or `same_last_year`.
    pub method: String,
    /// What the baseline forecasts for the period (yuan): the revenue of the period before, or
    /// of the same period a year before; none when the data do not reach back.
    pub value: Option<f64>,
    /// MAPE of the baseline and of the forecast over the same past quarters, in %.
    pub baseline_mape: f64,
    pub forecast_mape: f64,
    pub periods: usize,
}

/// Earlier periods compared for the run-rate.
const RUN_RATE_PERIODS: usize = 4;

impl Deals {
    /// The customer segments the deals name, each once.
    pub fn segments(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&str> = self.paths.iter().filter_map(|p| p.segment.as_deref()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    fn first_created(&self) -> Option<Day> {
        if self.is_whole_history() {
            return self.history.first_created.map(|t| t.day());
        }
        self.paths.iter().map(|p| p.created_at.day()).min()
    }
}

/// Whether each rep of the columns belonged to the scope on a day.
fn reps_in_scope_on(columns: &pipeline::DealColumns, ctx: &Context, scope: &Scope, day: Day) -> Vec<bool> {
    let test = ctx.scope_test(scope);
    columns.reps().iter().map(|rep| test.rep(rep).on(day)).collect()
}

/// `in_scope`: whether each rep of `columns` was in the scope on `as_of`.
fn forecast_parts(deals: &Deals, columns: &pipeline::DealColumns, in_scope: &[bool], period: &Period, as_of: Day) -> pipeline::Forecast {
    let counts = |rep: u32| in_scope[rep as usize];
    let offset = as_of.0 - period.start.0;
    let first = deals.first_created().unwrap_or(period.start);
    // What the same stretch of earlier periods brought from deals created after their own day.
    let mut windows = Vec::new();
    let mut past = *period;
    for _ in 0..RUN_RATE_PERIODS {
        past = past.previous();
        if past.start < first {
            break;
        }
        windows.push((end_of(Day(past.start.0 + offset).min(past.end)), end_of(past.end)));
    }
    let earlier: Vec<f64> = pipeline::created_and_won(columns, &windows, counts).into_iter().map(|cents| cents as f64).collect();
    let close_times = deals.close_times(end_of(as_of));
    pipeline::forecast(columns, &deals.order, period.start.start(), end_of(period.end), end_of(as_of), &earlier, &close_times, counts)
}

/// The revenue a scope will close in a period, forecast as of a day from the stage history; a
/// quarter's is calibrated on the backtest of the quarters that ended before it (and by the day).
pub fn forecast(deals: &Deals, ctx: &Context, scope: &Scope, period: &Period, as_of: Day) -> Result<ForecastReport> {
    forecast_with_backtest(deals, ctx, scope, period, as_of).map(|(report, _)| report)
}

/// The forecast and the backtest it was calibrated on — every quarter that ended before the
/// period started and by `as_of` — from one replay of the history. For a month or a range the
/// backtest (of quarters) is returned but not used: its errors are of quarter-long forecasts.
pub fn forecast_with_backtest(
    deals: &Deals,
    ctx: &Context,
    scope: &Scope,
    period: &Period,
    as_of: Day,
) -> Result<(ForecastReport, Backtest)> {
    ctx.check_scope(scope)?;
    let columns = deals.columns();
    let in_scope = reps_in_scope_on(&columns, ctx, scope, as_of);
    let f = forecast_parts(deals, &columns, &in_scope, period, as_of);
    let yuan = |cents: f64| round(cents / 100.0, 2);
    let rollup = pipeline::category_rollup(
        &columns,
        |deal| deals.categories.get(&deals.paths[deal].deal_id).copied(),
        period.start.start(),
        end_of(as_of),
        |rep| in_scope[rep as usize],
    );
    let replay = summarise(scope, replay_quarters(deals, ctx, scope, as_of.min(period.start.plus_days(-1))));
    let is_quarter = *period == Period::quarter_of(period.start);
    let calibration = is_quarter.then(|| calibration_of(&replay.rows)).flatten();
    let (forecast, low, high) = match &calibration {
        Some(c) => c.apply(f.won, f.forecast),
        None => (f.forecast, f.low, f.high),
    };
    let better_baseline = is_quarter.then(|| better_baseline(&replay.comparisons)).flatten().map(|better| {
        let baseline_period = if better.method == "last_period" { period.previous() } else { period.same_last_year() };
        let reaches_back = deals.first_created().is_some_and(|first| baseline_period.start >= first) && baseline_period.end <= as_of;
        BetterBaseline {
            method: better.method.clone(),
            value: reaches_back.then(|| yuan(won_in(&columns, ctx, scope, &baseline_period) as f64)),
            baseline_mape: better.baseline_mape,
            forecast_mape: better.forecast_mape,
            periods: better.periods,
        }
    });
    let report = ForecastReport {
        scope: scope.label(),
        period: period.label(),
        as_of: as_of.to_string(),
        won: yuan(f.won),
        pipeline: yuan(f.pipeline),
        run_rate: yuan(f.run_rate),
        model_forecast: yuan(f.forecast),
        forecast: yuan(forecast),
        low: yuan(low),
        high: yuan(high),
        open_deals: f.open_deals,
        calibration: calibration.map(|c| CalibrationReport { periods: c.periods, model_bias: round(((-c.bias).exp() - 1.0) * 100.0, 1) }),
        better_baseline,
        categories: Categories {
            closed: yuan(rollup.closed as f64),
            commit: yuan(rollup.commit as f64),
            best_case: yuan(rollup.best_case as f64),
            pipeline: yuan(rollup.pipeline as f64),
        },
    };
    Ok((report, replay))
}

/// Cents won in a period by the reps of a scope, each deal in the scope of the day it was won.
fn won_in(columns: &pipeline::DealColumns, ctx: &Context, scope: &Scope, period: &Period) -> i64 {
    let test = ctx.scope_test(scope);
    let reps: Vec<crate::context::RepInScope> = columns.reps().iter().map(|rep| test.rep(rep)).collect();
    columns.won_deals().filter(|d| period.contains(d.won.day()) && reps[d.rep as usize].on(d.won.day())).map(|d| d.amount).sum()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BacktestRow {
    pub period: String,
    /// The eve of the period, as of which it was forecast.
    pub as_of: String,
    /// Yuan.
    pub actual: f64,
    /// The model's forecast on the eve, before any correction.
    pub model: f64,
    /// What `forecast` gives on the eve: the model's corrected and bounded by the errors of the
    /// quarters before when there are at least three, else the model's with the simulated interval.
    pub forecast: f64,
    pub low: f64,
    pub high: f64,
    /// Earlier quarters whose errors calibrated this one (0: the simulated interval).
    pub calibrated_on: usize,
    /// Earlier quarters the run-rate was learned from. A quarter without any does not calibrate
    /// later ones: its model misses every deal not yet created, which no later forecast does.
    pub run_rate_periods: usize,
    /// The naive baselines: the period before, the same period a year before (when the data
    /// reach back), and the weighted pipeline on the eve.
    pub last_period: Option<f64>,
    pub same_last_year: Option<f64>,
    pub weighted: f64,
}

/// Mean absolute percentage error of each method over the periods it could forecast.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Mape {
    pub forecast: Option<f64>,
    pub last_period: Option<f64>,
    pub same_last_year: Option<f64>,
    pub weighted: Option<f64>,
}

/// The forecast against one naive baseline over the quarters both forecast (with an actual above
/// zero), so that neither is judged on quarters the other could not try.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BaselineComparison {
    /// `last_period`, `same_last_year` or `weighted`.
    pub method: String,
    pub periods: usize,
    /// MAPE in %.
    pub baseline_mape: f64,
    pub forecast_mape: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Backtest {
    pub scope: String,
    pub rows: Vec<BacktestRow>,
    pub mape: Mape,
    /// Share of periods whose actual fell in the 80% interval, in %.
    pub coverage: Option<f64>,
    /// The same over the periods whose interval was calibrated, and how many they are.
    pub calibrated_coverage: Option<f64>,
    pub calibrated_periods: usize,
    /// How much the model ran high (positive) or low over the periods with a run-rate, in %: the
    /// geometric mean of model / actual, − 1.
    pub model_bias: Option<f64>,
    pub comparisons: Vec<BaselineComparison>,
    /// The naive baseline that beat the forecast over at least three shared quarters (the one
    /// with the lowest error), if any: `last_period` or `same_last_year`.
    pub better_baseline: Option<String>,
}

fn mape(pairs: impl Iterator<Item = (Option<f64>, f64)>) -> Option<f64> {
    let errors: Vec<f64> =
        pairs.filter_map(|(p, actual)| p.filter(|_| actual > 0.0).map(|p| (p - actual).abs() / actual * 100.0)).collect();
    salescope_core::stats::mean(&errors).map(|m| round(m, 1))
}

/// The calibration the rows give the next quarter: the model's errors on the quarters that had a
/// run-rate to learn from.
fn calibration_of(rows: &[BacktestRow]) -> Option<pipeline::Calibration> {
    let past: Vec<(f64, f64)> = rows.iter().filter(|r| r.run_rate_periods > 0).map(|r| (r.model, r.actual)).collect();
    pipeline::Calibration::of(&past)
}

/// The baselines that may stand beside the forecast: forecasts of the period's revenue. The
/// weighted pipeline is not one — it leaves out every deal not yet open.
const REVENUE_BASELINES: [&str; 2] = ["last_period", "same_last_year"];

fn better_baseline(comparisons: &[BaselineComparison]) -> Option<&BaselineComparison> {
    comparisons
        .iter()
        .filter(|c| REVENUE_BASELINES.contains(&c.method.as_str()))
        .filter(|c| c.periods >= pipeline::MIN_CALIBRATION_PERIODS && c.baseline_mape < c.forecast_mape)
        .min_by(|a, b| a.baseline_mape.total_cmp(&b.baseline_mape))
}

/// Every quarter that has ended since the data began, forecast as of its eve and compared with
/// what happened and with the naive baselines. Each quarter's forecast is what `forecast` gives as
/// of its eve; they are made in one replay of the history.
pub fn backtest(deals: &Deals, ctx: &Context, scope: &Scope, today: Day) -> Result<Backtest> {
    ctx.check_scope(scope)?;
    Ok(summarise(scope, replay_quarters(deals, ctx, scope, today.plus_days(-1))))
}

/// What a naive baseline forecast for a backtest row, if it could.
type BaselineOf = fn(&BacktestRow) -> Option<f64>;

fn summarise(scope: &Scope, rows: Vec<BacktestRow>) -> Backtest {
    let share_inside = |rows: &[&BacktestRow]| {
        let inside = rows.iter().filter(|r| r.actual >= r.low && r.actual <= r.high).count();
        (!rows.is_empty()).then(|| round(inside as f64 / rows.len() as f64 * 100.0, 1))
    };
    let all: Vec<&BacktestRow> = rows.iter().collect();
    let calibrated: Vec<&BacktestRow> = rows.iter().filter(|r| r.calibrated_on > 0).collect();
    let errors: Vec<f64> =
        rows.iter().filter(|r| r.run_rate_periods > 0 && r.model > 0.0 && r.actual > 0.0).map(|r| (r.model / r.actual).ln()).collect();
    let baselines: [(&str, BaselineOf); 3] =
        [("last_period", |r| r.last_period), ("same_last_year", |r| r.same_last_year), ("weighted", |r| Some(r.weighted))];
    let comparisons: Vec<BaselineComparison> = baselines
        .into_iter()
        .filter_map(|(method, baseline)| {
            let shared: Vec<(f64, f64, f64)> =
                rows.iter().filter(|r| r.actual > 0.0).filter_map(|r| baseline(r).map(|b| (b, r.forecast, r.actual))).collect();
            Some(BaselineComparison {
                method: method.to_string(),
                periods: shared.len(),
                baseline_mape: mape(shared.iter().map(|(b, _, a)| (Some(*b), *a)))?,
                forecast_mape: mape(shared.iter().map(|(_, f, a)| (Some(*f), *a)))?,
            })
        })
        .collect();
    Backtest {
        scope: scope.label(),
        mape: Mape {
            forecast: mape(rows.iter().map(|r| (Some(r.forecast), r.actual))),
            last_period: mape(rows.iter().map(|r| (r.last_period, r.actual))),
            same_last_year: mape(rows.iter().map(|r| (r.same_last_year, r.actual))),
            weighted: mape(rows.iter().map(|r| (Some(r.weighted), r.actual))),
        },
        coverage: share_inside(&all),
        calibrated_coverage: share_inside(&calibrated),
        calibrated_periods: calibrated.len(),
        model_bias: salescope_core::stats::mean(&errors).map(|e| round((e.exp() - 1.0) * 100.0, 1)),
        better_baseline: better_baseline(&comparisons).map(|c| c.method.clone()),
        comparisons,
        rows,
    }
}

/// The quarters since the data began that ended by `last_end`, all but the first forecast as of
/// its eve, each calibrated on the ones before it.
fn replay_quarters(deals: &Deals, ctx: &Context, scope: &Scope, last_end: Day) -> Vec<BacktestRow> {
    let Some(first) = deals.first_created() else { return Vec::new() };
    // Every quarter since the data began; all but the first are replayed.
    let mut quarters = vec![Period::quarter_of(first)];
    while let Some(next) = quarters.last().map(|q| Period::quarter_of(q.end.plus_days(1))).filter(|q| q.end <= last_end) {
        quarters.push(next);
    }
    let eves: Vec<Day> = quarters.iter().map(|q| q.start.plus_days(-1)).collect();
    let (starts, ends): (Vec<LocalDateTime>, Vec<LocalDateTime>) = quarters.iter().map(|q| (q.start.start(), end_of(q.end))).unzip();
    let scope_test = ctx.scope_test(scope);
    // The quarter (index) a moment falls in, if any.
    let quarter_holding = |t: LocalDateTime| {
        let k = starts.partition_point(|start| *start <= t);
        (k > 0 && t <= ends[k - 1]).then(|| k - 1)
    };
    // What each quarter won; and what each replayed quarter's run-rate reads: what each of the
    // quarters before it (at most RUN_RATE_PERIODS, none before the data began) brought from
    // deals created after its eve. A deal created after quarter p's eve and won by its end counts
    // for p, in the scope of the eve of every quarter whose run-rate reads p.
    let counted_from = usize::from(quarters[0].start < first);
    let mut won = vec![0i64; quarters.len()];
    let mut runs = vec![vec![0i64; RUN_RATE_PERIODS]; quarters.len()];
    let columns = deals.columns();
    let reps: Vec<crate::context::RepInScope> = columns.reps().iter().map(|rep| scope_test.rep(rep)).collect();
    for deal in columns.won_deals() {
        let rep = &reps[deal.rep as usize];
        if let Some(k) = quarter_holding(deal.won)
            && rep.on(deal.won.day())
        {
            won[k] += deal.amount;
        }
        let ended_by_win = ends.partition_point(|end| *end < deal.won);
        let started_by_creation = starts.partition_point(|start| *start <= deal.created);
        for p in ended_by_win.max(counted_from)..started_by_creation {
            for k in (p + 1..quarters.len()).take(RUN_RATE_PERIODS) {
                if rep.on(eves[k]) {
                    runs[k][k - p - 1] += deal.amount;
                }
            }
        }
    }
    let run_rate_periods = |k: usize| k.saturating_sub(counted_from).min(RUN_RATE_PERIODS);
    let periods: Vec<pipeline::EvePeriod> = (1..quarters.len())
        .map(|k| pipeline::EvePeriod {
            eve: end_of(eves[k]),
            end: end_of(quarters[k].end),
            earlier_runs: runs[k][..run_rate_periods(k)].iter().map(|cents| *cents as f64).collect(),
        })
        .collect();
    let close_times = deals.all_close_times();
    let replayed = pipeline::forecasts_on_eves(&columns, &deals.order, &periods, &close_times, |rep, i| reps[rep as usize].on(eves[i + 1]));
    let yuan = |cents: f64| round(cents / 100.0, 2);
    let earlier = |k: Option<usize>| k.filter(|k| quarters[*k].start >= first).map(|k| yuan(won[k] as f64));
    let mut rows: Vec<BacktestRow> = Vec::with_capacity(replayed.len());
    for (i, replay) in replayed.iter().enumerate() {
        let k = i + 1;
        let f = &replay.forecast;
        let calibration = calibration_of(&rows);
        let (forecast, low, high) = match &calibration {
            Some(c) => c.apply(f.won, f.forecast),
            None => (f.forecast, f.low, f.high),
        };
        rows.push(BacktestRow {
            period: quarters[k].label(),
            as_of: eves[k].to_string(),
            actual: yuan(won[k] as f64),
            model: yuan(f.forecast),
            forecast: yuan(forecast),
            low: yuan(low),
            high: yuan(high),
            calibrated_on: calibration.map_or(0, |c| c.periods),
            run_rate_periods: run_rate_periods(k),
            last_period: earlier(Some(k - 1)),
            same_last_year: earlier(k.checked_sub(4)),
            weighted: yuan(replay.weighted),
        });
    }
    rows
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadCandidate {
    pub rank: usize,
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub wins: u32,
    pub closed: u32,
    /// The rep's win rate in the segment shrunk toward the organisation's, in %: the best guess.
    pub win_rate: f64,
    /// The win rate the rep has at least, 90% sure, in %: what the candidates are ranked by, so
    /// that a short lucky record does not outrank a long one.
    pub win_rate_at_least: f64,
    pub open_deals: usize,
    /// The median of the rep's open deals at the last six month-ends.
    pub usual_load: f64,
    /// Fewer open deals than usual.
    pub has_capacity: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadAssignment {
    pub segment: String,
    pub source: Option<String>,
    pub as_of: String,
    /// The organisation's win rate in the segment, in %.
    pub pooled_win_rate: Option<f64>,
    pub candidates: Vec<LeadCandidate>,
}

/// Month-ends whose open deals make a rep's usual load.
const LOAD_MONTHS: i32 = 6;

/// Who should take a new lead of a segment (and source): sellers ranked by the win rate they have
/// at least (90% sure) in it over the last year, with the rate shrunk toward the organisation's as
/// the best guess, and their spare capacity.
pub fn lead_assignment(deals: &Deals, ctx: &Context, segment: &str, source: Option<&str>, as_of: Day, lang: Lang) -> LeadAssignment {
    let year_before = as_of.plus_days(-365);
    let sellers = ctx.sellers_in(&Scope::Org, &Period::day(as_of));
    let fits = |p: &DealPath| p.segment.as_deref() == Some(segment) && source.is_none_or(|s| p.source.as_deref() == Some(s));
    let month_ends: Vec<LocalDateTime> =
        (1..=LOAD_MONTHS).map(|i| end_of(Period::month_of((0..i).fold(Period::month_of(as_of), |m, _| m.previous()).start).end)).collect();
    // Per rep, in one pass over the deals: (wins, closed) in the segment over the year, and the
    // open deals now and at each month-end.
    let moments: Vec<LocalDateTime> = std::iter::once(end_of(as_of)).chain(month_ends.iter().copied()).collect();
    let columns = deals.columns();
    let mut tallies = vec![((0u32, 0u32), vec![0usize; moments.len()]); columns.reps().len()];
    for (deal, path) in deals.paths.iter().enumerate() {
        let ((wins, closed), open) = &mut tallies[columns.rep_of(deal) as usize];
        if let Some((at, ending)) = path.closed
            && at.day() > year_before
            && at.day() <= as_of
            && fits(path)
        {
            *wins += u32::from(ending == Ending::Won);
            *closed += 1;
        }
        for (count, t) in open.iter_mut().zip(&moments) {
            *count += usize::from(path.open_at(*t));
        }
    }
    let column_of: salescope_core::fxhash::FxHashMap<&str, usize> =
        columns.reps().iter().enumerate().map(|(i, rep)| (rep.as_str(), i)).collect();
    let tally_of = |rep_id: &str| column_of.get(rep_id).map(|i| &tallies[*i]);
    let counts: Vec<(u32, u32)> = sellers.iter().map(|rep| tally_of(&rep.rep_id).map_or((0, 0), |(counts, _)| *counts)).collect();
    let shrunk = pipeline::shrunk_win_rates(&counts);
    let mut candidates: Vec<LeadCandidate> = sellers
        .iter()
        .zip(&counts)
        .enumerate()
        .map(|(i, (rep, (wins, closed)))| {
            let open: &[usize] = tally_of(&rep.rep_id).map_or(&[], |(_, open)| open.as_slice());
            let open_deals = open.first().copied().unwrap_or(0);
            let loads: Vec<f64> = (1..moments.len()).map(|k| open.get(k).copied().unwrap_or(0) as f64).collect();
            let usual_load = salescope_core::stats::median(&loads).unwrap_or(0.0);
            let win_rate = shrunk.as_ref().map_or(0.0, |s| round(s.rates[i] * 100.0, 1));
            let win_rate_at_least = shrunk.as_ref().map_or(0.0, |s| round(s.lower_bound(*wins, *closed) * 100.0, 1));
            let raw = if *closed > 0 { format!("{:.0}", *wins as f64 / *closed as f64 * 100.0) } else { "—".to_string() };
            let reason = lang.format(
                "leads.reason",
                &[
                    ("wins", wins),
                    ("closed", closed),
                    ("segment", &segment),
                    ("raw", &raw),
                    ("rate", &win_rate),
                    ("at_least", &win_rate_at_least),
                    ("pooled", &shrunk.as_ref().map_or(0.0, |s| round(s.pooled * 100.0, 1))),
                    ("open", &open_deals),
                    ("usual", &usual_load),
                ],
            );
            LeadCandidate {
                rank: 0,
                rep_id: rep.rep_id.clone(),
                name: rep.name.clone(),
                team: rep.team.clone(),
                wins: *wins,
                closed: *closed,
                win_rate,
                win_rate_at_least,
                open_deals,
                usual_load,
                has_capacity: (open_deals as f64) < usual_load || usual_load == 0.0,
                reason,
            }
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.win_rate_at_least.total_cmp(&a.win_rate_at_least).then(b.win_rate.total_cmp(&a.win_rate)).then(a.rep_id.cmp(&b.rep_id))
    });
    for (i, c) in candidates.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    LeadAssignment {
        segment: segment.to_string(),
        source: source.map(str::to_string),
        as_of: as_of.to_string(),
        pooled_win_rate: shrunk.map(|s| round(s.pooled * 100.0, 1)),
        candidates,
    }
}

pub fn lead_assignment_sheet(a: &LeadAssignment, lang: Lang) -> Sheet {
    use CellKind::{Count, Number, Percent, Text};
    let rows = a
        .candidates
        .iter()
        .map(|c| {
            vec![
                Cell::Number(c.rank as f64),
                Cell::text(c.name.clone()),
                Cell::text(c.rep_id.clone()),
                Cell::text(c.team.clone()),
                Cell::Number(c.win_rate_at_least),
                Cell::Number(c.win_rate),
                Cell::Number(c.open_deals as f64),
                Cell::Number(c.usual_load),
                Cell::text(lang.tr(if c.has_capacity { "leads.capacity" } else { "leads.no_capacity" })),
                Cell::text(c.reason.clone()),
            ]
        })
        .collect();
    let title = lang.format("sheet.leads.title", &[("segment", &a.segment), ("day", &a.as_of)]);
    let columns = [
        ("rank", Count),
        ("name", Text),
        ("rep_id", Text),
        ("team", Text),
        ("win_rate_at_least", Percent),
        ("win_rate", Percent),
        ("open_deals", Count),
        ("usual_load", Number),
        ("capacity", Text),
        ("reason", Text),
    ];
    sheet("leads", title, "org", &a.as_of, &columns, rows, lang)
}

/// Cells with fewer calls than this share of the busiest cell's are not named as the best: a
/// 100% rate on three calls is luck.
const BEST_CELL_MIN_SHARE: f64 = 0.2;

/// The best time to call: every weekday × hour cell, and the best three named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallHeatmap {
    pub scope: String,
    pub period: String,
    pub cells: Vec<HeatCell>,
    pub best: Vec<HeatCell>,
}

pub async fn heatmap(db: &Db, ctx: &Context, scope: &Scope, period: &Period) -> Result<CallHeatmap> {
    let cells = call_heatmap(db, ctx, scope, period).await?;
    let busiest = cells.iter().map(|c| c.calls).max().unwrap_or(0) as f64;
    let mut best: Vec<HeatCell> =
        cells.iter().filter(|c| c.calls > 0 && c.calls as f64 >= BEST_CELL_MIN_SHARE * busiest).copied().collect();
    best.sort_by(|a, b| b.connect_rate.unwrap_or(0.0).total_cmp(&a.connect_rate.unwrap_or(0.0)).then(b.calls.cmp(&a.calls)));
    best.truncate(3);
    Ok(CallHeatmap { scope: scope.label(), period: period.label(), cells, best })
}

// ---------------------------------------------------------------------------------------------
// Sheets.

fn sheet(
    id: &'static str,
    title: String,
    scope: &str,
    period: &str,
    columns: &[(&'static str, CellKind)],
    rows: Vec<Vec<Cell>>,
    lang: Lang,
) -> Sheet {
    Sheet {
        id,
        title,
        scope: scope.to_string(),
        period: period.to_string(),
        columns: columns
            .iter()
            .map(|(c, kind)| SheetColumn { id: c, heading: lang.tr(&format!("sheet.{id}.{c}")).to_string(), kind: *kind, editable: false })
            .collect(),
        rows: rows.into_iter().map(|cells| SheetRow { scope: scope.to_string(), period: period.to_string(), cells }).collect(),
    }
}

pub fn funnel_sheet(funnel: &Funnel, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    use CellKind::{Count, Number, Percent, Text};
    let rows = funnel
        .stages
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.stage.clone()),
                Cell::Number(s.entered as f64),
                Cell::Number(s.advanced as f64),
                Cell::number(s.conversion),
                Cell::number(s.median_days),
                Cell::number(s.p75_days),
            ]
        })
        .collect();
    let title = lang.format("sheet.funnel.title", &[("scope", &scope_name(ctx, scope, lang)), ("period", &funnel.period)]);
    let columns =
        [("stage", Text), ("entered", Count), ("advanced", Count), ("conversion", Percent), ("median_days", Number), ("p75_days", Number)];
    sheet("funnel", title, &funnel.scope, &funnel.period, &columns, rows, lang)
}

pub fn weighted_sheet(pipeline: &WeightedPipeline, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    use CellKind::{Count, Money, Percent, Text};
    let mut rows: Vec<Vec<Cell>> = pipeline
        .stages
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.stage.clone()),
                Cell::number(s.win_probability.map(|p| round(p * 100.0, 2))),
                Cell::Number(s.open_deals as f64),
                Cell::Number(s.amount),
                Cell::Number(s.weighted_amount),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::text(lang.tr("sheet.weighted.total")),
        Cell::Empty,
        Cell::Number(pipeline.stages.iter().map(|s| s.open_deals).sum::<usize>() as f64),
        Cell::Number(pipeline.total_amount),
        Cell::Number(pipeline.total_weighted),
    ]);
    let title = lang.format("sheet.weighted.title", &[("scope", &scope_name(ctx, scope, lang)), ("day", &pipeline.as_of)]);
    let columns = [("stage", Text), ("win_probability", Percent), ("open_deals", Count), ("amount", Money), ("weighted_amount", Money)];
    sheet("weighted", title, &pipeline.scope, &pipeline.as_of, &columns, rows, lang)
}

pub fn stuck_sheet(stuck: &[StuckRow], ctx: &Context, scope: &Scope, as_of: Day, lang: Lang) -> Sheet {
    use CellKind::{Money, Number, Text};
    let rows = stuck
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.deal_id.clone()),
                Cell::text(s.rep_name.clone()),
                Cell::text(s.rep_id.clone()),
                Cell::text(s.stage.clone()),
                Cell::Number(s.days_in_stage),
                Cell::Number(s.p75_days),
                Cell::Number(s.amount),
            ]
        })
        .collect();
    let title = lang.format("sheet.stuck.title", &[("scope", &scope_name(ctx, scope, lang)), ("day", &as_of)]);
    let columns = [
        ("deal_id", Text),
        ("rep", Text),
        ("rep_id", Text),
        ("stage", Text),
        ("days_in_stage", Number),
        ("p75_days", Number),
        ("amount", Money),
    ];
    sheet("stuck", title, &scope.label(), &as_of.to_string(), &columns, rows, lang)
}

pub fn volatility_sheet(volatility: &Volatility, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    let mut columns = vec![
        SheetColumn { id: "rep_id", heading: lang.tr("sheet.volatility.rep_id").to_string(), kind: CellKind::Text, editable: false },
        SheetColumn { id: "name", heading: lang.tr("sheet.volatility.name").to_string(), kind: CellKind::Text, editable: false },
        SheetColumn { id: "team", heading: lang.tr("sheet.volatility.team").to_string(), kind: CellKind::Text, editable: false },
        SheetColumn { id: "cv", heading: lang.tr("sheet.volatility.cv").to_string(), kind: CellKind::Number, editable: false },
        SheetColumn { id: "total", heading: lang.tr("sheet.volatility.total").to_string(), kind: CellKind::Money, editable: false },
    ];
    // One column a month; its id is the month's position (ids are static), its heading the month.
    const MONTH_IDS: [&str; 12] = ["m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11", "m12"];
    for (id, month) in MONTH_IDS.iter().zip(&volatility.months) {
        columns.push(SheetColumn { id, heading: month.clone(), kind: CellKind::Money, editable: false });
    }
    let rows = volatility
        .reps
        .iter()
        .map(|r| {
            let mut cells = vec![
                Cell::text(r.rep_id.clone()),
                Cell::text(r.name.clone()),
                Cell::text(r.team.clone()),
                Cell::number(r.cv),
                Cell::Number(r.total),
            ];
            cells.extend(r.monthly.iter().take(MONTH_IDS.len()).map(|v| Cell::number(*v)));
            SheetRow { scope: format!("rep:{}", r.rep_id), period: volatility.period.clone(), cells }
        })
        .collect();
    Sheet {
        id: "volatility",
        title: lang.format("sheet.volatility.title", &[("scope", &scope_name(ctx, scope, lang)), ("period", &volatility.period)]),
        scope: volatility.scope.clone(),
        period: volatility.period.clone(),
        columns,
        rows,
    }
}

/// A factor as a manager reads it: "Source: 转介绍", "Visited while open".
pub fn factor_label(factor: &str, lang: Lang) -> String {
    match factor.split_once(':') {
        Some((kind @ ("source" | "segment"), value)) => lang.format(&format!("winloss.factor.{kind}"), &[("value", &value)]),
        Some((_, measure)) => lang.tr(&format!("winloss.factor.{measure}")).to_string(),
        None => factor.to_string(),
    }
}

pub fn winloss_sheet(winloss: &WinLoss, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    use CellKind::{Count, Number, Percent, Text};
    let rows = winloss
        .factors
        .iter()
        .map(|f| {
            vec![
                Cell::text(factor_label(&f.factor, lang)),
                Cell::Number(f.n as f64),
                Cell::Number(f.win_rate),
                Cell::Number(f.win_rate_without),
                Cell::Number(f.effect),
                Cell::Number(f.ci_low),
                Cell::Number(f.ci_high),
                Cell::text(lang.tr(if f.shown { "winloss.shown" } else { "winloss.not_shown" })),
            ]
        })
        .collect();
    let title = lang.format("sheet.winloss.title", &[("scope", &scope_name(ctx, scope, lang)), ("period", &winloss.period)]);
    let columns = [
        ("factor", Text),
        ("n", Count),
        ("win_rate", Percent),
        ("win_rate_without", Percent),
        ("effect", Number),
        ("ci_low", Number),
        ("ci_high", Number),
        ("verdict", Text),
    ];
    sheet("winloss", title, &winloss.scope, &winloss.period, &columns, rows, lang)
}

/// The signed % by which the model ran high (+) or low (−) against the actuals.
fn signed_percent(value: f64) -> String {
    format!("{value:+.1}%")
}

pub fn forecast_sheet(f: &ForecastReport, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    let mut rows: Vec<Vec<Cell>> = [
        ("won", f.won),
        ("pipeline", f.pipeline),
        ("run_rate", f.run_rate),
        ("model", f.model_forecast),
        ("forecast", f.forecast),
        ("low", f.low),
        ("high", f.high),
    ]
    .into_iter()
    .map(|(part, value)| vec![Cell::text(lang.tr(&format!("forecast.part.{part}"))), Cell::Number(value)])
    .collect();
    rows.push(vec![Cell::text(interval_source(f, lang)), Cell::Empty]);
    if let Some(better) = &f.better_baseline {
        rows.push(vec![Cell::text(better_baseline_text(better, lang)), Cell::number(better.value)]);
    }
    let title = lang.format("sheet.forecast.title", &[("scope", &scope_name(ctx, scope, lang)), ("period", &f.period), ("day", &f.as_of)]);
    sheet("forecast", title, &f.scope, &f.period, &[("part", CellKind::Text), ("amount", CellKind::Money)], rows, lang)
}

/// Where a forecast's interval comes from, in words.
pub fn interval_source(f: &ForecastReport, lang: Lang) -> String {
    match &f.calibration {
        Some(c) => lang.format("forecast.calibrated", &[("periods", &c.periods), ("bias", &signed_percent(c.model_bias))]),
        None if Period::parse(&f.period).is_ok_and(|p| p == Period::quarter_of(p.start)) => {
            lang.format("forecast.uncalibrated_quarters", &[("min", &pipeline::MIN_CALIBRATION_PERIODS)])
        }
        None => lang.tr("forecast.uncalibrated_kind").to_string(),
    }
}

/// That a naive baseline beat the model, with the errors of both.
pub fn better_baseline_text(better: &BetterBaseline, lang: Lang) -> String {
    lang.format(
        "forecast.better_baseline",
        &[
            ("periods", &better.periods),
            ("baseline", &lang.tr(&format!("forecast.baseline.{}", better.method)).to_string()),
            ("baseline_mape", &better.baseline_mape),
            ("forecast_mape", &better.forecast_mape),
        ],
    )
}

pub fn backtest_sheet(b: &Backtest, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    use CellKind::{Count, Money, Text};
    let mut rows: Vec<Vec<Cell>> = b
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.period.clone()),
                Cell::Number(r.actual),
                Cell::Number(r.model),
                Cell::Number(r.forecast),
                Cell::Number(r.low),
                Cell::Number(r.high),
                Cell::Number(r.calibrated_on as f64),
                Cell::number(r.last_period),
                Cell::number(r.same_last_year),
                Cell::Number(r.weighted),
            ]
        })
        .collect();
    let pct = |v: Option<f64>| v.map(|v| Cell::text(format!("{v:.1}%"))).unwrap_or(Cell::Empty);
    let text = |t: String| Cell::text(t);
    rows.push(vec![
        text(lang.tr("forecast.mape").to_string()),
        Cell::Empty,
        Cell::Empty,
        pct(b.mape.forecast),
        Cell::Empty,
        b.coverage.map(|c| text(lang.format("forecast.coverage", &[("value", &c)]))).unwrap_or(Cell::Empty),
        Cell::Empty,
        pct(b.mape.last_period),
        pct(b.mape.same_last_year),
        pct(b.mape.weighted),
    ]);
    // Each baseline against the forecast on the quarters both forecast, in the baseline's column.
    for c in &b.comparisons {
        let baseline = lang.tr(&format!("forecast.baseline.{}", c.method)).to_string();
        let mut row = vec![Cell::Empty; 10];
        row[0] = text(lang.format("forecast.head_to_head", &[("baseline", &baseline), ("periods", &c.periods)]));
        row[3] = pct(Some(c.forecast_mape));
        // last_period, same_last_year and weighted are the last three columns.
        let column = 7 + REVENUE_BASELINES.iter().position(|m| *m == c.method).unwrap_or(REVENUE_BASELINES.len());
        row[column] = pct(Some(c.baseline_mape));
        rows.push(row);
    }
    if let Some(c) = b.calibrated_coverage {
        rows.push(vec![text(lang.format("forecast.calibrated_coverage", &[("value", &c), ("periods", &b.calibrated_periods)]))]);
    }
    if let Some(bias) = b.model_bias {
        let periods = b.rows.iter().filter(|r| r.run_rate_periods > 0 && r.model > 0.0 && r.actual > 0.0).count();
        rows.push(vec![text(lang.format("forecast.bias", &[("periods", &periods), ("bias", &signed_percent(bias))]))]);
    }
    for row in &mut rows {
        row.resize(10, Cell::Empty);
    }
    let title = lang.format("sheet.backtest.title", &[("scope", &scope_name(ctx, scope, lang))]);
    let columns = [
        ("period", Text),
        ("actual", Money),
        ("model", Money),
        ("forecast", Money),
        ("low", Money),
        ("high", Money),
        ("calibrated_on", Count),
        ("last_period", Money),
        ("same_last_year", Money),
        ("weighted", Money),
    ];
    sheet("backtest", title, &b.scope, "", &columns, rows, lang)
}

pub fn heatmap_sheet(heatmap: &CallHeatmap, ctx: &Context, scope: &Scope, lang: Lang) -> Sheet {
    use CellKind::{Count, Percent};
    let rows = heatmap
        .cells
        .iter()
        .filter(|c| c.calls > 0)
        .map(|c| {
            vec![
                Cell::Number(c.weekday as f64),
                Cell::Number(c.hour as f64),
                Cell::Number(c.calls as f64),
                Cell::Number(c.connected as f64),
                Cell::number(c.connect_rate.map(|r| round(r, 2))),
            ]
        })
        .collect();
    let title = lang.format("sheet.heatmap.title", &[("scope", &scope_name(ctx, scope, lang)), ("period", &heatmap.period)]);
    let columns = [("weekday", Count), ("hour", Count), ("calls", Count), ("connected", Count), ("connect_rate", Percent)];
    sheet("heatmap", title, &heatmap.scope, &heatmap.period, &columns, rows, lang)
}

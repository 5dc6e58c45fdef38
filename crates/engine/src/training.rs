//! Training effectiveness (SPEC C7): for a course, the five levels — reaction (feedback),
//! learning (assessments), behaviour and results (difference-in-differences of the targeted KPIs,
//! trained reps against untrained ones) and ROI from the results estimate.
//!
//! KPI values are per rep and ISO week, each evaluated from that week's totals (a ratio KPI is a
//! ratio of the week's sums). A rep's training week — the week of the first session they
//! attended — is event week 0.

use crate::data::{Detail, Needs, PeriodData};
use crate::{Context, EngineError, Result};
use salescope_core::did::{self, Observation, TrainingWeeks, UnitProfile};
use salescope_core::format::{format_value, grouped};
use salescope_core::formula::Expr;
use salescope_core::i18n::Lang;
use salescope_core::kpi::{Direction, Group, KpiDef, Unit};
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::stats::mean;
use salescope_core::time::Day;
use salescope_core::training::{Course, FEEDBACK_DIMENSIONS, Phase};
use salescope_store::{Db, TrainingRecords};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Below this many reps on either side an estimate says more about the reps than the course.
pub const MIN_GROUP: usize = 4;
/// Untrained reps matched to each trained rep when the control group is chosen automatically.
const CONTROLS_PER_TRAINED: usize = 2;

/// Which untrained reps the trained ones are compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method", content = "ids")]
pub enum ControlChoice {
    /// Matched on pre-period level and trend of the KPI.
    Auto,
    /// The untrained reps of these teams (and their sub-teams).
    Teams(Vec<String>),
    Reps(Vec<String>),
}

impl ControlChoice {
    /// `auto`, `team:<name>[,<name>…]` or `reps:<id>[,<id>…]`.
    pub fn parse(text: &str) -> Result<ControlChoice> {
        let text = text.trim();
        let list = |rest: &str| rest.split([',', '，']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>();
        if text.is_empty() || text.eq_ignore_ascii_case("auto") {
            return Ok(ControlChoice::Auto);
        }
        if let Some(rest) = text.strip_prefix("team:").or_else(|| text.strip_prefix("teams:")) {
            return Ok(ControlChoice::Teams(list(rest)));
        }
        if let Some(rest) = text.strip_prefix("reps:").or_else(|| text.strip_prefix("rep:")) {
            return Ok(ControlChoice::Reps(list(rest)));
        }
        Err(EngineError::invalid("training.error.bad_control", &[("value", &text)]))
    }

    pub fn label(&self) -> String {
        match self {
            ControlChoice::Auto => "auto".to_string(),
            ControlChoice::Teams(teams) => format!("team:{}", teams.join(",")),
            ControlChoice::Reps(reps) => format!("reps:{}", reps.join(",")),
        }
    }
}

/// What an effectiveness report is asked for.
#[derive(Debug, Clone)]
pub struct EffectOptions {
    /// Only the reps who attended this session (else every session of the course).
    pub session_id: Option<String>,
    pub pre_weeks: u32,
    pub post_weeks: u32,
    pub control: ControlChoice,
    /// Weeks that have not ended by this day are left out.
    pub today: Day,
}

impl EffectOptions {
    /// The options as written on the command line or in a query: weeks as `8w` or `8`, the
    /// control group as [`ControlChoice::parse`] reads it; missing values take the defaults.
    pub fn parse(pre: Option<&str>, post: Option<&str>, control: Option<&str>, session: Option<&str>, today: Day) -> Result<EffectOptions> {
        let weeks = |text: Option<&str>, field: &str| -> Result<u32> {
            let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(DEFAULT_WEEKS) };
            text.trim_end_matches(['w', 'W'])
                .parse::<u32>()
                .ok()
                .filter(|w| (1..=52).contains(w))
                .ok_or_else(|| EngineError::invalid("training.error.bad_weeks", &[("value", &text), ("field", &field)]))
        };
        Ok(EffectOptions {
            session_id: session.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string),
            pre_weeks: weeks(pre, "pre")?,
            post_weeks: weeks(post, "post")?,
            control: ControlChoice::parse(control.unwrap_or("auto"))?,
            today,
        })
    }
}

/// Weeks compared on each side of the training unless asked otherwise.
pub const DEFAULT_WEEKS: u32 = 8;

// ---------------------------------------------------------------------------------------------
// Level 1 and 2: from the training records alone.

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DimensionScore {
    /// content, trainer, practice or organisation.
    pub dimension: String,
    pub mean: Option<f64>,
    pub responses: usize,
}

/// Level 1: how the attendees rated the training.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reaction {
    pub dimensions: Vec<DimensionScore>,
    /// The mean over every dimension score given.
    pub overall: Option<f64>,
    pub responses: usize,
    pub attendees: usize,
    /// responses / attendees, in %.
    pub response_rate: Option<f64>,
    pub comments: Vec<String>,
}

/// Level 2: what the attendees learned, from the pre- and post-tests.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Learning {
    pub pass_score: Option<f64>,
    pub post_tests: usize,
    pub passed: usize,
    /// passed / post-tests, in %.
    pub pass_rate: Option<f64>,
    pub mean_pre: Option<f64>,
    pub mean_post: Option<f64>,
    /// Paired t test of post − pre over the reps with both scores.
    pub gain: Option<PairedGain>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PairedGain {
    pub mean_gain: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub pairs: usize,
}

/// The sessions a report covers and who attended them (rep → first day attended).
struct Attendees {
    sessions: BTreeSet<String>,
    first_day: BTreeMap<String, Day>,
}

fn attendees(records: &TrainingRecords, course_id: &str, session_id: Option<&str>) -> Attendees {
    let sessions: BTreeMap<&str, Day> = records
        .sessions
        .iter()
        .filter(|s| s.course_id == course_id && session_id.is_none_or(|id| id == s.session_id))
        .map(|s| (s.session_id.as_str(), s.starts_at.day()))
        .collect();
    let mut first_day: BTreeMap<String, Day> = BTreeMap::new();
    for a in records.attendance.iter().filter(|a| a.attended) {
        if let Some(day) = sessions.get(a.session_id.as_str()) {
            let entry = first_day.entry(a.rep_id.clone()).or_insert(*day);
            *entry = (*entry).min(*day);
        }
    }
    Attendees { sessions: sessions.keys().map(|s| s.to_string()).collect(), first_day }
}

pub fn reaction(records: &TrainingRecords, course_id: &str, session_id: Option<&str>) -> Reaction {
    let who = attendees(records, course_id, session_id);
    let answers: Vec<_> = records.feedback.iter().filter(|f| who.sessions.contains(&f.session_id)).collect();
    let dimensions = FEEDBACK_DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, dimension)| {
            let scores: Vec<f64> = answers.iter().filter_map(|f| f.scores[i]).map(|s| s as f64).collect();
            DimensionScore { dimension: dimension.to_string(), mean: mean(&scores), responses: scores.len() }
        })
        .collect();
    let all: Vec<f64> = answers.iter().flat_map(|f| f.scores.iter().flatten().map(|s| *s as f64)).collect();
    let responders: BTreeSet<&str> = answers.iter().map(|f| f.rep_id.as_str()).collect();
    let attendees = who.first_day.len();
    Reaction {
        dimensions,
        overall: mean(&all),
        responses: responders.len(),
        attendees,
        response_rate: (attendees > 0).then(|| responders.len() as f64 / attendees as f64 * 100.0),
        comments: answers.iter().filter_map(|f| f.comment.clone()).filter(|c| !c.trim().is_empty()).collect(),
    }
}

pub fn learning(records: &TrainingRecords, course: &Course) -> Learning {
    let scores = |phase: Phase| -> BTreeMap<&str, &salescope_core::training::Assessment> {
        records.assessments.iter().filter(|a| a.course_id == course.course_id && a.phase == phase).map(|a| (a.rep_id.as_str(), a)).collect()
    };
    let (pre, post) = (scores(Phase::Pre), scores(Phase::Post));
    let verdicts: Vec<bool> = post.values().filter_map(|a| a.passes(course.pass_score)).collect();
    let passed = verdicts.iter().filter(|p| **p).count();
    let pairs: Vec<(f64, f64)> = post.iter().filter_map(|(rep, after)| pre.get(rep).map(|before| (before.score, after.score))).collect();
    let values = |m: &BTreeMap<&str, &salescope_core::training::Assessment>| m.values().map(|a| a.score).collect::<Vec<_>>();
    Learning {
        pass_score: course.pass_score,
        post_tests: post.len(),
        passed,
        pass_rate: (!verdicts.is_empty()).then(|| passed as f64 / verdicts.len() as f64 * 100.0),
        mean_pre: mean(&values(&pre)),
        mean_post: mean(&values(&post)),
        gain: did::paired_t_test(&pairs).map(|t| PairedGain {
            mean_gain: t.mean_gain,
            ci_low: t.ci_low,
            ci_high: t.ci_high,
            p_value: t.p_value,
            pairs: t.pairs,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Levels 3 and 4: difference-in-differences of weekly KPI values.

/// Monday-based week number: week 0 holds 1 January 1970 (a Thursday).
pub fn week_index(day: Day) -> i32 {
    (day.0 + 3).div_euclid(7)
}

fn week_monday(week: i32) -> Day {
    Day(week * 7 - 3)
}

/// Every rep's value of each KPI in each week of `weeks`, read once per week.
async fn weekly_values(
    db: &Db,
    ctx: &Context,
    kpis: &[&KpiDef],
    reps: &[String],
    weeks: std::ops::RangeInclusive<i32>,
) -> Result<Vec<BTreeMap<(usize, i32), f64>>> {
    let needs = Needs::of(kpis.iter().copied());
    let mut values = vec![BTreeMap::new(); kpis.len()];
    for week in weeks {
        let data = PeriodData::load(db, ctx, Period::week_of(week_monday(week)), &needs, Detail::PerRep).await?;
        for (r, rep) in reps.iter().enumerate() {
            if !data.rep_has_data(rep) {
                continue;
            }
            let quantities = data.quantities(ctx, &Scope::Rep(rep.clone()));
            for (k, kpi) in kpis.iter().enumerate() {
                if let Some(v) = quantities.evaluate(kpi).filter(|v| v.is_finite()) {
                    values[k].insert((r, week), v);
                }
            }
        }
    }
    Ok(values)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The KPI moved the good way, beyond what chance explains.
    Improved,
    Worsened,
    NoDetectableEffect,
    /// The groups' trends differed before training (the pre-trend check failed), so whatever
    /// changed after it cannot be put down to the training.
    NotAttributable,
    TooFewReps,
    NoData,
}

impl VerdictKind {
    /// Whether the verdict shows an effect of the training: improved or worsened, beyond chance,
    /// with parallel trends before it. Only such an effect may carry an ROI.
    pub fn shows_an_effect(self) -> bool {
        matches!(self, VerdictKind::Improved | VerdictKind::Worsened)
    }

    /// As the JSON names it; `training.verdict_label.<id>` is its label.
    pub fn id(self) -> &'static str {
        match self {
            VerdictKind::Improved => "improved",
            VerdictKind::Worsened => "worsened",
            VerdictKind::NoDetectableEffect => "no_detectable_effect",
            VerdictKind::NotAttributable => "not_attributable",
            VerdictKind::TooFewReps => "too_few_reps",
            VerdictKind::NoData => "no_data",
        }
    }
}

/// The difference-in-differences estimate with its 95% interval.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DidEstimate {
    pub effect: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub observations: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventWeek {
    /// Weeks since training: 0 is the training week, −1 the reference week.
    pub relative_week: i32,
    pub effect: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupWeek {
    /// The Monday of the week.
    pub week: String,
    pub trained: Option<f64>,
    pub control: Option<f64>,
}

/// The parallel-trends check: the trained group's extra weekly slope before training.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreTrendCheck {
    pub slope_difference: f64,
    pub p_value: f64,
    /// No significant difference in pre-period trends (p ≥ 0.05).
    pub parallel: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NaiveBeforeAfter {
    pub before: f64,
    pub after: f64,
    pub difference: f64,
}

/// The effect of a course on one KPI.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KpiEffect {
    pub kpi: String,
    pub name: String,
    pub unit: String,
    /// 3 (behaviour: activity and conversation KPIs) or 4 (results).
    pub level: u8,
    /// The first session day, and the Monday of its week.
    pub training_day: String,
    pub training_week: String,
    pub pre_weeks: u32,
    pub post_weeks: u32,
    /// Post-training weeks that have ended and hold data.
    pub post_weeks_observed: u32,
    pub control_method: String,
    pub trained: Vec<String>,
    pub control: Vec<String>,
    pub estimate: Option<DidEstimate>,
    pub naive: Option<NaiveBeforeAfter>,
    pub pre_trend: Option<PreTrendCheck>,
    pub event_study: Vec<EventWeek>,
    pub trend: Vec<GroupWeek>,
    pub verdict: VerdictKind,
    /// The verdict in a sentence, in the reader's language.
    pub summary: String,
}

fn level_of(kpi: &KpiDef) -> u8 {
    match kpi.group {
        Group::Activity | Group::Conversation => 3,
        Group::Results | Group::Service | Group::Custom => 4,
    }
}

/// How the reps of an effect are split, with each trained rep's training week.
struct Groups {
    reps: Vec<String>,
    trained_weeks: TrainingWeeks,
    /// Untrained reps who may serve as controls (indices into `reps`).
    candidates: Vec<u32>,
    control_method: String,
}

fn groups(ctx: &Context, who: &Attendees, control: &ControlChoice) -> Result<Groups> {
    let trained: BTreeSet<&str> = who.first_day.keys().map(String::as_str).collect();
    let first_training = who.first_day.values().min().copied().unwrap_or(Day(0));
    let untrained: Vec<&str> = match control {
        ControlChoice::Auto => ctx.structure.reps.iter().filter(|r| crate::context::sells(&r.role)).map(|r| r.rep_id.as_str()).collect(),
        ControlChoice::Teams(teams) => {
            let mut wanted = BTreeSet::new();
            for team in teams {
                let scope = Scope::Team(team.clone());
                ctx.check_scope(&scope)?;
                wanted.extend(ctx.scope_teams(&scope).unwrap_or_default());
            }
            ctx.structure
                .reps
                .iter()
                .filter(|r| crate::context::sells(&r.role))
                .filter(|r| ctx.team_on(&r.rep_id, first_training).is_some_and(|t| wanted.contains(t)))
                .map(|r| r.rep_id.as_str())
                .collect()
        }
        ControlChoice::Reps(ids) => {
            for id in ids {
                if ctx.rep(id).is_none() {
                    return Err(EngineError::UnknownRep(id.clone()));
                }
            }
            ids.iter().map(String::as_str).collect()
        }
    };
    let mut reps: Vec<String> = trained.iter().map(|r| r.to_string()).collect();
    let untrained: BTreeSet<&str> = untrained.into_iter().filter(|r| !trained.contains(r)).collect();
    reps.extend(untrained.iter().map(|r| r.to_string()));
    let trained_weeks = who.first_day.values().enumerate().map(|(i, day)| (i as u32, week_index(*day))).collect();
    Ok(Groups { candidates: (trained.len() as u32..reps.len() as u32).collect(), reps, trained_weeks, control_method: control.label() })
}

/// Observations of one KPI: the trained reps in their own window, the controls in the whole
/// window.
fn observations(values: &BTreeMap<(usize, i32), f64>, groups: &Groups, controls: &BTreeSet<u32>, pre: i32, post: i32) -> Vec<Observation> {
    values
        .iter()
        .filter(|((r, week), _)| {
            let unit = *r as u32;
            match groups.trained_weeks.get(&unit) {
                Some(tw) => (tw - pre..tw + post).contains(week),
                None => controls.contains(&unit),
            }
        })
        .map(|((r, week), value)| Observation { unit: *r as u32, week: *week, value: *value })
        .collect()
}

/// The controls for one KPI: all candidates with data, or the automatic match on its
/// pre-period level and trend.
fn choose_controls(values: &BTreeMap<(usize, i32), f64>, groups: &Groups, auto: bool, pre: i32, post: i32) -> BTreeSet<u32> {
    let all_obs: Vec<Observation> =
        values.iter().map(|((r, week), value)| Observation { unit: *r as u32, week: *week, value: *value }).collect();
    let first_training = groups.trained_weeks.values().min().copied().unwrap_or(0);
    let last_training = groups.trained_weeks.values().max().copied().unwrap_or(0);
    let window = first_training - pre..last_training + post;
    let with_data: Vec<u32> = groups
        .candidates
        .iter()
        .copied()
        .filter(|c| all_obs.iter().any(|o| o.unit == *c && window.contains(&o.week) && o.week < first_training))
        .collect();
    if !auto {
        return with_data.into_iter().collect();
    }
    let in_pre = |o: &&Observation| o.week >= first_training - pre;
    let pre_obs: Vec<Observation> = all_obs.iter().filter(in_pre).copied().collect();
    let treated: Vec<UnitProfile> = groups.trained_weeks.iter().filter_map(|(unit, tw)| did::profile(&pre_obs, *unit, *tw)).collect();
    let candidates: Vec<UnitProfile> = with_data.iter().filter_map(|c| did::profile(&pre_obs, *c, first_training)).collect();
    did::match_controls(&treated, &candidates, CONTROLS_PER_TRAINED).into_iter().collect()
}

fn day_text(day: Day) -> String {
    day.to_string()
}

/// A p-value as reports print it: `= 0.012`, or `< 0.001`.
pub fn p_text(p: f64) -> String {
    if p < 0.001 { "< 0.001".to_string() } else { format!("= {p:.3}") }
}

/// The verdict sentence: "Win rate +12.3 pp, 95% CI [8.1, 16.5], significant (p = 0.001)".
fn summary(
    kpi: &KpiDef,
    verdict: VerdictKind,
    estimate: Option<&DidEstimate>,
    pre_trend: Option<&PreTrendCheck>,
    (trained, control): (usize, usize),
    lang: Lang,
) -> String {
    let amount = |v: f64| -> String {
        match kpi.unit {
            Unit::Percent => {
                let tenths = (v * 10.0).round() / 10.0;
                let text = if tenths == 0.0 { "0.0".to_string() } else { format!("{tenths:+.1}").replace('-', "−") };
                lang.format("training.pp", &[("value", &text)])
            }
            unit => {
                let text = format_value(Some(v.abs()), unit, lang);
                // A value that rounds to zero reads without a sign.
                let zero = !text.chars().any(|c| c.is_ascii_digit() && c != '0');
                match (zero, v < 0.0) {
                    (true, _) => text,
                    (false, true) => format!("−{text}"),
                    (false, false) => format!("+{text}"),
                }
            }
        }
    };
    let name = kpi.name(lang);
    match (verdict, estimate) {
        (VerdictKind::TooFewReps, _) => {
            lang.format("training.verdict.too_few", &[("kpi", &name), ("trained", &trained), ("control", &control), ("min", &MIN_GROUP)])
        }
        (VerdictKind::NoData, _) | (_, None) => lang.format("training.verdict.no_data", &[("kpi", &name)]),
        (kind, Some(e)) => {
            let pre_trend_p = pre_trend.map_or_else(String::new, |check| p_text(check.p_value));
            let args: [(&str, &dyn std::fmt::Display); 6] = [
                ("kpi", &name),
                ("effect", &amount(e.effect)),
                ("low", &amount(e.ci_low)),
                ("high", &amount(e.ci_high)),
                ("p", &p_text(e.p_value)),
                ("pre_p", &pre_trend_p),
            ];
            let key = match kind {
                VerdictKind::Improved => "training.verdict.improved",
                VerdictKind::Worsened => "training.verdict.worsened",
                VerdictKind::NotAttributable => "training.verdict.not_attributable",
                _ => "training.verdict.none",
            };
            lang.format(key, &args)
        }
    }
}

struct EffectInput<'a> {
    kpi: &'a KpiDef,
    values: &'a BTreeMap<(usize, i32), f64>,
    groups: &'a Groups,
    options: &'a EffectOptions,
    training_day: Day,
    last_week: i32,
}

fn effect_of(input: EffectInput, lang: Lang) -> KpiEffect {
    let EffectInput { kpi, values, groups, options, training_day, last_week } = input;
    let (pre, post) = (options.pre_weeks as i32, options.post_weeks as i32);
    let controls = choose_controls(values, groups, options.control == ControlChoice::Auto, pre, post);
    let obs = observations(values, groups, &controls, pre, post);
    let trained_with_data: BTreeSet<u32> = obs.iter().map(|o| o.unit).filter(|u| groups.trained_weeks.contains_key(u)).collect();
    let weeks = &groups.trained_weeks;
    let estimate = did::difference_in_differences(&obs, weeks).map(|e| DidEstimate {
        effect: e.effect,
        std_error: e.std_error,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        p_value: e.p_value,
        observations: e.observations,
    });
    let too_few = trained_with_data.len() < MIN_GROUP || controls.len() < MIN_GROUP;
    let pre_trend = did::pre_trend(&obs, weeks).map(|p| PreTrendCheck {
        slope_difference: p.slope_difference,
        p_value: p.p_value,
        parallel: p.parallel(),
    });
    let verdict = match &estimate {
        _ if too_few => VerdictKind::TooFewReps,
        None => VerdictKind::NoData,
        Some(_) if pre_trend.as_ref().is_some_and(|check| !check.parallel) => VerdictKind::NotAttributable,
        Some(e) if e.ci_low > 0.0 || e.ci_high < 0.0 => {
            if (e.effect > 0.0) == (kpi.direction == Direction::HigherIsBetter) {
                VerdictKind::Improved
            } else {
                VerdictKind::Worsened
            }
        }
        Some(_) => VerdictKind::NoDetectableEffect,
    };
    let first_week = weeks.values().min().copied().unwrap_or(0) - pre;
    let group_mean = |week: i32, trained: bool| {
        let vals: Vec<f64> =
            obs.iter().filter(|o| o.week == week && groups.trained_weeks.contains_key(&o.unit) == trained).map(|o| o.value).collect();
        mean(&vals)
    };
    let trend = (first_week..=last_week)
        .map(|week| GroupWeek { week: day_text(week_monday(week)), trained: group_mean(week, true), control: group_mean(week, false) })
        .collect();
    let post_weeks_observed =
        weeks.values().max().map_or(0, |tw| obs.iter().filter(|o| o.week >= *tw).map(|o| o.week).collect::<BTreeSet<_>>().len()) as u32;
    let name_of = |units: &mut dyn Iterator<Item = u32>| units.filter_map(|u| groups.reps.get(u as usize).cloned()).collect::<Vec<_>>();
    KpiEffect {
        kpi: kpi.id.clone(),
        name: kpi.name(lang).to_string(),
        unit: kpi.unit.id().to_string(),
        level: level_of(kpi),
        training_day: day_text(training_day),
        training_week: day_text(week_monday(week_index(training_day))),
        pre_weeks: options.pre_weeks,
        post_weeks: options.post_weeks,
        post_weeks_observed,
        control_method: groups.control_method.clone(),
        trained: name_of(&mut trained_with_data.iter().copied()),
        control: name_of(&mut controls.iter().copied()),
        summary: summary(kpi, verdict, estimate.as_ref(), pre_trend.as_ref(), (trained_with_data.len(), controls.len()), lang),
        estimate,
        naive: did::naive_before_after(&obs, weeks).map(|n| NaiveBeforeAfter {
            before: n.before,
            after: n.after,
            difference: n.difference,
        }),
        pre_trend,
        event_study: did::event_study(&obs, weeks)
            .unwrap_or_default()
            .into_iter()
            .map(|p| EventWeek { relative_week: p.relative_week, effect: p.effect, ci_low: p.ci_low, ci_high: p.ci_high })
            .collect(),
        trend,
        verdict,
    }
}

// ---------------------------------------------------------------------------------------------
// Level 5: ROI.

/// The assumptions that turn an effect into money, each shown and editable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoiAssumptions {
    /// The results KPI whose effect is valued.
    pub kpi: String,
    /// Weeks the effect is counted for.
    pub horizon_weeks: f64,
    /// Gross margin on revenue, in %.
    pub gross_margin_pct: f64,
    /// Average won deal, in yuan (default: the trained reps' before training).
    pub avg_deal_size: f64,
    /// For a rate KPI, what it is a rate of per rep and week (closed deals for the win rate,
    /// contacted customers for the conversion rate), before training.
    pub volume_per_rep_week: f64,
    /// Loaded cost of an hour of a rep's time, in yuan.
    pub hourly_cost: f64,
    /// Hours each attendee spent in training.
    pub attendee_hours: f64,
    /// What the course itself cost, in yuan.
    pub course_cost: f64,
}

/// How a KPI's effect per rep and week becomes yuan of revenue.
struct Valuation {
    /// What a rate KPI is a rate of (its volume per rep and week), as a formula.
    volume: Option<&'static str>,
    /// One unit is worth an average deal (else a yuan).
    per_deal: bool,
    /// The KPI is in %, so a unit of effect is a hundredth of the volume.
    percent: bool,
}

fn valuation(kpi: &str) -> Option<Valuation> {
    let v = |volume, per_deal, percent| Some(Valuation { volume, per_deal, percent });
    match kpi {
        "revenue" => v(None, false, false),
        "won_deals" | "new_customers" => v(None, true, false),
        "win_rate" => v(Some("won_deals + lost_deals"), true, true),
        "conversion_rate" => v(Some("contacted_customers"), true, true),
        "avg_deal_size" => v(Some("won_deals"), false, false),
        _ => None,
    }
}

pub fn is_monetisable(kpi: &str) -> bool {
    valuation(kpi).is_some()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Roi {
    pub assumptions: RoiAssumptions,
    pub trained_reps: usize,
    /// Yuan of gross profit per trained rep and week from one unit of the KPI.
    pub value_per_unit: f64,
    pub benefit: f64,
    /// The benefit at the ends of the effect's 95% interval.
    pub benefit_low: f64,
    pub benefit_high: f64,
    pub cost: f64,
    /// (benefit − cost) / cost, in %.
    pub roi_pct: Option<f64>,
    pub benefit_cost_ratio: Option<f64>,
    /// Weeks until the benefit covers the cost; none when there is no benefit.
    pub payback_weeks: Option<f64>,
    /// Whether the effect it rests on is shown by the data.
    pub effect_detectable: bool,
    /// Whether the ROI stands: its effect is detectable and can be put down to the training (the
    /// effect's verdict is improved or worsened). Otherwise every rendering marks it unproven.
    pub proven: bool,
    /// Why it is unproven, in the reader's language.
    pub unproven: Option<String>,
    /// The computation spelled out.
    pub formula: String,
}

pub fn roi(assumptions: &RoiAssumptions, effect: &KpiEffect, lang: Lang) -> Option<Roi> {
    let estimate = effect.estimate.as_ref()?;
    let valuation = valuation(&assumptions.kpi)?;
    let a = assumptions;
    let margin = a.gross_margin_pct / 100.0;
    let volume = valuation.volume.map_or(1.0, |_| a.volume_per_rep_week) / if valuation.percent { 100.0 } else { 1.0 };
    let value_per_unit = volume * if valuation.per_deal { a.avg_deal_size } else { 1.0 } * margin;
    let reps = effect.trained.len();
    let benefit_of = |e: f64| e * value_per_unit * reps as f64 * a.horizon_weeks;
    let cost = a.course_cost + reps as f64 * a.attendee_hours * a.hourly_cost;
    let benefit = benefit_of(estimate.effect);
    let weekly = benefit / a.horizon_weeks.max(f64::MIN_POSITIVE);
    let formula = lang.format(
        "training.roi.formula",
        &[
            ("effect", &format!("{:.3}", estimate.effect)),
            ("value", &format!("{value_per_unit:.2}")),
            ("reps", &reps),
            ("weeks", &a.horizon_weeks),
            ("benefit", &grouped(benefit, 0)),
            ("course", &grouped(a.course_cost, 0)),
            ("hours", &a.attendee_hours),
            ("rate", &a.hourly_cost),
            ("cost", &grouped(cost, 0)),
        ],
    );
    Some(Roi {
        assumptions: a.clone(),
        trained_reps: reps,
        value_per_unit,
        benefit,
        benefit_low: benefit_of(estimate.ci_low).min(benefit_of(estimate.ci_high)),
        benefit_high: benefit_of(estimate.ci_low).max(benefit_of(estimate.ci_high)),
        cost,
        roi_pct: (cost > 0.0).then(|| (benefit - cost) / cost * 100.0),
        benefit_cost_ratio: (cost > 0.0).then(|| benefit / cost),
        payback_weeks: (weekly > 0.0).then(|| cost / weekly),
        effect_detectable: estimate.ci_low > 0.0 || estimate.ci_high < 0.0,
        proven: effect.verdict.shows_an_effect(),
        unproven: match effect.verdict {
            v if v.shows_an_effect() => None,
            VerdictKind::NotAttributable => Some(lang.tr("training.roi_not_attributable").to_string()),
            _ => Some(lang.tr("training.roi_not_shown").to_string()),
        },
        formula,
    })
}

/// A KPI made of a formula only, to evaluate a volume the same way as the KPIs.
fn formula_kpi(id: &str, formula: &str) -> Option<KpiDef> {
    let expr = Expr::parse(formula, &|_| false).ok()?;
    Some(KpiDef {
        id: id.to_string(),
        name_en: id.to_string(),
        name_zh: id.to_string(),
        unit: Unit::Count,
        direction: Direction::HigherIsBetter,
        group: Group::Results,
        formula: expr,
        formula_text: formula.to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// The whole report.

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionSummary {
    pub session_id: String,
    pub starts_at: String,
    pub place: Option<String>,
    pub trainer: Option<String>,
    pub attended: usize,
    pub enrolled: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CourseInfo {
    pub course_id: String,
    pub title: String,
    pub topic: Option<String>,
    pub content: Option<String>,
    pub trainer: Option<String>,
    pub format: Option<String>,
    pub audience: Option<String>,
    pub assessment_method: Option<String>,
    pub pass_score: Option<f64>,
    pub cost: Option<f64>,
    pub hours: Option<f64>,
    pub target_kpis: Vec<String>,
}

impl CourseInfo {
    fn of(course: &Course) -> CourseInfo {
        CourseInfo {
            course_id: course.course_id.clone(),
            title: course.title.clone(),
            topic: course.topic.clone(),
            content: course.content.clone(),
            trainer: course.trainer.clone(),
            format: course.format.clone(),
            audience: course.audience.clone(),
            assessment_method: course.assessment_method.clone(),
            pass_score: course.pass_score,
            cost: course.cost.map(|c| c as f64 / 100.0),
            hours: course.hours,
            target_kpis: course.targets(),
        }
    }
}

pub fn sessions_of(records: &TrainingRecords, course_id: &str) -> Vec<SessionSummary> {
    let mut sessions: Vec<SessionSummary> = records
        .sessions
        .iter()
        .filter(|s| s.course_id == course_id)
        .map(|s| {
            let rows: Vec<_> = records.attendance.iter().filter(|a| a.session_id == s.session_id).collect();
            SessionSummary {
                session_id: s.session_id.clone(),
                starts_at: s.starts_at.to_string(),
                place: s.place.clone(),
                trainer: s.trainer.clone(),
                attended: rows.iter().filter(|a| a.attended).count(),
                enrolled: rows.len(),
            }
        })
        .collect();
    sessions.sort_by(|a, b| a.starts_at.cmp(&b.starts_at));
    sessions
}

/// The five levels of one course.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CourseReport {
    pub course: CourseInfo,
    pub sessions: Vec<SessionSummary>,
    pub reaction: Reaction,
    pub learning: Learning,
    /// Level 3: the activity and conversation KPIs the course targets.
    pub behaviour: Vec<KpiEffect>,
    /// Level 4: the results KPIs it targets.
    pub results: Vec<KpiEffect>,
    pub roi: Option<Roi>,
    /// KPI ids the course names that the catalogue does not know.
    pub unknown_kpis: Vec<String>,
}

pub fn find_course<'a>(records: &'a TrainingRecords, course_id: &str) -> Result<&'a Course> {
    records
        .courses
        .iter()
        .find(|c| c.course_id == course_id)
        .ok_or_else(|| EngineError::not_found("training.error.unknown_course", &[("course", &course_id)]))
}

/// The effect of a course on the given KPIs (one DiD each), reading each week's data once.
pub async fn kpi_effects(
    db: &Db,
    ctx: &Context,
    records: &TrainingRecords,
    course_id: &str,
    kpis: &[&KpiDef],
    options: &EffectOptions,
    lang: Lang,
) -> Result<Vec<KpiEffect>> {
    find_course(records, course_id)?;
    if let Some(session) = &options.session_id
        && !records.sessions.iter().any(|s| &s.session_id == session && s.course_id == course_id)
    {
        return Err(EngineError::not_found("training.error.unknown_session", &[("session", session)]));
    }
    let who = attendees(records, course_id, options.session_id.as_deref());
    let Some(training_day) = who.first_day.values().min().copied() else {
        return Err(EngineError::invalid("training.error.no_attendees", &[("course", &course_id)]));
    };
    let groups = groups(ctx, &who, &options.control)?;
    let (pre, post) = (options.pre_weeks.clamp(1, 52) as i32, options.post_weeks.clamp(1, 52) as i32);
    let first_week = groups.trained_weeks.values().min().copied().unwrap_or(0) - pre;
    // Only weeks that have ended count: a week in progress would read as a slump.
    let last_complete = week_index(options.today) - 1;
    let last_week = (groups.trained_weeks.values().max().copied().unwrap_or(0) + post - 1).min(last_complete);
    let values = weekly_values(db, ctx, kpis, &groups.reps, first_week..=last_week.max(first_week)).await?;
    let options = EffectOptions { pre_weeks: pre as u32, post_weeks: post as u32, ..options.clone() };
    Ok(kpis
        .iter()
        .zip(&values)
        .map(|(kpi, values)| effect_of(EffectInput { kpi, values, groups: &groups, options: &options, training_day, last_week }, lang))
        .collect())
}

/// The ROI assumptions read from the data where they can be: the trained reps' average deal and
/// volume before training, the course's cost and hours.
async fn default_assumptions(
    db: &Db,
    ctx: &Context,
    course: &Course,
    effect: &KpiEffect,
    training_day: Day,
    options: &EffectOptions,
) -> Result<RoiAssumptions> {
    let volume_formula = valuation(&effect.kpi).and_then(|v| v.volume);
    let volume = volume_formula.and_then(|f| formula_kpi("volume", f));
    let revenue = formula_kpi("revenue", "revenue_cents / 100");
    let wins = formula_kpi("wins", "won_deals");
    let training_week = week_index(training_day);
    let pre = options.pre_weeks as i32;
    let kpis: Vec<&KpiDef> = [&revenue, &wins, &volume].into_iter().flatten().collect();
    let values = weekly_values(db, ctx, &kpis, &effect.trained, training_week - pre..=training_week - 1).await?;
    let sum = |m: &BTreeMap<(usize, i32), f64>| m.values().sum::<f64>();
    let rep_weeks = values.first().map_or(0, |m| m.len()).max(1) as f64;
    let avg_deal = match (values.first(), values.get(1)) {
        (Some(rev), Some(w)) if sum(w) > 0.0 => sum(rev) / sum(w),
        _ => 0.0,
    };
    let volume_per_rep_week = if volume.is_some() { values.get(2).map_or(0.0, |v| sum(v) / rep_weeks) } else { 1.0 };
    Ok(RoiAssumptions {
        kpi: effect.kpi.clone(),
        horizon_weeks: 26.0,
        gross_margin_pct: 30.0,
        avg_deal_size: (avg_deal * 100.0).round() / 100.0,
        volume_per_rep_week: (volume_per_rep_week * 100.0).round() / 100.0,
        hourly_cost: 80.0,
        attendee_hours: course.hours.unwrap_or(0.0),
        course_cost: course.cost.map_or(0.0, |c| c as f64 / 100.0),
    })
}

/// The full report of a course. `assumptions` replaces the saved or derived ROI assumptions.
pub async fn course_report(
    db: &Db,
    ctx: &Context,
    course_id: &str,
    options: &EffectOptions,
    assumptions: Option<RoiAssumptions>,
    lang: Lang,
) -> Result<CourseReport> {
    let records = db.training_records().await?;
    let course = find_course(&records, course_id)?;
    let mut unknown_kpis = Vec::new();
    let mut kpis = Vec::new();
    for id in course.targets() {
        match ctx.kpi(&id) {
            Ok(kpi) => kpis.push(kpi),
            Err(_) => unknown_kpis.push(id),
        }
    }
    let training_day = attendees(&records, course_id, options.session_id.as_deref()).first_day.values().min().copied();
    let effects = if training_day.is_some() && !kpis.is_empty() {
        kpi_effects(db, ctx, &records, course_id, &kpis, options, lang).await?
    } else {
        Vec::new()
    };
    let (behaviour, results): (Vec<KpiEffect>, Vec<KpiEffect>) = effects.into_iter().partition(|e| e.level == 3);
    let valued = results.iter().find(|e| assumptions.as_ref().map_or(is_monetisable(&e.kpi), |a| a.kpi == e.kpi));
    let roi = match valued {
        Some(effect) => {
            let saved = match assumptions {
                Some(a) => Some(a),
                None => db
                    .roi_assumptions(course_id)
                    .await?
                    .and_then(|json| serde_json::from_str::<RoiAssumptions>(&json).ok())
                    .filter(|a| a.kpi == effect.kpi),
            };
            let a = match (saved, training_day) {
                (Some(a), _) => a,
                (None, Some(day)) => default_assumptions(db, ctx, course, effect, day, options).await?,
                (None, None) => return Err(EngineError::invalid("training.error.no_attendees", &[("course", &course_id)])),
            };
            roi(&a, effect, lang)
        }
        None => None,
    };
    Ok(CourseReport {
        course: CourseInfo::of(course),
        sessions: sessions_of(&records, course_id),
        reaction: reaction(&records, course_id, options.session_id.as_deref()),
        learning: learning(&records, course),
        behaviour,
        results,
        roi,
        unknown_kpis,
    })
}

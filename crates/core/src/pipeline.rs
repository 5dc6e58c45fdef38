//! The sales process measured from deals and their stage history (SPEC C9): stage order, time in
//! stage, stage conversion, win probability by stage, the weighted pipeline, stuck deals, and the
//! volatility of reps' monthly revenue. The definitions are exact; tests hold them.

use crate::stats::{median, quantile};
use crate::time::LocalDateTime;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// How a deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Won,
    Lost,
}

/// A deal with the stages it entered, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct DealPath {
    pub deal_id: String,
    pub rep_id: String,
    /// Cents.
    pub amount: i64,
    pub created_at: LocalDateTime,
    pub closed: Option<(LocalDateTime, Ending)>,
    /// Where the deal came from (转介绍, 官网 …) and the customer's segment, when known.
    pub source: Option<String>,
    pub segment: Option<String>,
    /// (stage name, entered at), sorted by time. Names are shared between deals: a million
    /// deals pass through a handful of stages.
    pub stages: Vec<(Arc<str>, LocalDateTime)>,
}

impl DealPath {
    /// Whether the deal was open at `t`: created by then and not yet closed.
    pub fn open_at(&self, t: LocalDateTime) -> bool {
        self.created_at <= t && self.closed.is_none_or(|(closed, _)| closed > t)
    }

    /// The stage the deal was in at `t`: the last one entered at or before it.
    pub fn stage_at(&self, t: LocalDateTime) -> Option<&(Arc<str>, LocalDateTime)> {
        self.stages.iter().rev().find(|(_, entered)| *entered <= t)
    }
}

/// The stages in the order deals pass through them: by the mean position at which deals enter
/// each (its first entry in a deal), ties by name.
pub fn learned_order(paths: &[DealPath]) -> Vec<String> {
    let mut positions: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for path in paths {
        let mut seen: Vec<&str> = Vec::new();
        for (stage, _) in &path.stages {
            if !seen.contains(&&**stage) {
                let entry = positions.entry(stage).or_default();
                entry.0 += seen.len() as f64;
                entry.1 += 1;
                seen.push(stage);
            }
        }
    }
    let mut stages: Vec<(&str, f64)> = positions.into_iter().map(|(s, (sum, n))| (s, sum / n as f64)).collect();
    stages.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    stages.into_iter().map(|(s, _)| s.to_string()).collect()
}

/// When a deal left the `i`-th stage it entered: on entering the next, or at its close if it ended
/// there; none while it is still in it. Time in a stage runs from entering it to then.
fn left_stage(path: &DealPath, i: usize) -> Option<LocalDateTime> {
    path.stages.get(i + 1).map(|(_, t)| *t).or(path.closed.map(|(closed, _)| closed))
}

/// The distinct stage names met in a pass, numbered in order of first meeting. Deals share their
/// stage names (one allocation per name), so a name seen before is recognised by its address
/// without comparing text: a pass over a million deals meets five million names.
struct StageSlots<'a> {
    by_address: Vec<(*const u8, usize)>,
    names: Vec<&'a str>,
}

/// Addresses remembered at most: names that are not shared (built one by one) fall back to text.
const REMEMBERED_ADDRESSES: usize = 64;

impl<'a> StageSlots<'a> {
    fn new() -> StageSlots<'a> {
        StageSlots { by_address: Vec::new(), names: Vec::new() }
    }

    fn slot(&mut self, stage: &'a Arc<str>) -> usize {
        let address = stage.as_ptr();
        if let Some((_, slot)) = self.by_address.iter().find(|(a, _)| *a == address) {
            return *slot;
        }
        let slot = match self.names.iter().position(|name| **name == **stage) {
            Some(slot) => slot,
            None => {
                self.names.push(stage);
                self.names.len() - 1
            }
        };
        if self.by_address.len() < REMEMBERED_ADDRESSES {
            self.by_address.push((address, slot));
        }
        slot
    }
}

/// Stage names to their place in an order, through [`StageSlots`].
struct Ranks<'a, 'o> {
    order: &'o [String],
    slots: StageSlots<'a>,
    ranks: Vec<Option<usize>>,
}

impl<'a, 'o> Ranks<'a, 'o> {
    fn new(order: &'o [String]) -> Ranks<'a, 'o> {
        Ranks { order, slots: StageSlots::new(), ranks: Vec::new() }
    }

    fn of(&mut self, stage: &'a Arc<str>) -> Option<usize> {
        let slot = self.slots.slot(stage);
        while self.ranks.len() <= slot {
            let name = self.slots.names[self.ranks.len()];
            self.ranks.push(rank(self.order, name));
        }
        self.ranks[slot]
    }
}

fn rank(order: &[String], stage: &str) -> Option<usize> {
    order.iter().position(|s| s == stage)
}

/// A stage of the funnel over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStage {
    pub stage: String,
    /// Deals that entered the stage in the period.
    pub entered: usize,
    /// Of those, deals that later entered a later stage or were won.
    pub advanced: usize,
    /// advanced / entered, in %.
    pub conversion: Option<f64>,
    /// Days in the stage of those entries that have ended.
    pub median_days: Option<f64>,
    pub p75_days: Option<f64>,
}

/// The funnel of the deals that entered each stage when `counts` says (the period, the scope).
/// One pass over the deals: each stage's first counted entry of a deal, whether a later stage
/// followed it (or a win), and how long it lasted.
pub fn funnel<'a>(
    paths: impl IntoIterator<Item = &'a DealPath>,
    order: &[String],
    counts: impl Fn(&DealPath, LocalDateTime) -> bool,
) -> Vec<FunnelStage> {
    let n = order.len();
    let (mut entered, mut advanced_count) = (vec![0usize; n], vec![0usize; n]);
    let mut durations: Vec<Vec<f64>> = vec![Vec::new(); n];
    let (mut ranks, mut counted): (Vec<Option<usize>>, Vec<bool>) = (Vec::new(), vec![false; n]);
    let mut ranker = Ranks::new(order);
    for path in paths {
        ranks.clear();
        ranks.extend(path.stages.iter().map(|(s, _)| ranker.of(s)));
        counted.fill(false);
        let won = matches!(path.closed, Some((_, Ending::Won)));
        for (i, (_, at)) in path.stages.iter().enumerate() {
            // A deal counts once per stage: its first entry that the period holds.
            let Some(r) = ranks[i] else { continue };
            if counted[r] || !counts(path, *at) {
                continue;
            }
            counted[r] = true;
            entered[r] += 1;
            let later = path.stages.iter().zip(&ranks).any(|((_, t), other)| *t >= *at && other.is_some_and(|o| o > r));
            if later || won {
                advanced_count[r] += 1;
            }
            durations[r].extend(left_stage(path, i).map(|left| (left.0 - at.0) as f64 / SECONDS_PER_DAY));
        }
    }
    order
        .iter()
        .enumerate()
        .map(|(r, stage)| FunnelStage {
            stage: stage.clone(),
            entered: entered[r],
            advanced: advanced_count[r],
            conversion: (entered[r] > 0).then(|| advanced_count[r] as f64 / entered[r] as f64 * 100.0),
            median_days: median(&durations[r]),
            p75_days: quantile(&durations[r], 0.75),
        })
        .collect()
}

/// Of the deals closed at or before `as_of` that reached each stage, the share won (0–1).
pub fn win_probabilities(deals: &DealColumns, order: &[String], as_of: LocalDateTime) -> Vec<Option<f64>> {
    let n = order.len();
    let rank_of_slot = deals.ranks(order);
    let (mut reached, mut won) = (vec![0usize; n], vec![0usize; n]);
    // The deal (+ 1) that last reached each stage: a deal counts for a stage once.
    let mut reached_by = vec![0usize; n];
    for deal in (0..deals.len()).filter(|deal| deals.closed[*deal] <= as_of) {
        for stage in deals.stages(deal).filter(|stage| deals.stage_entered[*stage] <= as_of) {
            if let Some(r) = rank_of_slot[deals.stage_slot[stage] as usize]
                && reached_by[r] != deal + 1
            {
                reached_by[r] = deal + 1;
                reached[r] += 1;
                won[r] += usize::from(deals.won[deal]);
            }
        }
    }
    (0..n).map(|r| (reached[r] > 0).then(|| won[r] as f64 / reached[r] as f64)).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeightedStage {
    pub stage: String,
    pub win_probability: Option<f64>,
    pub open_deals: usize,
    /// Cents.
    pub amount: i64,
    /// amount × win probability, in cents.
    pub weighted: f64,
}

/// The deals open at `as_of` by their current stage, each weighted by that stage's win
/// probability. `counts` chooses the deals (the scope).
pub fn weighted_pipeline(deals: &DealColumns, order: &[String], as_of: LocalDateTime, counts: impl Fn(u32) -> bool) -> Vec<WeightedStage> {
    let probabilities = win_probabilities(deals, order, as_of);
    let rank_of_slot = deals.ranks(order);
    let (mut open, mut amount) = (vec![0usize; order.len()], vec![0i64; order.len()]);
    for deal in (0..deals.len()).filter(|deal| deals.open_at(*deal, as_of)) {
        if let Some(stage) = deals.stage_at(deal, as_of)
            && let Some(r) = rank_of_slot[deals.stage_slot[stage] as usize]
            && counts(deals.rep[deal])
        {
            open[r] += 1;
            amount[r] += deals.amount[deal];
        }
    }
    order
        .iter()
        .zip(probabilities)
        .enumerate()
        .map(|(r, (stage, probability))| WeightedStage {
            stage: stage.clone(),
            win_probability: probability,
            open_deals: open[r],
            amount: amount[r],
            weighted: amount[r] as f64 * probability.unwrap_or(0.0),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct StuckDeal<'a> {
    pub path: &'a DealPath,
    pub stage: String,
    pub days_in_stage: f64,
    /// The stage's p75 of completed stays that ended at or before the day.
    pub p75_days: f64,
}

/// Open deals at `as_of` whose time so far in their current stage exceeds that stage's p75
/// (linear interpolation) of the completed stays that ended at or before `as_of`; longest first.
pub fn stuck<'a>(paths: &'a [DealPath], deals: &DealColumns, as_of: LocalDateTime, counts: impl Fn(u32) -> bool) -> Vec<StuckDeal<'a>> {
    // `deals` are `paths` as columns: the stays are read from them, the stuck deals named from
    // the paths.
    let mut completed: Vec<Vec<f64>> = vec![Vec::new(); deals.stage_names.len()];
    for deal in 0..deals.len() {
        let stages = deals.stages(deal);
        for stage in stages.clone() {
            let left = if stage + 1 < stages.end { deals.stage_entered[stage + 1] } else { deals.closed[deal] };
            if left <= as_of {
                completed[deals.stage_slot[stage] as usize].push((left.0 - deals.stage_entered[stage].0) as f64 / SECONDS_PER_DAY);
            }
        }
    }
    let p75s: Vec<Option<f64>> = completed.iter().map(|days| quantile(days, 0.75)).collect();
    let mut found: Vec<StuckDeal> = (0..deals.len())
        .filter(|deal| deals.open_at(*deal, as_of) && counts(deals.rep[*deal]))
        .filter_map(|deal| {
            let stage = deals.stage_at(deal, as_of)?;
            let slot = deals.stage_slot[stage] as usize;
            let p75 = p75s[slot]?;
            let days = (as_of.0 - deals.stage_entered[stage].0) as f64 / SECONDS_PER_DAY;
            (days > p75).then(|| StuckDeal {
                path: &paths[deal],
                stage: deals.stage_names[slot].to_string(),
                days_in_stage: days,
                p75_days: p75,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        (b.days_in_stage - b.p75_days).total_cmp(&(a.days_in_stage - a.p75_days)).then(a.path.deal_id.cmp(&b.path.deal_id))
    });
    found
}

/// A factor's association with winning: the win rate of the closed deals that have it against
/// those that do not, in percentage points, with a 95% (Wald) interval.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorEffect {
    /// `source:<value>`, `segment:<value>`, `activity:<measure>` or `behaviour:<measure>`.
    pub factor: String,
    pub n: usize,
    pub win_rate: f64,
    pub win_rate_without: f64,
    pub effect: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl FactorEffect {
    /// Whether the interval excludes zero: the data show the association.
    pub fn shown(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }
}

/// Deals on either side of a factor below this are too few for an interval.
const MIN_FACTOR_DEALS: usize = 5;
/// A lead answered within this many minutes counts as answered fast.
const FAST_RESPONSE_MINUTES: f64 = 60.0;

/// What happened on a deal while it was open, for win/loss: the rep's activities with the
/// customer (visits among them), how fast the lead behind it was answered, and the conversation
/// measures of its transcribed calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealMeasures {
    pub activities: u32,
    pub visits: u32,
    pub response_minutes: Option<f64>,
    /// Means over the deal's transcribed calls.
    pub questions: Option<f64>,
    pub talk_ratio: Option<f64>,
}

/// A yes/no property of the i-th closed deal; none when it does not apply (a deal without
/// transcribed calls has no conversation behaviour to compare).
type Test<'a> = Box<dyn Fn(usize) -> Option<bool> + 'a>;

fn effect_of(factor: String, won: &[bool], test: &Test) -> Option<FactorEffect> {
    let (mut with, mut without) = ((0usize, 0usize), (0usize, 0usize));
    for (i, won) in won.iter().enumerate() {
        match test(i) {
            Some(true) => with = (with.0 + 1, with.1 + *won as usize),
            Some(false) => without = (without.0 + 1, without.1 + *won as usize),
            None => {}
        }
    }
    if with.0 < MIN_FACTOR_DEALS || without.0 < MIN_FACTOR_DEALS {
        return None;
    }
    let (p1, p0) = (with.1 as f64 / with.0 as f64, without.1 as f64 / without.0 as f64);
    let se = (p1 * (1.0 - p1) / with.0 as f64 + p0 * (1.0 - p0) / without.0 as f64).sqrt();
    let effect = (p1 - p0) * 100.0;
    Some(FactorEffect {
        factor,
        n: with.0,
        win_rate: p1 * 100.0,
        win_rate_without: p0 * 100.0,
        effect,
        ci_low: effect - 1.96 * se * 100.0,
        ci_high: effect + 1.96 * se * 100.0,
    })
}

/// The factors of the closed deals by their effect on the win rate, strongest positive first:
/// every source and segment value, and the activity and behaviour measures — a visit while open,
/// more activities than the median deal, the lead answered within an hour, more questions and a
/// lower talk ratio than the median transcribed deal. A measure is compared among the deals it
/// applies to.
pub fn win_loss_factors<'a>(closed: &[&'a DealPath], measures: &HashMap<String, DealMeasures>) -> Vec<FactorEffect> {
    let won: Vec<bool> = closed.iter().map(|d| matches!(d.closed, Some((_, Ending::Won)))).collect();
    let none = DealMeasures::default();
    let measured: Vec<&DealMeasures> = closed.iter().map(|d| measures.get(&d.deal_id).unwrap_or(&none)).collect();
    // Each deal's source and segment as a number, so the tests compare numbers, not text.
    let mut numbers: HashMap<(&str, &str), usize> = HashMap::new();
    let mut number = |kind: &'static str, value: Option<&'a str>| -> Option<usize> {
        let next = numbers.len();
        value.map(|value| *numbers.entry((kind, value)).or_insert(next))
    };
    let factors_of: Vec<(Option<usize>, Option<usize>)> =
        closed.iter().map(|d| (number("source", d.source.as_deref()), number("segment", d.segment.as_deref()))).collect();
    let mut values: Vec<((&str, &str), usize)> = numbers.into_iter().collect();
    values.sort();
    let of_factors = &factors_of;
    let mut tests: Vec<(String, Test)> = values
        .into_iter()
        .map(|((kind, value), id)| {
            let is_source = kind == "source";
            let test: Test = Box::new(move |i| {
                let (source, segment) = of_factors[i];
                Some(if is_source { source == Some(id) } else { segment == Some(id) })
            });
            (format!("{kind}:{value}"), test)
        })
        .collect();
    let median_of = |value: &dyn Fn(&DealMeasures) -> Option<f64>| median(&measured.iter().filter_map(|m| value(m)).collect::<Vec<f64>>());
    let activities = median_of(&|m| Some(f64::from(m.activities)));
    let questions = median_of(&|m| m.questions);
    let talk_ratio = median_of(&|m| m.talk_ratio);
    let of = &measured;
    tests.push(("activity:visit".into(), Box::new(|i| Some(of[i].visits > 0))));
    if let Some(median) = activities {
        tests.push(("activity:activities_above_median".into(), Box::new(move |i| Some(f64::from(of[i].activities) > median))));
    }
    let fast = |i: usize| of[i].response_minutes.map(|m| m <= FAST_RESPONSE_MINUTES);
    tests.push(("activity:lead_answered_within_1h".into(), Box::new(fast)));
    if let Some(median) = questions {
        tests.push(("behaviour:questions_above_median".into(), Box::new(move |i| of[i].questions.map(|q| q > median))));
    }
    if let Some(median) = talk_ratio {
        tests.push(("behaviour:talk_ratio_below_median".into(), Box::new(move |i| of[i].talk_ratio.map(|r| r < median))));
    }
    let mut effects: Vec<FactorEffect> = tests.into_iter().filter_map(|(factor, test)| effect_of(factor, &won, &test)).collect();
    effects.sort_by(|a, b| b.effect.total_cmp(&a.effect).then(a.factor.cmp(&b.factor)));
    effects
}

/// For each window (after, until), the amount (cents) of the deals created after `after` and won
/// by `until`: what a period brings beyond the pipeline it started from. One pass for all windows.
pub fn created_and_won(deals: &DealColumns, windows: &[(LocalDateTime, LocalDateTime)], counts: impl Fn(u32) -> bool) -> Vec<i64> {
    let mut sums = vec![0; windows.len()];
    for deal in deals.won_deals() {
        let mut scope_checked = None;
        for (sum, (after, until)) in sums.iter_mut().zip(windows) {
            if deal.created > *after && deal.won <= *until && *scope_checked.get_or_insert_with(|| counts(deal.rep)) {
                *sum += deal.amount;
            }
        }
    }
    sums
}

/// A period's revenue forecast as of a day, from the stage history.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Cents won in the period up to the day.
    pub won: f64,
    /// Expected cents from the deals open on the day: amount × the stage's win probability ×
    /// the chance that a deal of that stage and age closes before the period ends.
    pub pipeline: f64,
    /// Expected cents from deals not yet created: the mean of what the same stretch of earlier
    /// periods brought from deals created after their day.
    pub run_rate: f64,
    pub forecast: f64,
    /// The 80% interval, by simulation.
    pub low: f64,
    pub high: f64,
    pub open_deals: usize,
}

/// Per stage, the days from (first) entering it to the close, sorted, with when each deal
/// closed, of the deals closed by a day: how long deals of a stage take to close, as the
/// forecast reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CloseTimes(HashMap<String, StageCloseTimes>);

#[derive(Debug, Clone, Default, PartialEq)]
struct StageCloseTimes {
    /// Sorted.
    days: Vec<f64>,
    /// When the deal of each entry of `days` closed, and its place in the paths.
    closed: Vec<LocalDateTime>,
    deal: Vec<u32>,
}

impl StageCloseTimes {
    fn push(&mut self, days: f64, deal: u32, closed: LocalDateTime) {
        self.days.push(days);
        self.deal.push(deal);
        self.closed.push(closed);
    }
}

impl CloseTimes {
    pub fn of_deals_closed_by(paths: &[DealPath], as_of: LocalDateTime) -> CloseTimes {
        let mut slots = StageSlots::new();
        let mut entries: Vec<Vec<(f64, u32, LocalDateTime)>> = Vec::new();
        for (deal, path) in paths.iter().enumerate() {
            let Some((closed, _)) = path.closed.filter(|(at, _)| *at <= as_of) else { continue };
            for (i, (stage, entered)) in path.stages.iter().enumerate() {
                if path.stages[..i].iter().all(|(earlier, _)| earlier != stage) {
                    let slot = slots.slot(stage);
                    entries.resize_with(entries.len().max(slot + 1), Vec::new);
                    entries[slot].push(((closed.0 - entered.0) as f64 / SECONDS_PER_DAY, deal as u32, closed));
                }
            }
        }
        let stages = entries.into_iter().map(|mut list| {
            list.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut times = StageCloseTimes::default();
            for (days, deal, closed) in list {
                times.push(days, deal, closed);
            }
            times
        });
        CloseTimes(slots.names.into_iter().map(str::to_string).zip(stages).collect())
    }

    /// Those of the deals closed by `as_of`: a filter keeps them sorted, so an earlier day costs
    /// one pass rather than a sort.
    pub fn as_of(&self, as_of: LocalDateTime) -> CloseTimes {
        let stages = self.0.iter().filter_map(|(stage, times)| {
            let mut kept = StageCloseTimes::default();
            for ((days, deal), closed) in times.days.iter().zip(&times.deal).zip(&times.closed) {
                if *closed <= as_of {
                    kept.push(*days, *deal, *closed);
                }
            }
            (!kept.days.is_empty()).then(|| (stage.clone(), kept))
        });
        CloseTimes(stages.collect())
    }

    fn of(&self, stage: &str) -> Option<&StageCloseTimes> {
        self.0.get(stage)
    }
}

/// Of a stage's deals that closed after a stay of more than `age` days (`sorted` are their
/// stays), the share that closed within `age + remaining` days. A period already over as of the
/// forecast's day (`remaining` below zero) has no time left for anything to close in.
fn closing_share(sorted: &[f64], age: f64, remaining: f64) -> f64 {
    let closed_by_age = sorted.partition_point(|d| *d <= age);
    let closed_in_time = sorted.partition_point(|d| *d <= age + remaining.max(0.0));
    share_closing_in_time(sorted.len() - closed_by_age, closed_in_time - closed_by_age)
}

fn share_closing_in_time(still_open: usize, in_time: usize) -> f64 {
    if still_open == 0 { 0.0 } else { in_time as f64 / still_open as f64 }
}

/// Draws of the forecast's interval.
const FORECAST_DRAWS: usize = 4000;
/// Above this many open deals the interval comes from the normal approximation of their sum.
const SIMULATED_DEALS: usize = 2000;
/// The standard normal's 90th percentile: an 80% interval is the centre ± this many SDs.
const Z_80: f64 = 1.281_551_565_545;

/// The forecast of the revenue closing by `end` as of `as_of`, for the deals `counts` accepts.
/// `earlier_runs` are what earlier periods brought from deals created after their own day (cents);
/// `close_times` are those of the deals closed by `as_of`.
#[allow(clippy::too_many_arguments)]
pub fn forecast(
    deals: &DealColumns,
    order: &[String],
    start: LocalDateTime,
    end: LocalDateTime,
    as_of: LocalDateTime,
    earlier_runs: &[f64],
    close_times: &CloseTimes,
    counts: impl Fn(u32) -> bool,
) -> Forecast {
    let won: f64 = deals.won_deals().filter(|d| d.won >= start && d.won <= as_of && counts(d.rep)).map(|d| d.amount as f64).sum();
    let probabilities = win_probabilities(deals, order, as_of);
    let rank_of_slot = deals.ranks(order);
    let stage_close_times: Vec<&[f64]> =
        order.iter().map(|stage| close_times.of(stage).map_or(&[][..], |times| times.days.as_slice())).collect();
    let remaining_days = (end.0 - as_of.0) as f64 / SECONDS_PER_DAY;
    // (amount, chance of winning it before the end) of each open deal: its stage's win
    // probability × the share of the closed deals of its stage, still open at its age, that
    // closed within the days left.
    let chances: Vec<(f64, f64)> = (0..deals.len())
        .filter(|deal| deals.open_at(*deal, as_of) && counts(deals.rep[*deal]))
        .filter_map(|deal| {
            let stage = deals.stage_at(deal, as_of)?;
            let r = rank_of_slot[deals.stage_slot[stage] as usize]?;
            let win = probabilities[r]?;
            let age = (as_of.0 - deals.stage_entered[stage].0) as f64 / SECONDS_PER_DAY;
            Some((deals.amount[deal] as f64, win * closing_share(stage_close_times[r], age, remaining_days)))
        })
        .collect();
    Forecast::of_parts(won, &chances, earlier_runs)
}

impl Forecast {
    /// What is won, the open deals' (amount, chance of winning in time) and the earlier periods'
    /// run-rates, summed, with the 80% interval around them.
    fn of_parts(won: f64, chances: &[(f64, f64)], earlier_runs: &[f64]) -> Forecast {
        let pipeline: f64 = chances.iter().map(|(amount, p)| amount * p).sum();
        let run_rate = crate::stats::mean(earlier_runs).unwrap_or(0.0);
        let run_sd = crate::stats::sample_variance(earlier_runs).map_or(run_rate * 0.25, f64::sqrt);
        let (low, high) = if chances.len() > SIMULATED_DEALS {
            // Many independent deals: their sum is normal to well within the interval's precision.
            let variance: f64 = chances.iter().map(|(amount, p)| amount * amount * p * (1.0 - p)).sum::<f64>() + run_sd * run_sd;
            let centre = won + pipeline + run_rate;
            (centre - Z_80 * variance.sqrt(), centre + Z_80 * variance.sqrt())
        } else {
            let mut rng = crate::random::Rng::new(0x5a1e_5c09e);
            let mut draws: Vec<f64> = (0..FORECAST_DRAWS)
                .map(|_| {
                    let deals: f64 = chances.iter().map(|(amount, p)| if rng.chance(*p) { *amount } else { 0.0 }).sum();
                    won + deals + (run_rate + run_sd * rng.normal()).max(0.0)
                })
                .collect();
            draws.sort_by(f64::total_cmp);
            (quantile(&draws, 0.1).unwrap_or(0.0), quantile(&draws, 0.9).unwrap_or(0.0))
        };
        Forecast { won, pipeline, run_rate, forecast: won + pipeline + run_rate, low: low.max(won), high, open_deals: chances.len() }
    }
}

/// How far the model's forecasts of past periods, each made on its eve, were from what happened:
/// the errors the next forecast's interval and bias correction are built from.
///
/// The error of a period is e = ln(actual / forecast). Over the n past periods, the bias is their
/// mean ē and the spread their sample SD s; a forecast is corrected to forecast × exp(ē) and its
/// 80% interval is forecast × exp(ē ± t₀.₉,ₙ₋₁ · s · √(1 + 1/n)), the prediction interval of one
/// more error from the same normal distribution. With the three to twenty quarters a sales
/// history holds, empirical 10th and 90th percentiles of the errors would be the smallest and
/// largest error seen, which covers far less than 80% of the next; the t interval widens for few
/// periods as it must. Errors on the log scale make a forecast 20% high and one 20% low weigh
/// alike and keep the interval above zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Past periods calibrated on.
    pub periods: usize,
    /// ē, the mean log error: exp(ē) − 1 is how much the model ran low (positive) or high.
    pub bias: f64,
    /// s, the sample SD of the log errors.
    pub spread: f64,
    /// t₀.₉ with n − 1 degrees of freedom × √(1 + 1/n): the interval's half-width in spreads.
    half_width: f64,
}

/// Fewer past periods than this leave the interval to the simulation: with two, t₀.₉ has one
/// degree of freedom (3.08) and the interval spans more than the forecast itself.
pub const MIN_CALIBRATION_PERIODS: usize = 3;

impl Calibration {
    /// From (forecast, actual) of past periods; pairs with a forecast or actual of zero or less
    /// have no log error and are left out. `None` below [`MIN_CALIBRATION_PERIODS`] periods.
    pub fn of(past: &[(f64, f64)]) -> Option<Calibration> {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let errors: Vec<f64> = past.iter().filter(|(f, a)| *f > 0.0 && *a > 0.0).map(|(f, a)| (a / f).ln()).collect();
        if errors.len() < MIN_CALIBRATION_PERIODS {
            return None;
        }
        let n = errors.len() as f64;
        let bias = crate::stats::mean(&errors)?;
        let spread = crate::stats::sample_variance(&errors)?.sqrt();
        let t = StudentsT::new(0.0, 1.0, n - 1.0).ok()?.inverse_cdf(0.9);
        Some(Calibration { periods: errors.len(), bias, spread, half_width: t * (1.0 + 1.0 / n).sqrt() })
    }

    /// The corrected forecast and its 80% interval, (point, low, high). The errors are of
    /// forecasts made on the eve, so they apply to what is not yet won: `won` stays as it is and
    /// `forecast − won` is corrected and bounded.
    pub fn apply(&self, won: f64, forecast: f64) -> (f64, f64, f64) {
        let ahead = (forecast - won).max(0.0);
        let scaled = |log: f64| won + ahead * log.exp();
        (scaled(self.bias), scaled(self.bias - self.half_width * self.spread), scaled(self.bias + self.half_width * self.spread))
    }
}

/// A period forecast as of its eve, the end of the day before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct EvePeriod {
    pub eve: LocalDateTime,
    pub end: LocalDateTime,
    /// What earlier periods brought from deals created after their own eve (cents).
    pub earlier_runs: Vec<f64>,
}

/// A period's forecast as of its eve, with the weighted pipeline then (cents), its naive rival.
#[derive(Debug, Clone, PartialEq)]
pub struct EveForecast {
    pub forecast: Forecast,
    pub weighted: f64,
}

/// The deals as flat columns, in the order of the paths they come from, for the replay that
/// reads every deal on every request: a pass reads a few arrays front to back instead of
/// following each deal's strings and stage list around the heap. Built once per history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealColumns {
    created: Vec<LocalDateTime>,
    /// When each deal closed (`LocalDateTime(i64::MAX)` while open) and whether it was won.
    closed: Vec<LocalDateTime>,
    won: Vec<bool>,
    amount: Vec<i64>,
    /// Index into `reps`.
    rep: Vec<u32>,
    reps: Vec<String>,
    /// Deal i's stages are `stage_slot[stage_start[i]..stage_start[i + 1]]` (index into
    /// `stage_names`) and `stage_entered` alike, in time order.
    stage_start: Vec<usize>,
    stage_slot: Vec<u32>,
    stage_entered: Vec<LocalDateTime>,
    stage_names: Vec<Arc<str>>,
}

/// A won deal as [`DealColumns::won_deals`] gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WonDeal {
    /// Index into [`DealColumns::reps`].
    pub rep: u32,
    pub created: LocalDateTime,
    pub won: LocalDateTime,
    /// Cents.
    pub amount: i64,
}

const STILL_OPEN: LocalDateTime = LocalDateTime(i64::MAX);

impl DealColumns {
    pub fn of(paths: &[DealPath]) -> DealColumns {
        let mut columns = DealColumns { stage_start: vec![0], ..DealColumns::default() };
        let mut reps: crate::fxhash::FxHashMap<&str, u32> = Default::default();
        let mut slots = StageSlots::new();
        for path in paths {
            columns.created.push(path.created_at);
            columns.closed.push(path.closed.map_or(STILL_OPEN, |(at, _)| at));
            columns.won.push(matches!(path.closed, Some((_, Ending::Won))));
            columns.amount.push(path.amount);
            let next = reps.len() as u32;
            columns.rep.push(*reps.entry(&path.rep_id).or_insert(next));
            for (stage, entered) in &path.stages {
                let slot = slots.slot(stage);
                if slot == columns.stage_names.len() {
                    columns.stage_names.push(Arc::clone(stage));
                }
                columns.stage_slot.push(slot as u32);
                columns.stage_entered.push(*entered);
            }
            columns.stage_start.push(columns.stage_slot.len());
        }
        columns.reps = vec![String::new(); reps.len()];
        for (rep, index) in reps {
            columns.reps[index as usize] = rep.to_string();
        }
        columns
    }

    /// The reps the deals name, each once; a deal's rep is an index into them.
    pub fn reps(&self) -> &[String] {
        &self.reps
    }

    /// The rep of the `deal`-th deal, as an index into [`DealColumns::reps`].
    pub fn rep_of(&self, deal: usize) -> u32 {
        self.rep[deal]
    }

    pub fn won_deals(&self) -> impl Iterator<Item = WonDeal> + '_ {
        (0..self.won.len()).filter(|i| self.won[*i]).map(|i| WonDeal {
            rep: self.rep[i],
            created: self.created[i],
            won: self.closed[i],
            amount: self.amount[i],
        })
    }

    pub fn len(&self) -> usize {
        self.created.len()
    }

    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
    }

    /// Whether a deal was open at `t`: created by then and not yet closed.
    fn open_at(&self, deal: usize, t: LocalDateTime) -> bool {
        self.created[deal] <= t && self.closed[deal] > t
    }

    fn stages(&self, deal: usize) -> std::ops::Range<usize> {
        self.stage_start[deal]..self.stage_start[deal + 1]
    }

    /// The stage (index into the stage columns) a deal was in at `t`: the last entered by then.
    fn stage_at(&self, deal: usize, t: LocalDateTime) -> Option<usize> {
        self.stages(deal).rev().find(|stage| self.stage_entered[*stage] <= t)
    }

    /// Each stage name's place in `order`, by its index in `stage_names`.
    fn ranks(&self, order: &[String]) -> Vec<Option<usize>> {
        self.stage_names.iter().map(|name| rank(order, name)).collect()
    }
}

/// The first of some sorted moments at or after a moment, from a table of the first at or after
/// each day: a binary search for each of five million stays costs more than the rest of a sweep.
struct FirstAtOrAfter<'a> {
    moments: &'a [LocalDateTime],
    first_day: i64,
    by_day: Vec<usize>,
}

impl<'a> FirstAtOrAfter<'a> {
    fn new(moments: &'a [LocalDateTime]) -> FirstAtOrAfter<'a> {
        let day = |t: LocalDateTime| t.0.div_euclid(SECONDS_PER_DAY as i64);
        let (first_day, last_day) = match (moments.first(), moments.last()) {
            (Some(first), Some(last)) => (day(*first), day(*last)),
            _ => (0, -1),
        };
        let by_day = (first_day..=last_day).map(|d| moments.partition_point(|m| m.0 < d * SECONDS_PER_DAY as i64)).collect();
        FirstAtOrAfter { moments, first_day, by_day }
    }

    #[inline]
    fn of(&self, t: LocalDateTime) -> usize {
        let offset = t.0.div_euclid(SECONDS_PER_DAY as i64) - self.first_day;
        if offset < 0 {
            return 0;
        }
        let Some(mut first) = self.by_day.get(offset as usize).copied() else { return self.moments.len() };
        while first < self.moments.len() && self.moments[first] < t {
            first += 1;
        }
        first
    }
}

/// For each period, what [`forecast`] and [`weighted_pipeline`] give as of its eve for the paths
/// `deals` were built from, in one replay of the history instead of a pass (and a sort of the
/// close times) per period: every closed deal's contribution to the win probabilities and close
/// times is counted from the first eve that sees it. `periods` are in time order; `close_times`
/// are those of the same paths (they name deals by their place in them), holding at least every
/// one closed by the last eve; `counts(rep, i)` is the scope on the eve of period `i`, for a rep of [`DealColumns::reps`].
/// Nothing of a period is won on its eve.
pub fn forecasts_on_eves(
    deals: &DealColumns,
    order: &[String],
    periods: &[EvePeriod],
    close_times: &CloseTimes,
    counts: impl Fn(u32, usize) -> bool,
) -> Vec<EveForecast> {
    let (eves, stages) = (periods.len(), order.len());
    let eve_moments: Vec<LocalDateTime> = periods.iter().map(|p| p.eve).collect();
    let first_eve_seeing = FirstAtOrAfter::new(&eve_moments);
    let rank_of_slot = deals.ranks(order);
    // Win probabilities: a closed deal counts for a stage from the first eve by which it has both
    // closed and entered the stage.
    let (mut reached, mut won) = (vec![vec![0usize; stages]; eves + 1], vec![vec![0usize; stages]; eves + 1]);
    // The deal (+ 1) that last reached each stage: a deal counts for a stage once.
    let mut reached_by = vec![0usize; stages];
    // (period, amount, stage rank, entered) of each deal open on an eve, in the scope then.
    let mut open: Vec<(usize, i64, usize, LocalDateTime)> = Vec::new();
    // The first eve that sees each deal closed, for the close times of its stages: the sweep
    // looks deals up in random order, and two bytes a deal keep the table in the cache (four-digit
    // years hold 40,000 quarters, fewer than two bytes count).
    let mut closing_eves: Vec<u16> = Vec::with_capacity(deals.len());
    let closing_eve_limit = usize::from(u16::MAX);
    for deal in 0..deals.len() {
        let closed = deals.closed[deal];
        let closing_eve = if closed == STILL_OPEN { eves } else { first_eve_seeing.of(closed) };
        closing_eves.push(closing_eve.min(closing_eve_limit) as u16);
        if closing_eve < eves {
            for stage in deals.stages(deal) {
                if let Some(r) = rank_of_slot[deals.stage_slot[stage] as usize]
                    && reached_by[r] != deal + 1
                {
                    reached_by[r] = deal + 1;
                    let entered = deals.stage_entered[stage];
                    let eve = if entered <= closed { closing_eve } else { first_eve_seeing.of(entered) };
                    reached[eve][r] += 1;
                    won[eve][r] += usize::from(deals.won[deal]);
                }
            }
        }
        for (i, period) in periods.iter().enumerate().take(closing_eve).skip(first_eve_seeing.of(deals.created[deal])) {
            if let Some(stage) = deals.stage_at(deal, period.eve)
                && let Some(r) = rank_of_slot[deals.stage_slot[stage] as usize]
                && counts(deals.rep[deal], i)
            {
                open.push((i, deals.amount[deal], r, deals.stage_entered[stage]));
            }
        }
    }
    for eve in 1..eves {
        for r in 0..stages {
            reached[eve][r] += reached[eve - 1][r];
            won[eve][r] += won[eve - 1][r];
        }
    }
    let probability = |eve: usize, r: usize| (reached[eve][r] > 0).then(|| won[eve][r] as f64 / reached[eve][r] as f64);
    let remaining = |i: usize| (periods[i].end.0 - periods[i].eve.0) as f64 / SECONDS_PER_DAY;
    // Each open deal with a win probability asks, of its stage's close times as of its eve, how
    // many stays ended by its age and by its age plus the days left: answered stage by stage in
    // one sweep of the close times with the questions sorted.
    let asking: Vec<(usize, i64, usize, f64)> = open
        .iter()
        .filter(|(i, _, r, _)| probability(*i, *r).is_some())
        .map(|(i, amount, r, entered)| (*i, *amount, *r, (periods[*i].eve.0 - entered.0) as f64 / SECONDS_PER_DAY))
        .collect();
    // (stays by the age, stays by the age plus the days left, all stays) as of the eve.
    let mut answers = vec![(0usize, 0usize, 0usize); asking.len()];
    // (days, question, its eve, whether it asks by the age plus the days left), each carrying
    // what the sweep needs: a million lookups into `asking` would cost more than the sweep.
    let mut questions_of_stage: Vec<Vec<(f64, u32, u32, bool)>> = vec![Vec::new(); stages];
    for (q, (i, _, r, age)) in asking.iter().enumerate() {
        let (q, eve) = (q as u32, *i as u32);
        questions_of_stage[*r].extend([(*age, q, eve, false), (*age + remaining(*i), q, eve, true)]);
    }
    for (r, (stage, mut questions)) in order.iter().zip(questions_of_stage).enumerate() {
        let Some(times) = close_times.of(stage) else { continue };
        questions.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        // Stays counted so far, by the first eve that sees them.
        let mut by_eve = vec![0usize; eves + 1];
        let mut stays = times.days.iter().zip(&times.deal).peekable();
        let mut count_until = |threshold: f64, by_eve: &mut Vec<usize>| {
            while let Some((_, deal)) = stays.next_if(|(days, _)| **days <= threshold) {
                by_eve[closing_eves[*deal as usize] as usize] += 1;
            }
        };
        for (threshold, q, eve, in_time) in questions {
            count_until(threshold, &mut by_eve);
            let counted = by_eve[..=eve as usize].iter().sum();
            let answer = &mut answers[q as usize];
            if in_time { answer.1 = counted } else { answer.0 = counted }
        }
        count_until(f64::INFINITY, &mut by_eve);
        for (q, (i, _, rank, _)) in asking.iter().enumerate() {
            if *rank == r {
                answers[q].2 = by_eve[..=*i].iter().sum();
            }
        }
    }
    let mut chances: Vec<Vec<(f64, f64)>> = vec![Vec::new(); eves];
    for ((i, amount, r, _), (by_age, by_end, all)) in asking.iter().zip(&answers) {
        let win = probability(*i, *r).unwrap_or(0.0);
        chances[*i].push((*amount as f64, win * share_closing_in_time(all - by_age, by_end - by_age)));
    }
    // As `weighted_pipeline` sums it: per stage, its open amount × its win probability.
    let mut open_amounts = vec![vec![0i64; stages]; eves];
    for (i, amount, r, _) in &open {
        open_amounts[*i][*r] += amount;
    }
    let weighted = open_amounts
        .iter()
        .enumerate()
        .map(|(i, amounts)| amounts.iter().enumerate().map(|(r, amount)| *amount as f64 * probability(i, r).unwrap_or(0.0)).sum::<f64>());
    periods
        .iter()
        .zip(chances)
        .zip(weighted)
        .map(|((period, chances), weighted)| EveForecast { forecast: Forecast::of_parts(0.0, &chances, &period.earlier_runs), weighted })
        .collect()
}

/// Win rates shrunk toward the pool's (empirical Bayes, beta-binomial): each rep's rate is
/// (wins + k·p₀) / (closed + k), p₀ the pooled rate and k = p₀(1 − p₀)/τ² − 1 the prior's
/// strength from τ², how much the reps' true rates vary beyond chance (k between 10 and 200; 200
/// when they vary no more than chance). A rep with 2 wins of 2 does not top a rep with 30 of 40.
#[derive(Debug, Clone, PartialEq)]
pub struct Shrunk {
    pub pooled: f64,
    pub strength: f64,
    pub rates: Vec<f64>,
}

pub fn shrunk_win_rates(counts: &[(u32, u32)]) -> Option<Shrunk> {
    let (wins, closed): (u32, u32) = counts.iter().fold((0, 0), |(w, c), (wi, ci)| (w + wi, c + ci));
    if closed == 0 {
        return None;
    }
    let pooled = wins as f64 / closed as f64;
    // The variance of the true rates between reps (τ²), by the method of moments with each rep
    // weighted by their deals: Σ nᵢ(rᵢ − p₀)² beyond the (m − 1)·p₀(1 − p₀) that chance explains.
    let observed: Vec<(f64, f64)> = counts.iter().filter(|(_, c)| *c > 0).map(|(w, c)| (*w as f64 / *c as f64, *c as f64)).collect();
    let m = observed.len() as f64;
    let total = closed as f64;
    let binomial = pooled * (1.0 - pooled);
    let deviations: f64 = observed.iter().map(|(r, n)| n * (r - pooled).powi(2)).sum();
    let denominator = total - observed.iter().map(|(_, n)| n * n).sum::<f64>() / total;
    let between = if m < 2.0 || denominator <= 0.0 { 0.0 } else { (deviations - (m - 1.0) * binomial) / denominator };
    let strength = if between <= 0.0 || binomial <= 0.0 {
        MAX_PRIOR_STRENGTH
    } else {
        (binomial / between - 1.0).clamp(MIN_PRIOR_STRENGTH, MAX_PRIOR_STRENGTH)
    };
    let rates = counts.iter().map(|(w, c)| (*w as f64 + strength * pooled) / (*c as f64 + strength)).collect();
    Some(Shrunk { pooled, strength, rates })
}

impl Shrunk {
    /// The win rate a rep has at least, 90% sure, whether or not their rate resembles the pool's:
    /// the lower of the 10th percentiles of two posteriors, Beta(wins + k·p₀, losses + k·(1 − p₀))
    /// of the pooled prior and Beta(1 + wins, 1 + losses) of no prior at all. Reps are ranked by
    /// it. The pooled bound keeps a short lucky record near the pool (2 of 2 in a segment won 35%
    /// of the time does not top it); the bound without a prior grows only with evidence, so a short
    /// record does not outrank a long one at a similar rate even where the pooled prior would make
    /// every short record "average" and a long one a little below: 4 of 4 beside 29 of 35 and 54
    /// of 60 (pooled 88%, k = 200) has 0.1^(1/5) = 63.1%, the others 72.6% and 83.4%.
    pub fn lower_bound(&self, wins: u32, closed: u32) -> f64 {
        use statrs::distribution::{Beta, ContinuousCDF};
        let (wins, losses) = (f64::from(wins), f64::from(closed.saturating_sub(wins)));
        let tenth = |a: f64, b: f64| Beta::new(a, b).map_or(0.0, |posterior| posterior.inverse_cdf(0.1));
        let pooled = tenth(wins + self.strength * self.pooled, losses + self.strength * (1.0 - self.pooled));
        pooled.min(tenth(1.0 + wins, 1.0 + losses))
    }
}

/// At least ten deals' worth of prior: a handful of lucky wins cannot outrank a record.
const MIN_PRIOR_STRENGTH: f64 = 10.0;
const MAX_PRIOR_STRENGTH: f64 = 200.0;

/// The category a rep puts an open deal in, as sales teams know them from their CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
}

impl ForecastCategory {
    pub const ALL: [ForecastCategory; 3] = [ForecastCategory::Pipeline, ForecastCategory::BestCase, ForecastCategory::Commit];

    pub fn id(self) -> &'static str {
        match self {
            ForecastCategory::Pipeline => "pipeline",
            ForecastCategory::BestCase => "best_case",
            ForecastCategory::Commit => "commit",
        }
    }

    pub fn from_id(id: &str) -> Option<ForecastCategory> {
        ForecastCategory::ALL.into_iter().find(|c| c.id() == id.trim())
    }
}

/// The reps' own call, rolled up the CRM way (cents): closed = won in the period so far; commit =
/// closed + open deals in commit; best case = commit + open deals in best case; pipeline = best case
/// + every other open deal.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CategoryRollup {
    pub closed: i64,
    pub commit: i64,
    pub best_case: i64,
    pub pipeline: i64,
}

/// `category(i)` is the category of the `i`-th deal, `counts(rep)` the scope.
pub fn category_rollup(
    deals: &DealColumns,
    category: impl Fn(usize) -> Option<ForecastCategory>,
    start: LocalDateTime,
    as_of: LocalDateTime,
    counts: impl Fn(u32) -> bool,
) -> CategoryRollup {
    let mut open = [0i64; 3];
    let mut closed = 0;
    for deal in 0..deals.len() {
        let (at, amount) = (deals.closed[deal], deals.amount[deal]);
        if deals.won[deal] && at >= start && at <= as_of && counts(deals.rep[deal]) {
            closed += amount;
        } else if deals.open_at(deal, as_of) && counts(deals.rep[deal]) {
            open[category(deal).unwrap_or(ForecastCategory::Pipeline) as usize] += amount;
        }
    }
    let commit = closed + open[ForecastCategory::Commit as usize];
    let best_case = commit + open[ForecastCategory::BestCase as usize];
    CategoryRollup { closed, commit, best_case, pipeline: best_case + open[ForecastCategory::Pipeline as usize] }
}

/// Population standard deviation / mean of monthly revenue; none when the mean is zero.
pub fn coefficient_of_variation(monthly: &[f64]) -> Option<f64> {
    if monthly.is_empty() {
        return None;
    }
    let n = monthly.len() as f64;
    let mean = monthly.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return None;
    }
    let variance = monthly.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Some(variance.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Day;

    fn at(day: u32, hour: u32) -> LocalDateTime {
        LocalDateTime::from_parts(Day::from_ymd(2024, 7, day).expect("date"), hour, 0, 0)
    }

    #[test]
    fn a_period_over_before_the_forecast_day_leaves_no_share_to_close() {
        // Of the stays longer than 5 days (7, 9, 20), those within 5 + 4 days: 7 and 9.
        let stays = [2.0, 3.0, 7.0, 9.0, 20.0];
        assert_eq!(closing_share(&stays, 5.0, 4.0), 2.0 / 3.0);
        // Asked for a month that ended 80 days before: found by schemathesis as a panic.
        assert_eq!(closing_share(&stays, 5.0, -80.0), 0.0);
    }

    fn path(id: &str, created: u32, stages: &[(&str, u32)], closed: Option<(u32, Ending)>, amount: i64) -> DealPath {
        DealPath {
            deal_id: id.into(),
            rep_id: "R1".into(),
            amount,
            created_at: at(created, 9),
            closed: closed.map(|(d, e)| (at(d, 9), e)),
            source: None,
            segment: None,
            stages: stages.iter().map(|(s, d)| (Arc::from(*s), at(*d, 9))).collect(),
        }
    }

    /// Four deals through 接触 → 报价 → 谈判, days of July 2024 at 9:00:
    /// D1 接触 1, 报价 3, 谈判 6, won 10. D2 接触 2, 报价 4, lost 5. D3 接触 3, lost 9.
    /// D4 接触 5, 报价 8, still open.
    fn deals() -> Vec<DealPath> {
        vec![
            path("D1", 1, &[("接触", 1), ("报价", 3), ("谈判", 6)], Some((10, Ending::Won)), 100_000),
            path("D2", 2, &[("接触", 2), ("报价", 4)], Some((5, Ending::Lost)), 50_000),
            path("D3", 3, &[("接触", 3)], Some((9, Ending::Lost)), 20_000),
            path("D4", 5, &[("接触", 5), ("报价", 8)], None, 80_000),
        ]
    }

    fn columns() -> DealColumns {
        DealColumns::of(&deals())
    }

    fn order() -> Vec<String> {
        ["接触", "报价", "谈判"].map(String::from).to_vec()
    }

    #[test]
    fn stages_are_ordered_by_where_deals_enter_them() {
        assert_eq!(learned_order(&deals()), order());
    }

    #[test]
    fn the_funnel_counts_entries_advances_and_time_in_stage_by_hand() {
        let funnel = funnel(&deals(), &order(), |_, _| true);
        // 接触: all four entered; D1, D2, D4 reached 报价 → 3/4. Stays: D1 2 days, D2 2, D3 6
        // (to its close), D4 3 → median 2.5, p75 (type 7 of 2, 2, 3, 6) = 3.75.
        assert_eq!((funnel[0].entered, funnel[0].advanced, funnel[0].conversion), (4, 3, Some(75.0)));
        assert_eq!((funnel[0].median_days, funnel[0].p75_days), (Some(2.5), Some(3.75)));
        // 报价: D1, D2, D4 entered; D1 advanced. Stays that ended: D1 3 days, D2 1 day.
        assert_eq!((funnel[1].entered, funnel[1].advanced), (3, 1));
        assert_eq!((funnel[1].median_days, funnel[1].p75_days), (Some(2.0), Some(2.5)));
        // 谈判: D1 only, won: 1/1, 4 days.
        assert_eq!((funnel[2].entered, funnel[2].conversion, funnel[2].median_days), (1, Some(100.0), Some(4.0)));
        // A period from 3 July: 接触 entries of D3 (3rd) and D4 (5th) only.
        let later = super::funnel(&deals(), &order(), |_, t| t >= at(3, 0));
        assert_eq!((later[0].entered, later[0].advanced), (2, 1));
    }

    #[test]
    fn win_probability_weighted_pipeline_and_stuck_deals_as_of_a_day() {
        // As of 9 July 23:00: closed are D2 (lost) and D3 (lost) — D1 closes on the 10th.
        let as_of = at(9, 23);
        assert_eq!(win_probabilities(&columns(), &order(), as_of), vec![Some(0.0), Some(0.0), None]);
        // As of the 11th D1 is won too: 接触 1 of 3, 报价 1 of 2, 谈判 1 of 1.
        let later = at(11, 12);
        assert_eq!(win_probabilities(&columns(), &order(), later), vec![Some(1.0 / 3.0), Some(0.5), Some(1.0)]);
        let weighted = weighted_pipeline(&columns(), &order(), later, |_| true);
        // Open on the 11th: D4 in 报价 (80,000 cents × 0.5).
        assert_eq!((weighted[1].open_deals, weighted[1].amount, weighted[1].weighted), (1, 80_000, 40_000.0));
        assert_eq!(weighted[0].open_deals + weighted[2].open_deals, 0);
        // 报价 stays completed by the 11th: D1 3 days, D2 1 day → p75 2.5; D4 has been in 报价
        // 3.125 days (8th 9:00 to 11th 12:00): stuck.
        let all = deals();
        let stuck = stuck(&all, &DealColumns::of(&all), later, |_| true);
        assert_eq!(stuck.len(), 1);
        assert_eq!((stuck[0].path.deal_id.as_str(), stuck[0].stage.as_str(), stuck[0].p75_days), ("D4", "报价", 2.5));
        assert!((stuck[0].days_in_stage - 3.125).abs() < 1e-9);
        // On the 10th at 9:00 it had been there 2 days: not stuck.
        assert!(super::stuck(&deals(), &columns(), at(10, 9), |_| true).is_empty());
    }

    #[test]
    fn factors_compare_the_win_rate_with_and_without_them_with_a_wald_interval() {
        // 10 referral deals, 8 won; 10 from the website, 3 won.
        let deal = |i: usize, source: &str, won: bool| DealPath {
            source: Some(source.into()),
            segment: None,
            ..path(&format!("F{i}"), 1, &[], Some((2, if won { Ending::Won } else { Ending::Lost })), 100)
        };
        let deals: Vec<DealPath> = (0..10).map(|i| deal(i, "转介绍", i < 8)).chain((10..20).map(|i| deal(i, "官网", i < 13))).collect();
        let closed: Vec<&DealPath> = deals.iter().collect();
        let factors = win_loss_factors(&closed, &HashMap::new());
        assert_eq!(factors.iter().map(|f| f.factor.as_str()).collect::<Vec<_>>(), ["source:转介绍", "source:官网"]);
        // 80% against 30%: +50 points, se √(0.8·0.2/10 + 0.3·0.7/10) = √0.037 = 0.19235.
        let referral = &factors[0];
        assert_eq!((referral.n, referral.win_rate, referral.win_rate_without), (10, 80.0, 30.0));
        assert!((referral.effect - 50.0).abs() < 1e-9);
        assert!((referral.ci_low - (50.0 - 1.96 * 0.037f64.sqrt() * 100.0)).abs() < 1e-9);
        assert!(referral.shown() && factors[1].effect < 0.0);
        // Too few deals on one side: no interval.
        assert!(win_loss_factors(&closed[..12], &HashMap::new()).is_empty());
    }

    fn round2(v: f64) -> f64 {
        (v * 100.0).round() / 100.0
    }

    #[test]
    fn a_measure_is_compared_among_the_deals_it_applies_to() {
        // Won: deals 0–3, 5 and the even ones of 10–19. Transcribed: 0–4 ask 8 questions a call,
        // 5–9 ask 2 (median 5). Leads answered: 0–5 in 30 minutes, 6–11 in 300.
        let won = |i: usize| i < 4 || i == 5 || (i >= 10 && i.is_multiple_of(2));
        let deals: Vec<DealPath> =
            (0..20).map(|i| path(&format!("M{i}"), 1, &[], Some((2, if won(i) { Ending::Won } else { Ending::Lost })), 100)).collect();
        let measures: HashMap<String, DealMeasures> = (0..12)
            .map(|i| {
                let m = DealMeasures {
                    questions: (i < 10).then_some(if i < 5 { 8.0 } else { 2.0 }),
                    response_minutes: Some(if i < 6 { 30.0 } else { 300.0 }),
                    ..DealMeasures::default()
                };
                (format!("M{i}"), m)
            })
            .collect();
        let closed: Vec<&DealPath> = deals.iter().collect();
        let factors = win_loss_factors(&closed, &measures);
        let found: Vec<(&str, usize, f64, f64)> =
            factors.iter().map(|f| (f.factor.as_str(), f.n, round2(f.win_rate), round2(f.win_rate_without))).collect();
        // Asking more: 4 of 5 against 1 of 5, the ten untranscribed deals left out. Answered fast:
        // 5 of 6 against 1 of 6 (deal 10), the eight without a lead left out.
        assert_eq!(found, [("activity:lead_answered_within_1h", 6, 83.33, 16.67), ("behaviour:questions_above_median", 5, 80.0, 20.0)]);
        assert!((factors[0].effect - 200.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_forecast_adds_what_is_won_the_open_deals_expected_to_close_and_the_run_rate() {
        // As of 11 July noon: D1 (1,000) is won. D4 (800) is open in 报价, whose win probability is
        // 1/2; it has been there 3.125 days, and of the 报价 deals that closed, the one still open
        // at that age (D1, 7 days from 报价 to close) closed within the 20.5 days left: 1.
        let end = LocalDateTime::from_parts(Day::from_ymd(2024, 7, 31).expect("date"), 23, 59, 59);
        let close_times = CloseTimes::of_deals_closed_by(&deals(), at(11, 12));
        let f = forecast(&columns(), &order(), at(1, 0), end, at(11, 12), &[1_000.0, 3_000.0], &close_times, |_| true);
        assert_eq!((f.won, f.pipeline, f.run_rate, f.open_deals), (100_000.0, 40_000.0, 2_000.0, 1));
        assert_eq!(f.forecast, 142_000.0);
        // 80% of draws: D4 won or not (half each) plus the run-rate's spread.
        assert!(f.low < 103_000.0 && f.high > 181_000.0, "{f:?}");
        // Deals created after the 4th and won by the end of July: none (D4 is open).
        assert_eq!(created_and_won(&columns(), &[(at(4, 0), end)], |_| true), [0]);
        let june = LocalDateTime::from_parts(Day::from_ymd(2024, 6, 30).expect("date"), 0, 0, 0);
        assert_eq!(created_and_won(&columns(), &[(june, end)], |_| true), [100_000]);
    }

    /// Deals over 2023–2024 of two reps: stages in order with re-entries, a stage outside the
    /// order, and some stages entered after the close, as a lax import can leave them.
    fn irregular_deals() -> Vec<DealPath> {
        let mut rng = crate::random::Rng::new(9);
        let stage_names: Vec<Arc<str>> = ["接触", "报价", "谈判", "其他"].iter().map(|s| Arc::from(*s)).collect();
        let start = Day::from_ymd(2023, 1, 1).expect("date").start().0;
        (0..300)
            .map(|n| {
                let created = start + rng.range(0, 700) * 86_400 + rng.range(0, 86_399);
                let mut at = created;
                let mut stages = Vec::new();
                for _ in 0..rng.range(1, 5) {
                    stages.push((Arc::clone(&stage_names[rng.weighted(&[3.0, 3.0, 2.0, 0.5])]), LocalDateTime(at)));
                    at += rng.range(3_600, 40 * 86_400);
                }
                let closed = rng.chance(0.8).then(|| {
                    let ending = if rng.chance(0.4) { Ending::Won } else { Ending::Lost };
                    let late = rng.chance(0.1) && stages.len() > 1;
                    let close = if late { stages[stages.len() - 1].1.0 - 60 } else { at };
                    (LocalDateTime(close), ending)
                });
                DealPath {
                    deal_id: format!("D{n}"),
                    rep_id: if rng.chance(0.5) { "R1" } else { "R2" }.into(),
                    amount: rng.range(1, 500) * 1000,
                    created_at: LocalDateTime(created),
                    closed,
                    source: None,
                    segment: None,
                    stages,
                }
            })
            .collect()
    }

    #[test]
    fn the_replay_gives_each_eve_what_the_forecast_and_weighted_pipeline_give_as_of_it() {
        let paths = irregular_deals();
        let order = order();
        let quarter_starts: Vec<Day> = (0..8).map(|q| Day::from_ymd(2023 + q / 4, (q as u32 % 4) * 3 + 1, 1).expect("date")).collect();
        let periods: Vec<EvePeriod> = quarter_starts
            .windows(2)
            .enumerate()
            .map(|(i, w)| EvePeriod {
                eve: LocalDateTime(w[0].start().0 + 30 * 86_400 + 86_399),
                end: LocalDateTime(w[1].start().0 + 30 * 86_400 - 1),
                earlier_runs: (0..i).map(|k| (k * 70_000) as f64).collect(),
            })
            .collect();
        // R2 is in the scope on every other eve only.
        let columns = DealColumns::of(&paths);
        let counts = |rep: u32, i: usize| columns.reps()[rep as usize] == "R1" || i.is_multiple_of(2);
        let all = CloseTimes::of_deals_closed_by(&paths, LocalDateTime(i64::MAX));
        let replayed = forecasts_on_eves(&columns, &order, &periods, &all, counts);
        assert_eq!(replayed.len(), periods.len());
        for (i, (period, replay)) in periods.iter().zip(&replayed).enumerate() {
            let close_times = CloseTimes::of_deals_closed_by(&paths, period.eve);
            assert_eq!(all.as_of(period.eve), close_times, "eve {i}");
            let start = LocalDateTime(period.eve.0 + 1);
            let direct =
                forecast(&columns, &order, start, period.end, period.eve, &period.earlier_runs, &close_times, |rep| counts(rep, i));
            assert_eq!(replay.forecast, direct, "eve {i}");
            let weighted: f64 = weighted_pipeline(&columns, &order, period.eve, |rep| counts(rep, i)).iter().map(|s| s.weighted).sum();
            assert_eq!(replay.weighted, weighted, "eve {i}");
        }
        // Nothing had closed by the first eve to learn from; by the others every part is at work.
        assert!(replayed[1..].iter().all(|r| r.forecast.open_deals > 0 && r.forecast.pipeline > 0.0), "{replayed:?}");
    }

    #[test]
    fn the_day_table_finds_the_same_moment_as_a_binary_search() {
        let mut rng = crate::random::Rng::new(3);
        let mut moments: Vec<LocalDateTime> = (0..40).map(|_| LocalDateTime(rng.range(0, 60 * 86_400))).collect();
        moments.sort();
        let finder = FirstAtOrAfter::new(&moments);
        for t in (0..5_000).map(|_| LocalDateTime(rng.range(-86_400, 62 * 86_400))).chain(moments.iter().copied()) {
            assert_eq!(finder.of(t), moments.partition_point(|m| *m < t), "{t:?}");
        }
        assert_eq!(FirstAtOrAfter::new(&[]).of(LocalDateTime(5)), 0);
    }

    #[test]
    fn the_calibration_corrects_the_bias_and_bounds_what_is_not_yet_won_by_the_past_errors() {
        // Forecasts of 100 that came to 110, 90 and 100: errors ln 1.1 = 0.09531, ln 0.9 =
        // −0.10536 and 0; mean ē = −0.00335, SD s = 0.10038. t₀.₉ with 2 degrees of freedom is
        // 1.88562, × √(1 + 1/3) = 2.17732; × s = 0.21855.
        let c = Calibration::of(&[(100.0, 110.0), (100.0, 90.0), (100.0, 100.0), (0.0, 40.0)]).expect("three errors");
        assert_eq!(c.periods, 3, "a zero forecast has no log error");
        assert!((c.bias + 0.003_350_1).abs() < 1e-6 && (c.spread - 0.100_377_3).abs() < 1e-6, "{c:?}");
        // 50 won of a forecast of 200: the 150 ahead becomes 150·e^ē = 149.50, bounded by
        // 150·e^(ē ∓ 0.21855) = 120.15 and 186.02.
        let (point, low, high) = c.apply(50.0, 200.0);
        assert!((point - 199.498).abs() < 1e-3 && (low - 170.149).abs() < 1e-3 && (high - 236.017).abs() < 1e-3, "{point} {low} {high}");
        assert_eq!(Calibration::of(&[(100.0, 110.0), (100.0, 90.0)]), None, "two quarters are too few");
    }

    #[test]
    fn win_rates_are_shrunk_toward_the_pool_by_the_spread_beyond_chance() {
        // Pooled 40 of 80 = 0.5. Rates 0.9, 0.1, 0.5, 0.5 (n 20 each): Σ n(r − p₀)² = 6.4, chance
        // 3 × 0.25 = 0.75, denominator 80 − 1600/80 = 60 → τ² = 0.094167, k = 0.25/τ² − 1 = 1.65,
        // raised to the floor of 10.
        let shrunk = shrunk_win_rates(&[(18, 20), (2, 20), (10, 20), (10, 20)]).expect("rates");
        assert_eq!((shrunk.pooled, shrunk.strength), (0.5, 10.0));
        assert!((shrunk.rates[0] - 23.0 / 30.0).abs() < 1e-12);
        // 2 of 2 beside 30 of 60 and 28 of 58: Σ n(r − p₀)² = 0.517 against 0.5 by chance → τ² =
        // 0.00028, k = 901 → 200: the 2 of 2 stays near the pool.
        let even = shrunk_win_rates(&[(2, 2), (30, 60), (28, 58)]).expect("rates");
        assert_eq!(even.strength, 200.0);
        assert!(even.rates[0] < 0.51 && even.rates[0] > even.rates[2], "{even:?}");
        let strong = shrunk_win_rates(&[(2, 2), (40, 60), (20, 60)]).expect("rates");
        assert!(strong.rates[1] > strong.rates[0], "30 of 40-level evidence beats 2 of 2: {strong:?}");
        assert_eq!(shrunk_win_rates(&[(0, 0)]), None);
    }

    #[test]
    fn a_short_perfect_record_ranks_below_long_records_by_the_lower_bound() {
        let bound = |shrunk: &Shrunk, w, n| (shrunk.lower_bound(w, n) * 10_000.0).round() / 10_000.0;
        // Pooled 87 of 99; the three vary less than chance, so k = 200 and the pooled shrinkage
        // alone puts 4 of 4 above 29 of 35: (4 + 175.76) / 204 = 0.881 > (29 + 175.76) / 235 = 0.871.
        let high = shrunk_win_rates(&[(4, 4), (29, 35), (54, 60)]).expect("rates");
        assert_eq!(high.strength, 200.0);
        assert!(high.rates[0] > high.rates[1], "{high:?}");
        // Without a prior, the 10th percentile of Beta(5, 1) is 0.1^(1/5) = 0.63096, of Beta(30, 7)
        // 0.7258 and of Beta(55, 7) 0.8337 (numerical integration of the density), each below its
        // pooled bound (0.8515, 0.8427, 0.8577): 54 of 60, then 29 of 35, then 4 of 4.
        assert_eq!((bound(&high, 4, 4), bound(&high, 29, 35), bound(&high, 54, 60)), (0.631, 0.7258, 0.8337));
        // A segment won 37 of 105 times (p₀ = 0.3524, k at its floor of 10): 2 of 2 has
        // 0.1^(1/3) = 46.4% without a prior, but its pooled posterior Beta(5.524, 6.476) keeps it
        // at 28.0%, below 28 of 63 at 35.8% (Beta(31.52, 41.48); 36.8% without a prior).
        let low = shrunk_win_rates(&[(2, 2), (28, 63), (7, 40)]).expect("rates");
        assert_eq!(low.strength, 10.0);
        assert!((low.lower_bound(2, 2) - 0.2803).abs() < 1e-3, "{}", low.lower_bound(2, 2));
        assert!((low.lower_bound(28, 63) - 0.3581).abs() < 1e-3, "{}", low.lower_bound(28, 63));
    }

    #[test]
    fn the_reps_categories_roll_up_the_crm_way() {
        // As of the 11th: D1 (1,000) won on the 10th; D4 (800) open, put in commit. A second open
        // deal of 500 without a category counts as pipeline.
        let mut all = deals();
        all.push(path("D6", 9, &[("接触", 9)], None, 50_000));
        let category = |i: usize| (all[i].deal_id == "D4").then_some(ForecastCategory::Commit);
        let rollup = category_rollup(&DealColumns::of(&all), category, at(1, 0), at(11, 12), |_| true);
        assert_eq!(rollup, CategoryRollup { closed: 100_000, commit: 180_000, best_case: 180_000, pipeline: 230_000 });
        assert_eq!(ForecastCategory::from_id("best_case"), Some(ForecastCategory::BestCase));
    }

    #[test]
    fn volatility_is_the_population_coefficient_of_variation() {
        // Mean 2, population sd √((1 + 1 + 1 + 1) / 4) = 1.
        assert_eq!(coefficient_of_variation(&[1.0, 3.0, 1.0, 3.0]), Some(0.5));
        assert_eq!(coefficient_of_variation(&[0.0, 0.0]), None);
        assert_eq!(coefficient_of_variation(&[]), None);
    }
}

//! Difference-in-differences for training effectiveness (Kirkpatrick level 4): did the reps who
//! attended a training improve a weekly KPI by more than the reps who did not, over the same weeks?
//!
//! A plain before/after comparison of trained reps credits the training with everything else that
//! changed meanwhile (season, pricing, a new product). Comparing against untrained reps over the
//! same weeks removes what is common to everyone. The model is the two-way fixed-effects
//! regression
//!
//! ```text
//! y_it = a_i + g_t + beta * D_it + e_it,   D_it = 1 when rep i is trained and week t >= its training week
//! ```
//!
//! with rep effects `a_i` (some reps are simply better) and week effects `g_t` (some weeks are
//! simply better). A rep's weeks are correlated with each other, so standard errors are clustered
//! by rep (CR1, as Stata and statsmodels compute them) and intervals use the t distribution with
//! one fewer degree of freedom than there are reps: with a sales team of a dozen reps the normal
//! approximation would promise more certainty than the data hold.
//!
//! The fixed effects are removed by alternating projections (Frisch–Waugh–Lovell), so the only
//! linear system solved is the small one for the coefficients of interest, whatever the number of
//! reps and weeks.

use std::collections::{BTreeMap, BTreeSet};

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::stats::{mean, sample_variance};

/// One rep's KPI value for one week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub unit: u32,
    pub week: i32,
    pub value: f64,
}

/// Treated units and the week their training took effect (event week 0). Units absent are controls.
pub type TrainingWeeks = BTreeMap<u32, i32>;

/// The training's effect on the KPI, with its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub effect: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    /// clusters − 1: the t distribution's degrees of freedom
    pub degrees_of_freedom: f64,
    pub observations: usize,
    pub treated_units: usize,
    pub control_units: usize,
}

impl Estimate {
    /// Whether the interval excludes zero: the data show an effect.
    pub fn is_detectable(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }
}

/// The effect `relative_week` weeks after training (negative: before), against the week just
/// before training.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPoint {
    pub relative_week: i32,
    pub effect: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// How much faster the trained reps' KPI was already moving than the controls' before training.
#[derive(Debug, Clone, PartialEq)]
pub struct PreTrend {
    /// Weekly slope of the trained reps minus that of the controls, before training.
    pub slope_difference: f64,
    pub std_error: f64,
    pub p_value: f64,
}

impl PreTrend {
    /// Whether the data are consistent with parallel pre-training trends, the assumption that
    /// lets the controls stand in for what the trained reps would have done untrained.
    pub fn parallel(&self) -> bool {
        self.p_value >= 0.05
    }
}

/// Trained reps' mean KPI before and after training, ignoring the controls.
#[derive(Debug, Clone, PartialEq)]
pub struct BeforeAfter {
    pub before: f64,
    pub after: f64,
    /// after − before
    pub difference: f64,
    pub units: usize,
}

/// Paired t test of after − before, with its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedTest {
    pub mean_before: f64,
    pub mean_after: f64,
    pub mean_gain: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub pairs: usize,
}

/// A unit's pre-period level and weekly trend, the coordinates automatic control selection
/// matches on.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitProfile {
    pub unit: u32,
    pub level: f64,
    pub trend: f64,
}

/// Alternating projections stop when a sweep moves no value by more than this (relative to the
/// variable's magnitude, so that large KPI values such as revenue converge as well as rates).
const CONVERGENCE: f64 = 1e-12;
const MAX_SWEEPS: usize = 10_000;
/// A regressor whose sum of squares shrinks by this factor when the fixed effects are removed
/// is explained by them: its coefficient is not identified.
const ABSORBED: f64 = 1e-10;
/// A Cholesky pivot this small relative to its diagonal means the regressors are collinear.
const COLLINEAR: f64 = 1e-10;

/// The two-way fixed-effects estimate of the training effect.
///
/// `None` when fewer than two treated or two control units have (finite) observations, or when
/// the design cannot separate the training from the rep and week effects (e.g. no treated rep
/// is observed both before and after its training). Non-finite values are skipped.
pub fn difference_in_differences(obs: &[Observation], trained: &TrainingWeeks) -> Option<Estimate> {
    let rows = usable(obs);
    let (treated_units, control_units) = group_sizes(&rows, trained);
    if treated_units < 2 || control_units < 2 {
        return None;
    }
    let panel = Panel::new(&rows);
    let treatment: Vec<f64> = rows.iter().map(|o| indicator(is_post(o, trained))).collect();
    let residual = panel.residualise(&treatment);
    if absorbed(&treatment, &residual) {
        return None;
    }
    let fit = panel.cluster_ols(&values(&rows), &[residual])?;
    let (effect, std_error) = (*fit.coefficients.first()?, *fit.std_errors.first()?);
    let (ci_low, ci_high, p_value) = t_inference(effect, std_error, fit.degrees_of_freedom)?;
    Some(Estimate {
        effect,
        std_error,
        ci_low,
        ci_high,
        p_value,
        degrees_of_freedom: fit.degrees_of_freedom,
        observations: rows.len(),
        treated_units,
        control_units,
    })
}

/// The effect week by week around training: one dummy per relative week observed among treated
/// units, against the week just before training (relative week −1, reported with effect 0 and a
/// zero-width interval). Sorted by relative week.
///
/// Relative weeks the fixed effects fully explain are left out. `None` under the conditions of
/// [`difference_in_differences`], when no treated unit is observed in the reference week, or
/// when the dummies are collinear.
pub fn event_study(obs: &[Observation], trained: &TrainingWeeks) -> Option<Vec<EventPoint>> {
    let rows = usable(obs);
    let (treated_units, control_units) = group_sizes(&rows, trained);
    if treated_units < 2 || control_units < 2 {
        return None;
    }
    let relative: Vec<Option<i32>> = rows.iter().map(|o| relative_week(o, trained)).collect();
    let observed: BTreeSet<i32> = relative.iter().flatten().copied().collect();
    if !observed.contains(&-1) {
        return None;
    }
    let panel = Panel::new(&rows);
    let mut weeks = Vec::new();
    let mut columns = Vec::new();
    for &k in observed.iter().filter(|&&k| k != -1) {
        let dummy: Vec<f64> = relative.iter().map(|r| indicator(*r == Some(k))).collect();
        let residual = panel.residualise(&dummy);
        if !absorbed(&dummy, &residual) {
            weeks.push(k);
            columns.push(residual);
        }
    }
    if columns.is_empty() {
        return None;
    }
    let fit = panel.cluster_ols(&values(&rows), &columns)?;
    let mut points = vec![EventPoint { relative_week: -1, effect: 0.0, ci_low: 0.0, ci_high: 0.0 }];
    for ((&relative_week, &effect), &std_error) in weeks.iter().zip(&fit.coefficients).zip(&fit.std_errors) {
        let (ci_low, ci_high, _) = t_inference(effect, std_error, fit.degrees_of_freedom)?;
        points.push(EventPoint { relative_week, effect, ci_low, ci_high });
    }
    points.sort_by_key(|p| p.relative_week);
    Some(points)
}

/// Tests for a differential linear trend before training, the visible symptom of non-parallel
/// trends.
///
/// Uses only pre-period observations: treated units' weeks before their training week and
/// control observations before the last training week. Regresses the KPI on rep and week fixed
/// effects plus treated × (week − training week), with rep-clustered standard errors. `None` when
/// fewer than two treated or two control units remain, or the trend is not identified (e.g. a
/// single pre-period week).
pub fn pre_trend(obs: &[Observation], trained: &TrainingWeeks) -> Option<PreTrend> {
    let all = usable(obs);
    let last_training = all.iter().filter_map(|o| trained.get(&o.unit)).max().copied()?;
    let rows: Vec<Observation> = all
        .into_iter()
        .filter(|o| match trained.get(&o.unit) {
            Some(&week) => o.week < week,
            None => o.week < last_training,
        })
        .collect();
    let (treated_units, control_units) = group_sizes(&rows, trained);
    if treated_units < 2 || control_units < 2 {
        return None;
    }
    let panel = Panel::new(&rows);
    let trend: Vec<f64> = rows.iter().map(|o| relative_week(o, trained).map_or(0.0, f64::from)).collect();
    let residual = panel.residualise(&trend);
    if absorbed(&trend, &residual) {
        return None;
    }
    let fit = panel.cluster_ols(&values(&rows), &[residual])?;
    let (slope_difference, std_error) = (*fit.coefficients.first()?, *fit.std_errors.first()?);
    let (_, _, p_value) = t_inference(slope_difference, std_error, fit.degrees_of_freedom)?;
    Some(PreTrend { slope_difference, std_error, p_value })
}

/// Trained units' pooled mean KPI before their training week against at/after it: the naive
/// comparison shown beside the difference-in-differences, biased by anything else that changed
/// over the same weeks. `None` without both before and after observations.
pub fn naive_before_after(obs: &[Observation], trained: &TrainingWeeks) -> Option<BeforeAfter> {
    let rows: Vec<Observation> = usable(obs).into_iter().filter(|o| trained.contains_key(&o.unit)).collect();
    let (after, before): (Vec<Observation>, Vec<Observation>) = rows.iter().partition(|o| is_post(o, trained));
    let before = mean(&values(&before))?;
    let after = mean(&values(&after))?;
    let units = rows.iter().map(|o| o.unit).collect::<BTreeSet<_>>().len();
    Some(BeforeAfter { before, after, difference: after - before, units })
}

/// Paired t test of the gains `after − before` over `(before, after)` pairs; pairs with a
/// non-finite value are skipped.
///
/// `None` below two pairs. When every gain is the same the test is degenerate: a nonzero common
/// gain is certain (p = 0, the interval is the point), a zero one shows nothing (p = 1).
pub fn paired_t_test(pairs: &[(f64, f64)]) -> Option<PairedTest> {
    let pairs: Vec<(f64, f64)> = pairs.iter().copied().filter(|(b, a)| b.is_finite() && a.is_finite()).collect();
    if pairs.len() < 2 {
        return None;
    }
    let gains: Vec<f64> = pairs.iter().map(|(b, a)| a - b).collect();
    let mean_before = mean(&pairs.iter().map(|p| p.0).collect::<Vec<_>>())?;
    let mean_after = mean(&pairs.iter().map(|p| p.1).collect::<Vec<_>>())?;
    let mean_gain = mean(&gains)?;
    let all_equal = gains.iter().all(|g| *g == gains[0]);
    let std_error = if all_equal { 0.0 } else { (sample_variance(&gains)? / gains.len() as f64).sqrt() };
    let (ci_low, ci_high, p_value) = t_inference(mean_gain, std_error, (gains.len() - 1) as f64)?;
    Some(PairedTest { mean_before, mean_after, mean_gain, ci_low, ci_high, p_value, pairs: pairs.len() })
}

/// The unit's mean and least-squares weekly slope over its (finite) values in weeks before
/// `before_week`. `None` under two observations or when they all fall in one week.
pub fn profile(obs: &[Observation], unit: u32, before_week: i32) -> Option<UnitProfile> {
    let rows: Vec<Observation> = usable(obs).into_iter().filter(|o| o.unit == unit && o.week < before_week).collect();
    if rows.len() < 2 {
        return None;
    }
    let level = mean(&values(&rows))?;
    let mean_week = mean(&rows.iter().map(|o| f64::from(o.week)).collect::<Vec<_>>())?;
    let spread: f64 = rows.iter().map(|o| (f64::from(o.week) - mean_week).powi(2)).sum();
    if spread <= 0.0 {
        return None;
    }
    let covariation: f64 = rows.iter().map(|o| (f64::from(o.week) - mean_week) * (o.value - level)).sum();
    Some(UnitProfile { unit, level, trend: covariation / spread })
}

/// Picks comparison units that looked like the treated ones before training: nearest neighbours
/// on (level, trend), each coordinate divided by its standard deviation over treated and
/// candidates together so that neither dominates because of its units.
///
/// Without replacement: treated units are served in the given order, each taking its
/// `per_treated` nearest still-unused candidates (ties to the lower unit id). Candidates that are
/// themselves treated units are never picked. Returns the chosen unit ids, sorted.
pub fn match_controls(treated: &[UnitProfile], candidates: &[UnitProfile], per_treated: usize) -> Vec<u32> {
    let everyone: Vec<&UnitProfile> = treated.iter().chain(candidates).collect();
    let spread = |coordinate: fn(&UnitProfile) -> f64| {
        let values: Vec<f64> = everyone.iter().map(|p| coordinate(p)).collect();
        // One profile, or all equal: the coordinate cannot tell anyone apart, so any scale does.
        sample_variance(&values).map(f64::sqrt).filter(|sd| sd.is_finite() && *sd > 0.0).unwrap_or(1.0)
    };
    let (level_sd, trend_sd) = (spread(|p| p.level), spread(|p| p.trend));
    let treated_ids: BTreeSet<u32> = treated.iter().map(|p| p.unit).collect();
    let mut used: BTreeSet<u32> = BTreeSet::new();
    for target in treated {
        let mut ranked: Vec<(f64, u32)> = candidates
            .iter()
            .filter(|c| !treated_ids.contains(&c.unit) && !used.contains(&c.unit))
            .map(|c| (((c.level - target.level) / level_sd).powi(2) + ((c.trend - target.trend) / trend_sd).powi(2), c.unit))
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut taken = 0;
        for (_, unit) in ranked {
            if taken == per_treated {
                break;
            }
            // A unit listed twice among the candidates is still one unit.
            if used.insert(unit) {
                taken += 1;
            }
        }
    }
    used.into_iter().collect()
}

fn usable(obs: &[Observation]) -> Vec<Observation> {
    obs.iter().copied().filter(|o| o.value.is_finite()).collect()
}

fn values(rows: &[Observation]) -> Vec<f64> {
    rows.iter().map(|o| o.value).collect()
}

fn indicator(on: bool) -> f64 {
    if on { 1.0 } else { 0.0 }
}

fn is_post(o: &Observation, trained: &TrainingWeeks) -> bool {
    trained.get(&o.unit).is_some_and(|&week| o.week >= week)
}

/// Weeks since training (`None` for controls).
fn relative_week(o: &Observation, trained: &TrainingWeeks) -> Option<i32> {
    trained.get(&o.unit).map(|&week| o.week - week)
}

/// (treated, control) units with at least one row.
fn group_sizes(rows: &[Observation], trained: &TrainingWeeks) -> (usize, usize) {
    let units: BTreeSet<u32> = rows.iter().map(|o| o.unit).collect();
    let treated = units.iter().filter(|u| trained.contains_key(u)).count();
    (treated, units.len() - treated)
}

fn sum_of_squares(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

fn absorbed(raw: &[f64], residual: &[f64]) -> bool {
    let before = sum_of_squares(raw);
    !(before > 0.0 && sum_of_squares(residual) > ABSORBED * before)
}

/// The 95% interval and two-sided p-value of `estimate` under a t distribution. A zero standard
/// error (a perfect fit) makes a nonzero estimate certain and a zero one uninformative.
fn t_inference(estimate: f64, std_error: f64, degrees_of_freedom: f64) -> Option<(f64, f64, f64)> {
    if !estimate.is_finite() || !std_error.is_finite() || std_error < 0.0 {
        return None;
    }
    if std_error == 0.0 {
        return Some((estimate, estimate, if estimate == 0.0 { 1.0 } else { 0.0 }));
    }
    let t = StudentsT::new(0.0, 1.0, degrees_of_freedom).ok()?;
    let margin = t.inverse_cdf(0.975) * std_error;
    // 2·F(−|t|) rather than 2·(1 − F(|t|)): the lower tail keeps its precision for tiny p.
    let p_value = (2.0 * t.cdf(-(estimate / std_error).abs())).clamp(0.0, 1.0);
    Some((estimate - margin, estimate + margin, p_value))
}

/// Which rep and which week each row belongs to, for removing their fixed effects.
struct Panel {
    unit_of: Vec<usize>,
    week_of: Vec<usize>,
    unit_rows: Vec<f64>,
    week_rows: Vec<f64>,
    /// Rank of the intercept plus rep and week dummies: reps + weeks − (connected groups of reps
    /// and weeks that share observations), i.e. reps + weeks − 1 for any usual panel.
    fixed_effects_rank: usize,
}

/// A regression's coefficients and rep-clustered standard errors.
struct Fit {
    coefficients: Vec<f64>,
    std_errors: Vec<f64>,
    degrees_of_freedom: f64,
}

impl Panel {
    fn new(rows: &[Observation]) -> Panel {
        let units: BTreeMap<u32, usize> =
            rows.iter().map(|o| o.unit).collect::<BTreeSet<_>>().into_iter().enumerate().map(|(i, u)| (u, i)).collect();
        let weeks: BTreeMap<i32, usize> =
            rows.iter().map(|o| o.week).collect::<BTreeSet<_>>().into_iter().enumerate().map(|(i, w)| (w, i)).collect();
        let unit_of: Vec<usize> = rows.iter().map(|o| units.get(&o.unit).copied().unwrap_or_default()).collect();
        let week_of: Vec<usize> = rows.iter().map(|o| weeks.get(&o.week).copied().unwrap_or_default()).collect();
        let mut unit_rows = vec![0.0; units.len()];
        let mut week_rows = vec![0.0; weeks.len()];
        for (&u, &w) in unit_of.iter().zip(&week_of) {
            unit_rows[u] += 1.0;
            week_rows[w] += 1.0;
        }
        let groups = connected_groups(&unit_of, &week_of, units.len(), weeks.len());
        Panel { unit_of, week_of, unit_rows, week_rows, fixed_effects_rank: units.len() + weeks.len() - groups }
    }

    /// `values` minus its projection on the rep and week dummies: demean by rep, then by week,
    /// until a sweep changes nothing (one sweep when every rep is observed every week).
    fn residualise(&self, values: &[f64]) -> Vec<f64> {
        let mut v = values.to_vec();
        let tolerance = CONVERGENCE * v.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
        let mut unit_mean = vec![0.0; self.unit_rows.len()];
        let mut week_mean = vec![0.0; self.week_rows.len()];
        for _ in 0..MAX_SWEEPS {
            unit_mean.iter_mut().for_each(|m| *m = 0.0);
            for (x, &u) in v.iter().zip(&self.unit_of) {
                unit_mean[u] += x;
            }
            unit_mean.iter_mut().zip(&self.unit_rows).for_each(|(m, n)| *m /= n);
            for (x, &u) in v.iter_mut().zip(&self.unit_of) {
                *x -= unit_mean[u];
            }
            week_mean.iter_mut().for_each(|m| *m = 0.0);
            for (x, &w) in v.iter().zip(&self.week_of) {
                week_mean[w] += x;
            }
            week_mean.iter_mut().zip(&self.week_rows).for_each(|(m, n)| *m /= n);
            for (x, &w) in v.iter_mut().zip(&self.week_of) {
                *x -= week_mean[w];
            }
            let change = self.unit_of.iter().zip(&self.week_of).map(|(&u, &w)| (unit_mean[u] + week_mean[w]).abs()).fold(0.0, f64::max);
            if change < tolerance {
                break;
            }
        }
        v
    }

    /// OLS of `y` (raw) on regressors already residualised on the fixed effects, with CR1
    /// rep-clustered covariance as statsmodels computes it on the full dummy regression:
    /// V = c·B·(Σ_g s_g s_gᵀ)·B, B = (X̃ᵀX̃)⁻¹, s_g = Σ_{i∈g} x̃_i û_i,
    /// c = G/(G−1) · (N−1)/(N−K) with K the rank of the full design (fixed effects + regressors).
    fn cluster_ols(&self, y: &[f64], columns: &[Vec<f64>]) -> Option<Fit> {
        let y = self.residualise(y);
        let k = columns.len();
        let n = y.len();
        let clusters = self.unit_rows.len();
        let parameters = self.fixed_effects_rank + k;
        if clusters < 2 || n <= parameters {
            return None;
        }
        let cross: Vec<Vec<f64>> = columns.iter().map(|a| columns.iter().map(|b| dot(a, b)).collect()).collect();
        let bread = inverse(&cholesky(&cross)?);
        let moments: Vec<f64> = columns.iter().map(|x| dot(x, &y)).collect();
        let coefficients: Vec<f64> = bread.iter().map(|row| dot(row, &moments)).collect();
        let mut scores = vec![vec![0.0; k]; clusters];
        for (i, (&yi, &g)) in y.iter().zip(&self.unit_of).enumerate() {
            let residual = yi - columns.iter().zip(&coefficients).map(|(x, b)| x[i] * b).sum::<f64>();
            for (s, x) in scores[g].iter_mut().zip(columns) {
                *s += x[i] * residual;
            }
        }
        let meat: Vec<Vec<f64>> = (0..k).map(|a| (0..k).map(|b| scores.iter().map(|s| s[a] * s[b]).sum()).collect()).collect();
        let g = clusters as f64;
        let correction = g / (g - 1.0) * (n as f64 - 1.0) / (n - parameters) as f64;
        let std_errors: Vec<f64> = (0..k)
            .map(|a| {
                // Only the diagonal of B·M·B is needed: bᵀ M b for row b of B.
                let row = &bread[a];
                let quadratic: f64 = meat.iter().zip(row).map(|(m, r)| r * dot(m, row)).sum();
                (correction * quadratic).max(0.0).sqrt()
            })
            .collect();
        Some(Fit { coefficients, std_errors, degrees_of_freedom: g - 1.0 })
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Number of connected components of the graph linking each rep to the weeks it was observed:
/// each component beyond the first makes one more dummy redundant.
fn connected_groups(unit_of: &[usize], week_of: &[usize], units: usize, weeks: usize) -> usize {
    let mut parent: Vec<usize> = (0..units + weeks).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (&u, &w) in unit_of.iter().zip(week_of) {
        let (a, b) = (root(&mut parent, u), root(&mut parent, units + w));
        if a != b {
            parent[a] = b;
        }
    }
    (0..units + weeks).filter(|&i| root(&mut parent, i) == i).count()
}

/// Lower-triangular L with L·Lᵀ = `a`; `None` when a pivot collapses relative to its diagonal,
/// i.e. the regressors are (nearly) collinear.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let diagonal = a[j][j] - sum_of_squares(&l[j][..j]);
        if !diagonal.is_finite() || diagonal <= COLLINEAR * a[j][j] || diagonal <= 0.0 {
            return None;
        }
        let pivot = diagonal.sqrt();
        l[j][j] = pivot;
        for i in j + 1..n {
            let value = (a[i][j] - dot(&l[i][..j], &l[j][..j])) / pivot;
            l[i][j] = value;
        }
    }
    Some(l)
}

/// (L·Lᵀ)⁻¹ from the Cholesky factor, by forward and back substitution on each unit vector.
fn inverse(l: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = l.len();
    let mut columns = Vec::with_capacity(n);
    for e in 0..n {
        let mut z = vec![0.0; n];
        for i in 0..n {
            let rhs = if i == e { 1.0 } else { 0.0 };
            z[i] = (rhs - dot(&l[i][..i], &z[..i])) / l[i][i];
        }
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            let tail: f64 = (i + 1..n).map(|r| l[r][i] * x[r]).sum();
            x[i] = (z[i] - tail) / l[i][i];
        }
        columns.push(x);
    }
    // Symmetric, so the columns are also the rows.
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_of(unit: u32, level: f64, trend: f64) -> UnitProfile {
        UnitProfile { unit, level, trend }
    }

    /// 3 treated (units 1–3, trained at week 3) and 3 controls over weeks 0–5: additive rep and
    /// week effects, effect `effect`, and a small deterministic non-additive wobble as noise.
    fn small_panel(effect: f64) -> (Vec<Observation>, TrainingWeeks) {
        let trained: TrainingWeeks = [(1, 3), (2, 3), (3, 3)].into_iter().collect();
        let mut obs = Vec::new();
        for unit in 1..=6u32 {
            for week in 0..6 {
                let wobble = f64::from((unit * 7 + week as u32 * 3) % 5) * 0.1;
                let treated = trained.get(&unit).is_some_and(|&w| week >= w);
                let value = f64::from(unit) + 0.5 * f64::from(week) + wobble + if treated { effect } else { 0.0 };
                obs.push(Observation { unit, week, value });
            }
        }
        (obs, trained)
    }

    #[test]
    fn matching_is_deterministic_without_replacement_and_breaks_ties_by_unit_id() {
        let treated = [profile_of(1, 10.0, 0.0), profile_of(2, 10.0, 0.0)];
        // 12 and 11 are equally near; 11 wins the tie, then 12 is next for the second treated unit.
        let candidates = [profile_of(12, 11.0, 0.0), profile_of(11, 9.0, 0.0), profile_of(13, 20.0, 0.0)];
        assert_eq!(match_controls(&treated, &candidates, 1), vec![11, 12]);
        let mut reversed = candidates.clone();
        reversed.reverse();
        assert_eq!(match_controls(&treated, &reversed, 1), vec![11, 12]);
        // More wanted than available: everyone is used once.
        assert_eq!(match_controls(&treated, &candidates, 5), vec![11, 12, 13]);
        assert!(match_controls(&treated, &candidates, 0).is_empty());
    }

    #[test]
    fn matching_weighs_coordinates_by_their_spread_and_survives_constant_ones() {
        // In raw units 2 is nearest (0.4 away against 3); standardised, a 3-point level gap is
        // small beside the spread of levels while 0.4 a week is large beside that of trends.
        let treated = [profile_of(1, 100.0, 0.10)];
        let candidates = [profile_of(2, 100.0, 0.50), profile_of(3, 103.0, 0.10), profile_of(5, 160.0, 0.12)];
        assert_eq!(match_controls(&treated, &candidates, 1), vec![3]);
        // Every coordinate constant: zero spread must not turn distances into NaN; ties go by id.
        let flat = [profile_of(9, 1.0, 0.0), profile_of(8, 1.0, 0.0)];
        assert_eq!(match_controls(&[profile_of(1, 1.0, 0.0)], &flat, 1), vec![8]);
        // A candidate that is itself treated is not a control, and duplicates count once.
        let dup = [profile_of(1, 1.0, 0.0), profile_of(5, 2.0, 0.0), profile_of(5, 2.0, 0.0)];
        assert_eq!(match_controls(&[profile_of(1, 1.0, 0.0)], &dup, 2), vec![5]);
    }

    #[test]
    fn profile_is_the_pre_period_mean_and_slope() {
        let obs: Vec<Observation> = (0..6).map(|week| Observation { unit: 4, week, value: 3.0 + 2.0 * f64::from(week) }).collect();
        let p = profile(&obs, 4, 4).expect("four pre weeks");
        assert!((p.level - 6.0).abs() < 1e-12 && (p.trend - 2.0).abs() < 1e-12, "{p:?}");
        assert_eq!(profile(&obs, 4, 1), None);
        assert_eq!(profile(&obs, 5, 4), None);
        let same_week = [Observation { unit: 1, week: 0, value: 1.0 }, Observation { unit: 1, week: 0, value: 2.0 }];
        assert_eq!(profile(&same_week, 1, 5), None);
    }

    #[test]
    fn paired_test_handles_degenerate_gains() {
        assert_eq!(paired_t_test(&[]), None);
        assert_eq!(paired_t_test(&[(1.0, 2.0)]), None);
        assert_eq!(paired_t_test(&[(1.0, 2.0), (f64::NAN, 3.0)]), None);
        let same = paired_t_test(&[(1.0, 3.0), (5.0, 7.0), (2.0, 4.0)]).expect("three pairs");
        assert_eq!((same.mean_gain, same.ci_low, same.ci_high, same.p_value), (2.0, 2.0, 2.0, 0.0));
        let none = paired_t_test(&[(1.0, 1.0), (4.0, 4.0)]).expect("two pairs");
        assert_eq!((none.mean_gain, none.ci_low, none.ci_high, none.p_value), (0.0, 0.0, 0.0, 1.0));
        assert_eq!(none.pairs, 2);
    }

    #[test]
    fn a_small_panel_estimates_near_the_effect_and_lists_every_relative_week() {
        let (obs, trained) = small_panel(2.0);
        let e = difference_in_differences(&obs, &trained).expect("estimable");
        assert_eq!((e.observations, e.treated_units, e.control_units), (36, 3, 3));
        assert_eq!(e.degrees_of_freedom, 5.0);
        // The wobble is not perfectly additive, so the fit is close but not exact.
        assert!((e.effect - 2.0).abs() < 0.3, "{e:?}");
        let points = event_study(&obs, &trained).expect("estimable");
        let weeks: Vec<i32> = points.iter().map(|p| p.relative_week).collect();
        assert_eq!(weeks, vec![-3, -2, -1, 0, 1, 2]);
        assert_eq!(points[2], EventPoint { relative_week: -1, effect: 0.0, ci_low: 0.0, ci_high: 0.0 });
    }

    #[test]
    fn additive_data_are_fitted_exactly() {
        let trained: TrainingWeeks = [(1, 2), (2, 4)].into_iter().collect();
        let obs: Vec<Observation> = (1..=4u32)
            .flat_map(|unit| (0..6).map(move |week| (unit, week)))
            .filter(|&(unit, week)| (unit, week) != (3, 1) && (unit, week) != (2, 5))
            .map(|(unit, week)| {
                let post = trained.get(&unit).is_some_and(|&w| week >= w);
                let value = 10.0 * f64::from(unit) + f64::from(week * week) + if post { 1.25 } else { 0.0 };
                Observation { unit, week, value }
            })
            .collect();
        let e = difference_in_differences(&obs, &trained).expect("estimable");
        assert!((e.effect - 1.25).abs() < 1e-9 && e.std_error < 1e-9, "{e:?}");
    }

    #[test]
    fn degenerate_designs_are_not_estimated() {
        let (obs, trained) = small_panel(1.0);
        // One control only.
        let few: Vec<Observation> = obs.iter().copied().filter(|o| o.unit != 6 && o.unit != 5).collect();
        assert_eq!(difference_in_differences(&few, &trained), None);
        assert_eq!(event_study(&few, &trained), None);
        // Training before the panel starts: treatment is just "is a treated rep", which the rep
        // effects absorb.
        let early: TrainingWeeks = [(1, -5), (2, -5), (3, -5)].into_iter().collect();
        assert_eq!(difference_in_differences(&obs, &early), None);
        assert_eq!(event_study(&obs, &early), None);
        assert_eq!(pre_trend(&obs, &early), None);
        // Nobody trained.
        assert_eq!(difference_in_differences(&obs, &TrainingWeeks::new()), None);
        assert_eq!(naive_before_after(&obs, &TrainingWeeks::new()), None);
        assert_eq!(pre_trend(&obs, &TrainingWeeks::new()), None);
        assert_eq!(difference_in_differences(&[], &trained), None);
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let (mut obs, trained) = small_panel(1.0);
        let clean = difference_in_differences(&obs, &trained).expect("estimable");
        obs.push(Observation { unit: 1, week: 9, value: f64::NAN });
        obs.push(Observation { unit: 5, week: 2, value: f64::INFINITY });
        assert_eq!(difference_in_differences(&obs, &trained), Some(clean));
    }

    #[test]
    fn naive_comparison_pools_the_trained_units_observations() {
        let (obs, trained) = small_panel(2.0);
        let naive = naive_before_after(&obs, &trained).expect("before and after");
        assert_eq!(naive.units, 3);
        assert!((naive.difference - (naive.after - naive.before)).abs() < 1e-12);
        // Common growth of 0.5 a week over 3 weeks (1.5) plus the effect 2, give or take the wobble.
        assert!((naive.difference - 3.5).abs() < 0.3, "{naive:?}");
    }

    #[test]
    fn disconnected_panels_count_the_redundant_dummies() {
        // Units 0,1 observed in weeks 0,1; unit 2 only in week 5: two groups.
        let (unit_of, week_of) = ([0, 0, 1, 1, 2], [0, 1, 0, 1, 2]);
        assert_eq!(connected_groups(&unit_of, &week_of, 3, 3), 2);
    }
}

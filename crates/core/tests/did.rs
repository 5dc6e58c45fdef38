//! Difference-in-differences against independently computed numbers.
//!
//! `scripts/reference/did_reference.py` built the panels in `tests/data/did/*.csv` (balanced;
//! unbalanced with missing rep-weeks, AR(1) noise and a differential pre-trend; staggered training
//! weeks) and fitted the full dummy regression `value ~ 1 + C(unit) + C(week) + regressors` with
//! statsmodels 0.15.0 OLS, `cov_type="cluster"` by unit (CR1), after checking the design has full
//! rank (so statsmodels' column count equals the rank the Rust code uses). Intervals and p-values
//! use scipy 1.17.1's t distribution with clusters − 1 degrees of freedom; the naive comparison
//! and profiles use pandas 3.1.1 / `numpy.polyfit`, the paired test `scipy.stats.ttest_rel`. The
//! numbers are in `tests/data/did/expected.txt`; rerun the script to regenerate everything.

use std::collections::BTreeMap;

use salescope_core::did::{
    Observation, TrainingWeeks, difference_in_differences, event_study, naive_before_after, paired_t_test, pre_trend, profile,
};

const PANELS: [&str; 3] = ["balanced", "unbalanced", "staggered"];
/// Coefficients and means: the estimators are exact up to the convergence of the fixed-effect
/// projections.
const COEFFICIENT: f64 = 1e-8;
/// Standard errors, interval ends and p-values, which also go through the t quantile and CDF.
const INFERENCE: f64 = 1e-6;

fn csv(name: &str) -> &'static str {
    match name {
        "balanced" => include_str!("data/did/balanced.csv"),
        "unbalanced" => include_str!("data/did/unbalanced.csv"),
        "staggered" => include_str!("data/did/staggered.csv"),
        "paired" => include_str!("data/did/paired.csv"),
        _ => panic!("no data file {name}"),
    }
}

/// Rows of `unit,week,value,training_week` (training week empty for controls).
fn panel(name: &str) -> (Vec<Observation>, TrainingWeeks) {
    let mut obs = Vec::new();
    let mut trained = TrainingWeeks::new();
    for line in csv(name).lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "{name}: {line}");
        let unit: u32 = fields[0].parse().expect("unit");
        let week: i32 = fields[1].parse().expect("week");
        obs.push(Observation { unit, week, value: fields[2].parse().expect("value") });
        if !fields[3].is_empty() {
            trained.insert(unit, fields[3].parse().expect("training week"));
        }
    }
    (obs, trained)
}

fn expected() -> BTreeMap<String, f64> {
    include_str!("data/did/expected.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, value) = l.split_once('\t').expect("key<TAB>value");
            (key.to_string(), value.parse().expect("number"))
        })
        .collect()
}

#[track_caller]
fn assert_close(actual: f64, key: &str, expected: &BTreeMap<String, f64>, tolerance: f64) {
    let want = *expected.get(key).unwrap_or_else(|| panic!("{key} missing from expected.txt"));
    let error = (actual - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(error <= tolerance, "{key}: {actual} against {want} (relative error {error:e})");
}

#[track_caller]
fn assert_count(actual: usize, key: &str, expected: &BTreeMap<String, f64>) {
    assert_eq!(Some(actual as f64), expected.get(key).copied(), "{key}");
}

#[test]
fn difference_in_differences_matches_statsmodels_clustered_fit() {
    let want = expected();
    for name in PANELS {
        let (obs, trained) = panel(name);
        let e = difference_in_differences(&obs, &trained).unwrap_or_else(|| panic!("{name}: not estimated"));
        let key = |field: &str| format!("{name}.did.{field}");
        assert_close(e.effect, &key("effect"), &want, COEFFICIENT);
        assert_close(e.std_error, &key("std_error"), &want, INFERENCE);
        assert_close(e.ci_low, &key("ci_low"), &want, INFERENCE);
        assert_close(e.ci_high, &key("ci_high"), &want, INFERENCE);
        assert_close(e.p_value, &key("p_value"), &want, INFERENCE);
        assert_close(e.degrees_of_freedom, &key("degrees_of_freedom"), &want, 0.0);
        assert_count(e.observations, &key("observations"), &want);
        assert_count(e.treated_units, &key("treated_units"), &want);
        assert_count(e.control_units, &key("control_units"), &want);
        assert!(e.is_detectable(), "{name}: {e:?}");
    }
}

#[test]
fn event_study_matches_statsmodels_with_week_minus_one_as_reference() {
    let want = expected();
    for name in PANELS {
        let (obs, trained) = panel(name);
        let points = event_study(&obs, &trained).unwrap_or_else(|| panic!("{name}: not estimated"));
        assert_count(points.len(), &format!("{name}.event.count"), &want);
        assert!(points.windows(2).all(|w| w[0].relative_week < w[1].relative_week), "{name}: not sorted");
        for p in &points {
            if p.relative_week == -1 {
                assert_eq!((p.effect, p.ci_low, p.ci_high), (0.0, 0.0, 0.0), "{name}: reference week");
                continue;
            }
            let key = |field: &str| format!("{name}.event.{}.{field}", p.relative_week);
            assert_close(p.effect, &key("effect"), &want, COEFFICIENT);
            assert_close(p.ci_low, &key("ci_low"), &want, INFERENCE);
            assert_close(p.ci_high, &key("ci_high"), &want, INFERENCE);
        }
    }
}

#[test]
fn pre_trend_matches_statsmodels_and_flags_the_panel_built_with_one() {
    let want = expected();
    for name in PANELS {
        let (obs, trained) = panel(name);
        let t = pre_trend(&obs, &trained).unwrap_or_else(|| panic!("{name}: not estimated"));
        let key = |field: &str| format!("{name}.pretrend.{field}");
        assert_close(t.slope_difference, &key("slope_difference"), &want, COEFFICIENT);
        assert_close(t.std_error, &key("std_error"), &want, INFERENCE);
        assert_close(t.p_value, &key("p_value"), &want, INFERENCE);
        // Only the unbalanced panel was generated with trained reps already pulling ahead.
        assert_eq!(t.parallel(), name != "unbalanced", "{name}: {t:?}");
    }
}

#[test]
fn naive_before_after_matches_pandas() {
    let want = expected();
    for name in PANELS {
        let (obs, trained) = panel(name);
        let n = naive_before_after(&obs, &trained).unwrap_or_else(|| panic!("{name}: not computed"));
        assert_close(n.before, &format!("{name}.naive.before"), &want, COEFFICIENT);
        assert_close(n.after, &format!("{name}.naive.after"), &want, COEFFICIENT);
        assert_close(n.difference, &format!("{name}.naive.difference"), &want, COEFFICIENT);
        assert_count(n.units, &format!("{name}.naive.units"), &want);
    }
}

#[test]
fn profiles_match_numpy_mean_and_polyfit_slope() {
    let want = expected();
    let mut checked = 0;
    for (key, before_week) in want.iter().filter(|(k, _)| k.ends_with(".before_week")) {
        let prefix = key.trim_end_matches(".before_week");
        let (name, unit) = prefix.split_once(".profile.").unwrap();
        let (obs, _) = panel(name);
        let p = profile(&obs, unit.parse().unwrap(), *before_week as i32).unwrap_or_else(|| panic!("{prefix}: no profile"));
        assert_close(p.level, &format!("{prefix}.level"), &want, COEFFICIENT);
        assert_close(p.trend, &format!("{prefix}.trend"), &want, COEFFICIENT);
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn paired_t_test_matches_scipy_ttest_rel() {
    let want = expected();
    let pairs: Vec<(f64, f64)> = csv("paired")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(before, after)| (before.parse().unwrap(), after.parse().unwrap()))
        .collect();
    let t = paired_t_test(&pairs).unwrap();
    assert_close(t.mean_before, "paired.mean_before", &want, COEFFICIENT);
    assert_close(t.mean_after, "paired.mean_after", &want, COEFFICIENT);
    assert_close(t.mean_gain, "paired.mean_gain", &want, COEFFICIENT);
    assert_close(t.ci_low, "paired.ci_low", &want, INFERENCE);
    assert_close(t.ci_high, "paired.ci_high", &want, INFERENCE);
    assert_close(t.p_value, "paired.p_value", &want, INFERENCE);
    assert_count(t.pairs, "paired.pairs", &want);
}

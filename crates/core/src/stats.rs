//! Statistics used by the KPI engine and the analyses: descriptive statistics, and Welch's test
//! of a difference in means.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The median; `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// The `q`-quantile (0–1) with linear interpolation between order statistics (the "type 7"
/// definition of R and NumPy); `None` for no values.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    // The two order statistics around the position, found by selection rather than a full sort:
    // stuck deals take the p75 of hundreds of thousands of stays per stage.
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let (_, at_low, above) = sorted.select_nth_unstable_by(low, f64::total_cmp);
    let at_low = *at_low;
    let at_high = if high == low { at_low } else { above.iter().copied().min_by(f64::total_cmp).unwrap_or(at_low) };
    Some(at_low + (at_high - at_low) * (position - low as f64))
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The sample variance (n − 1 in the denominator); `None` below two values.
pub fn sample_variance(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    (values.len() > 1).then(|| values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64)
}

/// Welch's unequal-variances t test of mean(a) − mean(b), with its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Welch {
    pub mean_a: f64,
    pub mean_b: f64,
    pub n_a: usize,
    pub n_b: usize,
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub degrees_of_freedom: f64,
}

impl Welch {
    /// `None` when a group has fewer than two values or neither group varies.
    pub fn test(a: &[f64], b: &[f64]) -> Option<Welch> {
        let (va, vb) = (sample_variance(a)? / a.len() as f64, sample_variance(b)? / b.len() as f64);
        let (mean_a, mean_b) = (mean(a)?, mean(b)?);
        let se = (va + vb).sqrt();
        if se <= 0.0 || !se.is_finite() {
            return None;
        }
        let df = (va + vb).powi(2) / (va.powi(2) / (a.len() - 1) as f64 + vb.powi(2) / (b.len() - 1) as f64);
        let t = StudentsT::new(0.0, 1.0, df).ok()?;
        let difference = mean_a - mean_b;
        let margin = t.inverse_cdf(0.975) * se;
        Some(Welch {
            mean_a,
            mean_b,
            n_a: a.len(),
            n_b: b.len(),
            difference,
            ci_low: difference - margin,
            ci_high: difference + margin,
            p_value: (2.0 * (1.0 - t.cdf((difference / se).abs()))).clamp(0.0, 1.0),
            degrees_of_freedom: df,
        })
    }

    /// Whether the interval excludes zero: the data show a difference.
    pub fn is_detectable(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_scipy() {
        // scipy.stats.ttest_ind(a, b, equal_var=False): t = −3.641133153554577,
        // p = 0.005766864240195979, df = 8.646157961926049, 95% CI (−0.2540691505649806,
        // −0.05859751610168615).
        let a = [0.42, 0.55, 0.61, 0.38, 0.47, 0.52];
        let b = [0.60, 0.71, 0.66, 0.58, 0.69];
        let w = Welch::test(&a, &b).expect("testable");
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(close(w.difference, -0.15633333333333338));
        assert!(close(w.degrees_of_freedom, 8.646157961926049), "{w:?}");
        assert!(close(w.p_value, 0.005766864240195979), "{w:?}");
        assert!(close(w.ci_low, -0.2540691505649806) && close(w.ci_high, -0.05859751610168615), "{w:?}");
        assert!(w.is_detectable());
        assert_eq!((w.n_a, w.n_b), (6, 5));
    }

    #[test]
    fn welch_needs_two_values_per_group_and_some_variation() {
        assert_eq!(Welch::test(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(Welch::test(&[3.0, 3.0], &[3.0, 3.0]), None);
        let same = Welch::test(&[1.0, 2.0, 3.0], &[1.5, 2.0, 2.5]).expect("testable");
        assert!(!same.is_detectable() && same.p_value > 0.5);
    }

    #[test]
    fn medians_and_quantiles_interpolate_between_order_statistics() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        // numpy.percentile([1, 2, 3, 4, 10], 75) == 4.0; 90 → 7.6
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.75), Some(4.0));
        assert!((quantile(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.9).unwrap_or_default() - 7.6).abs() < 1e-12);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
    }
}

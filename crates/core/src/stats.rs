//! Descriptive statistics used by the KPI engine.

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
    sorted.sort_by(f64::total_cmp);
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64))
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Customer sentiment, offline: a naive-Bayes log-count-ratio model over character uni-, bi- and
//! trigrams, trained by `scripts/train_sentiment.py` on Chinese shopping reviews (provenance and
//! held-out accuracy at the top of `sentiment_model.tsv`) and compiled into the binary.

use crate::fxhash::FxHashMap;
use std::sync::OnceLock;

const MODEL: &str = include_str!("sentiment_model.tsv");

struct Model {
    bias: f64,
    weights: FxHashMap<String, f64>,
}

fn model() -> &'static Model {
    static LOADED: OnceLock<Model> = OnceLock::new();
    LOADED.get_or_init(|| {
        let mut bias = 0.0;
        let mut weights = FxHashMap::default();
        for line in MODEL.lines().filter(|l| !l.starts_with("# ")) {
            let Some((feature, weight)) = line.split_once('\t') else { continue };
            let Ok(weight) = weight.parse::<f64>() else { continue };
            if feature == "bias" {
                bias = weight;
            } else {
                weights.insert(feature.to_string(), weight);
            }
        }
        Model { bias, weights }
    })
}

/// The sentiment of a text as log-odds: above zero positive, below zero negative, 0 for a text
/// with nothing to go on.
pub fn score(text: &str) -> f64 {
    let chars: Vec<char> = text.trim().to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return 0.0;
    }
    let model = model();
    let mut seen: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    seen.extend(chars.windows(2).chain(chars.windows(3)).map(|gram| gram.iter().collect::<String>()));
    seen.sort_unstable();
    seen.dedup();
    model.bias + seen.iter().filter_map(|gram| model.weights.get(gram)).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Call language the model never saw (it learned from shopping reviews): what customers say
    /// on the phone when things go well or badly.
    #[test]
    fn call_language_gets_the_right_sign() {
        let positive = [
            "好的，没问题，你们的方案挺不错的",
            "谢谢你，服务很周到，我很满意",
            "可以，下周就签合同吧",
            "这个价格很合适，我们决定买了",
            "太好了，效果比我想的还好",
        ];
        let negative = [
            "太贵了，我们不考虑了",
            "你们的服务太差了，我要投诉",
            "别再打电话了，很烦",
            "上次买的东西质量很差，一直没人处理",
            "不需要，谢谢，以后不要联系我",
        ];
        let wrong: Vec<&str> =
            positive.iter().filter(|t| score(t) <= 0.0).chain(negative.iter().filter(|t| score(t) >= 0.0)).copied().collect();
        assert!(wrong.len() <= 1, "misread: {wrong:?}");
    }

    #[test]
    fn empty_text_is_neutral_and_the_model_loads() {
        assert_eq!(score("   "), 0.0);
        assert!(model().weights.len() > 10_000);
    }
}

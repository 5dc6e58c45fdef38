//! Call transcripts and the behaviour metrics of a call, with the exact definitions managers are
//! shown (docs/conversation.md).
//!
//! - speaking time of a turn = end − start; `talk_ratio` = the agent's speaking time ÷ everyone's.
//!   Without times, the agent's characters ÷ everyone's, counting characters that are neither
//!   whitespace nor Unicode punctuation (general category P*); every time-based metric is then
//!   null.
//! - `longest_monologue_seconds`: the longest run of consecutive agent turns, from the first's
//!   start to the last's end; `longest_customer_story_seconds`: the same for the customer.
//! - `interactivity_per_minute`: speaker changes ÷ (last end − first start) × 60.
//! - `patience_seconds`: the mean of max(0, agent start − previous customer end) over the
//!   customer → agent changes.
//! - `questions`: maximal runs of `？` and `?` in the agent's turns.
//! - `customer_sentiment_start` / `_end`: the sentiment score (`crate::sentiment`) of the
//!   customer's first two turns together, and of their last two; null when the customer never
//!   speaks.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Speaker {
    Agent,
    Customer,
}

impl Speaker {
    pub fn id(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
        }
    }

    /// The labels transcripts use: `agent`/`customer`, `坐席`/`客户`, `销售`/`顾客`, `客服`,
    /// `Sales`/`Client`, in any letter case.
    pub fn from_label(label: &str) -> Option<Speaker> {
        match label.trim().to_lowercase().as_str() {
            "agent" | "坐席" | "销售" | "客服" | "sales" | "rep" | "座席" => Some(Speaker::Agent),
            "customer" | "客户" | "顾客" | "client" => Some(Speaker::Customer),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub speaker: Speaker,
    /// Seconds from the start of the recording; `None` in transcripts without times.
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub text: String,
}

impl Turn {
    fn speaking_seconds(&self) -> Option<f64> {
        Some(self.end? - self.start?)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub call_id: String,
    pub turns: Vec<Turn>,
}

impl Transcript {
    /// Drops empty turns and, when every turn has times, orders them by start (speech engines
    /// often list one channel after the other); otherwise keeps the file's order.
    pub fn new(call_id: impl Into<String>, turns: Vec<Turn>) -> Transcript {
        let mut turns: Vec<Turn> = turns.into_iter().filter(|t| !t.text.trim().is_empty()).collect();
        if is_timed(&turns) {
            turns.sort_by(|a, b| a.start.unwrap_or(0.0).total_cmp(&b.start.unwrap_or(0.0)));
        }
        Transcript { call_id: call_id.into(), turns }
    }

    pub fn basis(&self) -> Basis {
        if is_timed(&self.turns) { Basis::Time } else { Basis::Characters }
    }
}

fn is_timed(turns: &[Turn]) -> bool {
    !turns.is_empty() && turns.iter().all(|t| t.start.is_some() && t.end.is_some())
}

/// What `talk_ratio` is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Time,
    Characters,
}

impl Basis {
    pub fn id(self) -> &'static str {
        match self {
            Basis::Time => "time",
            Basis::Characters => "characters",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallMetrics {
    pub basis: Basis,
    pub talk_ratio: Option<f64>,
    pub longest_monologue_seconds: Option<f64>,
    pub longest_customer_story_seconds: Option<f64>,
    pub interactivity_per_minute: Option<f64>,
    pub patience_seconds: Option<f64>,
    pub questions: u32,
    pub customer_sentiment_start: Option<f64>,
    pub customer_sentiment_end: Option<f64>,
}

/// How many of the customer's turns make the start and the end of a call for sentiment.
const SENTIMENT_TURNS: usize = 2;

fn customer_sentiment(turns: &[Turn]) -> (Option<f64>, Option<f64>) {
    let customer: Vec<&str> = turns.iter().filter(|t| t.speaker == Speaker::Customer).map(|t| t.text.as_str()).collect();
    if customer.is_empty() {
        return (None, None);
    }
    let start = customer[..customer.len().min(SENTIMENT_TURNS)].join("");
    let end = customer[customer.len().saturating_sub(SENTIMENT_TURNS)..].join("");
    (Some(crate::sentiment::score(&start)), Some(crate::sentiment::score(&end)))
}

/// Per rep and day, the sums and counts of the call metrics, kept as measures the KPI engine reads
/// (conversation KPIs are ratios of them, so a team's value is the mean over its calls).
pub const MEASURES: [&str; 12] = [
    "conv_calls",
    "conv_talk_ratio_sum",
    "conv_talk_ratio_calls",
    "conv_monologue_sum",
    "conv_monologue_calls",
    "conv_story_sum",
    "conv_story_calls",
    "conv_interactivity_sum",
    "conv_interactivity_calls",
    "conv_patience_sum",
    "conv_patience_calls",
    "conv_questions_sum",
];

/// Characters that carry speech: not whitespace, not punctuation (general category P*).
pub fn spoken_characters(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace() && c.general_category_group() != GeneralCategoryGroup::Punctuation).count()
}

/// Maximal runs of `？` and `?`: `好吗？？` is one question, `是吗?对吗?` two.
pub fn question_runs(text: &str) -> u32 {
    let mut runs = 0;
    let mut in_run = false;
    for c in text.chars() {
        let is_mark = c == '?' || c == '？';
        if is_mark && !in_run {
            runs += 1;
        }
        in_run = is_mark;
    }
    runs
}

pub fn metrics(transcript: &Transcript) -> CallMetrics {
    let turns = &transcript.turns;
    let basis = transcript.basis();
    let questions = turns.iter().filter(|t| t.speaker == Speaker::Agent).map(|t| question_runs(&t.text)).sum();
    let (customer_sentiment_start, customer_sentiment_end) = customer_sentiment(turns);
    let agent_share = |amount: &dyn Fn(&Turn) -> f64| {
        let all: f64 = turns.iter().map(amount).sum();
        let agent: f64 = turns.iter().filter(|t| t.speaker == Speaker::Agent).map(amount).sum();
        (all > 0.0).then(|| agent / all)
    };
    if basis == Basis::Characters {
        return CallMetrics {
            basis,
            talk_ratio: agent_share(&|t| spoken_characters(&t.text) as f64),
            longest_monologue_seconds: None,
            longest_customer_story_seconds: None,
            interactivity_per_minute: None,
            patience_seconds: None,
            questions,
            customer_sentiment_start,
            customer_sentiment_end,
        };
    }
    let start = |t: &Turn| t.start.unwrap_or(0.0);
    let end = |t: &Turn| t.end.unwrap_or(0.0);
    let changes: Vec<(&Turn, &Turn)> = turns.windows(2).filter(|w| w[0].speaker != w[1].speaker).map(|w| (&w[0], &w[1])).collect();
    let first_start = turns.iter().map(start).fold(f64::INFINITY, f64::min);
    let last_end = turns.iter().map(end).fold(f64::NEG_INFINITY, f64::max);
    let span = last_end - first_start;
    let waits: Vec<f64> = changes
        .iter()
        .filter(|(before, after)| before.speaker == Speaker::Customer && after.speaker == Speaker::Agent)
        .map(|(before, after)| (start(after) - end(before)).max(0.0))
        .collect();
    CallMetrics {
        basis,
        talk_ratio: agent_share(&|t| t.speaking_seconds().unwrap_or(0.0)),
        longest_monologue_seconds: longest_run(turns, Speaker::Agent),
        longest_customer_story_seconds: longest_run(turns, Speaker::Customer),
        interactivity_per_minute: (span > 0.0).then(|| changes.len() as f64 / span * 60.0),
        patience_seconds: (!waits.is_empty()).then(|| waits.iter().sum::<f64>() / waits.len() as f64),
        questions,
        customer_sentiment_start,
        customer_sentiment_end,
    }
}

/// The longest run of consecutive turns of `speaker`, from the first's start to the last's end.
fn longest_run(turns: &[Turn], speaker: Speaker) -> Option<f64> {
    turns
        .chunk_by(|a, b| a.speaker == b.speaker)
        .filter(|run| run[0].speaker == speaker)
        .filter_map(|run| Some(run.last()?.end? - run[0].start?))
        .reduce(f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(speaker: Speaker, start: f64, end: f64, text: &str) -> Turn {
        Turn { speaker, start: Some(start), end: Some(end), text: text.into() }
    }

    fn untimed(speaker: Speaker, text: &str) -> Turn {
        Turn { speaker, start: None, end: None, text: text.into() }
    }

    use Speaker::{Agent as A, Customer as C};

    /// Worked by hand:
    ///
    /// | turn | who | start | end | text |
    /// |---|---|---|---|---|
    /// | 1 | agent | 0 | 10 | 您好，请问是王总吗？ |
    /// | 2 | agent | 10 | 20 | 我是销售小李。 |
    /// | 3 | customer | 22 | 40 | 是的，什么事？ |
    /// | 4 | agent | 43 | 50 | 想了解一下您的需求?? 方便吗？ |
    /// | 5 | customer | 50 | 60 | 你说。 |
    /// | 6 | customer | 61 | 75 | 我们在看价格。 |
    /// | 7 | agent | 74 | 80 | 好的。 |
    ///
    /// Agent speaks 10 + 10 + 7 + 6 = 33 s of 33 + 18 + 10 + 14 = 75 s: ratio 0.44. Agent runs:
    /// 0–20 (20 s), 43–50, 74–80; customer runs: 22–40 (18), 50–75 (25). Speaker changes: 2→3,
    /// 3→4, 4→5, 6→7 = 4 over 80 s: 3 per minute. Customer → agent waits: 43 − 40 = 3 and
    /// 74 − 75 → 0; mean 1.5. Agent questions: turn 1 one, turn 4 two (`??` is one run).
    fn call() -> Transcript {
        Transcript::new(
            "C1",
            vec![
                timed(A, 0.0, 10.0, "您好，请问是王总吗？"),
                timed(A, 10.0, 20.0, "我是销售小李。"),
                timed(C, 22.0, 40.0, "是的，什么事？"),
                timed(A, 43.0, 50.0, "想了解一下您的需求?? 方便吗？"),
                timed(C, 50.0, 60.0, "你说。"),
                timed(C, 61.0, 75.0, "我们在看价格。"),
                timed(A, 74.0, 80.0, "好的。"),
            ],
        )
    }

    #[test]
    fn timed_metrics_follow_their_definitions() {
        let m = metrics(&call());
        assert_eq!(m.basis, Basis::Time);
        assert!((m.talk_ratio.unwrap_or_default() - 33.0 / 75.0).abs() < 1e-12);
        assert_eq!(m.longest_monologue_seconds, Some(20.0));
        assert_eq!(m.longest_customer_story_seconds, Some(25.0));
        assert_eq!(m.interactivity_per_minute, Some(3.0));
        assert_eq!(m.patience_seconds, Some(1.5));
        assert_eq!(m.questions, 3);
    }

    #[test]
    fn turns_listed_by_channel_are_ordered_by_start() {
        let mut turns = call().turns;
        turns.sort_by_key(|t| t.speaker == C);
        assert_eq!(Transcript::new("C1", turns), call());
    }

    #[test]
    fn without_times_the_ratio_counts_spoken_characters_and_time_metrics_are_null() {
        // Agent: 您好请问是王总吗 (8) + 好的 (2); customer: 是的 (2) + OK (2). Punctuation and
        // spaces do not count.
        let t = Transcript::new(
            "C2",
            vec![untimed(A, "您好，请问是王总吗？"), untimed(C, "是的。"), untimed(C, "   "), untimed(C, "O K!"), untimed(A, "好的……")],
        );
        assert_eq!(t.turns.len(), 4, "the empty turn is dropped");
        let m = metrics(&t);
        assert_eq!(m.basis, Basis::Characters);
        assert!((m.talk_ratio.unwrap_or_default() - 10.0 / 14.0).abs() < 1e-12);
        assert_eq!((m.longest_monologue_seconds, m.interactivity_per_minute, m.patience_seconds), (None, None, None));
        assert_eq!(m.questions, 1);
    }

    #[test]
    fn punctuation_is_every_p_category_and_symbols_are_speech() {
        assert_eq!(spoken_characters("“价格”、（折扣）《合同》【报价】——！"), 8);
        assert_eq!(spoken_characters("¥500 + 20%"), 7, "¥ and + are symbols, % is punctuation");
    }

    #[test]
    fn customer_sentiment_compares_the_first_two_and_last_two_customer_turns() {
        let t = Transcript::new(
            "C3",
            vec![
                untimed(C, "你们上次的服务太差了"),
                untimed(A, "非常抱歉，我来处理"),
                untimed(C, "一直没人管，我很生气"),
                untimed(C, "嗯"),
                untimed(C, "好的，谢谢，这次很满意"),
            ],
        );
        let m = metrics(&t);
        let start = crate::sentiment::score("你们上次的服务太差了一直没人管，我很生气");
        let end = crate::sentiment::score("嗯好的，谢谢，这次很满意");
        assert_eq!((m.customer_sentiment_start, m.customer_sentiment_end), (Some(start), Some(end)));
        assert!(start < 0.0 && end > 0.0, "{start} {end}");
        let silent = Transcript::new("C4", vec![untimed(A, "喂？")]);
        assert_eq!(metrics(&silent).customer_sentiment_end, None);
    }

    #[test]
    fn labels_in_both_languages_name_the_speaker() {
        assert_eq!(Speaker::from_label("坐席"), Some(A));
        assert_eq!(Speaker::from_label(" Customer "), Some(C));
        assert_eq!(Speaker::from_label("顾客"), Some(C));
        assert_eq!(Speaker::from_label("主持人"), None);
    }
}

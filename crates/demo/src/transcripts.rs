//! Transcripts of the demo's calls, in the five formats Salescope reads, mostly Chinese and some
//! English. Each call has a lean of its own — how much the agent asks and listens rather than
//! pitches — and won calls lean towards listening by a fraction of the spread between calls, as in
//! real sales teams: the agent asks somewhat more, talks somewhat less and the customer ends
//! warmer more often, with much overlap, so win/loss shows a win-rate gap of some ten to twenty
//! points between the halves, not a perfect split. Agents say fillers (嗯, 那个, um, …) and
//! customers bring up competitors, in the words the default phrase configuration counts;
//! fillers and the pause before the agent answers (patience) are drawn the same way for won and
//! lost calls, so the comparison pages show real findings and real non-findings.

use salescope_core::phrases::PhraseConfig;
use salescope_core::random::Rng;
use serde_json::json;

/// A connected call to transcribe: its id, talk time, and outcome (won, lost, or none).
#[derive(Debug, Clone, PartialEq)]
pub struct CallToTranscribe {
    pub call_id: String,
    pub talk_seconds: i64,
    pub won: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Agent,
    Customer,
}

struct Line {
    who: Who,
    start: f64,
    end: f64,
    text: String,
}

const AGENT_ZH: [&str; 10] = [
    "您好，我是星河科技的客户经理小李",
    "我们这边主要做销售管理系统，可以帮团队把每天的跟进管起来",
    "上次您提到团队有二十多个人，我整理了一个方案",
    "价格方面我们可以按人数来算，第一年有优惠",
    "我们的客户里有不少和您同行业的，效果都不错",
    "实施周期大概两周，我们有专人对接",
    "这个功能可以直接导出日报和周报",
    "我明天把合同模板发到您邮箱",
    "好的，那我先把资料发给您",
    "明白，这个情况我记下了",
];
const QUESTIONS_ZH: [&str; 8] = [
    "您现在团队每天是怎么跟进客户的？",
    "目前最头疼的问题是什么呢？",
    "这个事情一般是谁来拍板？",
    "您希望什么时候能用起来？",
    "预算方面大概有个范围吗？",
    "之前有用过类似的系统吗？",
    "您觉得哪一块最需要改进？",
    "方便说说你们现在的流程吗？",
];
const CUSTOMER_ZH: [&str; 10] = [
    "嗯，你说",
    "我们现在主要还是用表格，每天让销售自己填",
    "最麻烦的是数据不准，有人填得很随意",
    "价格有点高，我们还在比较",
    "这个要跟老板商量一下",
    "我们下个月有预算，可以考虑",
    "之前用过一个，后来没推下去",
    "好的，你把资料发我看看",
    "主要是新人上手慢，转化率一直上不去",
    "行，那你先发方案吧",
];
const CLOSING_WON_ZH: [&str; 3] = ["好的，你把资料发我看看", "我们下个月有预算，可以考虑", "挺好的，这个方案我们很满意"];
const CLOSING_LOST_ZH: [&str; 3] = ["这个要跟老板商量一下", "之前用过一个，后来没推下去", "太贵了，暂时不考虑"];
const CLOSING_WON_EN: [&str; 2] = ["Sounds good, send me the proposal", "Great, we have budget next month"];
const CLOSING_LOST_EN: [&str; 2] = ["It is too expensive for us", "We are not interested for now"];
const AGENT_EN: [&str; 6] = [
    "Hi, this is Li from Galaxy Tech",
    "We help sales teams track their daily follow-ups",
    "I put together a proposal based on our last call",
    "Pricing is per seat, with a discount in the first year",
    "I will send the contract draft tomorrow",
    "Sure, I will email you the details",
];
const QUESTIONS_EN: [&str; 5] = [
    "How does your team follow up with customers today?",
    "What is the biggest problem right now?",
    "Who makes the final decision on this?",
    "When would you like to get started?",
    "Do you have a budget range in mind?",
];
const CUSTOMER_EN: [&str; 6] = [
    "Okay, go ahead",
    "We mostly use spreadsheets at the moment",
    "The data is not reliable, people fill it in carelessly",
    "It is a bit expensive, we are still comparing",
    "I need to check with my boss",
    "Send me the proposal and I will have a look",
];

/// How far won calls lean towards listening, and lost calls away from it, in standard deviations
/// of the lean between calls: won and lost calls overlap widely, as real ones do.
const OUTCOME_LEAN: f64 = 0.22;

/// Chance that an agent's turn opens with a filler, the same for every call.
const FILLER_RATE: f64 = 0.3;

/// Chance that the customer brings up a competitor: more often on calls that end lost.
fn competitor_rate(won: Option<bool>) -> f64 {
    match won {
        Some(true) => 0.16,
        Some(false) => 0.26,
        None => 0.2,
    }
}

/// A customer bringing up a competitor, and an agent answering it; `{}` is the competitor.
const COMPETITOR_ZH: [&str; 3] = ["我们也在看{}的方案", "{}那边报价便宜一些", "之前{}的人也来谈过"];
const COMPETITOR_EN: [&str; 2] = ["We are also looking at {}", "{} quoted us a lower price"];
const COMPETITOR_ANSWER_ZH: &str = "和{}比，我们实施更快，价格也更灵活";
const COMPETITOR_ANSWER_EN: &str = "Compared with {}, we go live faster";

/// The turns of one call, timed to its talk time.
fn conversation(call: &CallToTranscribe, english: bool, rng: &mut Rng) -> Vec<Line> {
    // The call's lean: above zero the agent asks more, talks less, goes on less and the customer
    // tells more; won calls lean that way a little more often than lost ones.
    let lean = rng.normal()
        + match call.won {
            Some(true) => OUTCOME_LEAN,
            Some(false) => -OUTCOME_LEAN,
            None => 0.0,
        };
    let question_rate = (0.3 + 0.12 * lean).clamp(0.05, 0.6);
    let agent_weight = 1.35 * (-0.2 * lean).exp();
    let customer_weight = 1.1 * (0.2 * lean).exp();
    let monologue_rate = (0.25 - 0.07 * lean).clamp(0.05, 0.5);
    // Towards the end, customers who will buy more often sound like it; the others hedge.
    let warm_ending = rng.chance(match call.won {
        Some(true) => 0.7,
        Some(false) => 0.35,
        None => 0.5,
    });
    let phrases = PhraseConfig::defaults();
    let fillers: Vec<&String> = phrases.fillers.iter().filter(|f| f.is_ascii() == english).collect();
    let competitor = rng.chance(competitor_rate(call.won)).then(|| rng.pick(&phrases.competitors).cloned()).flatten();
    let turns = 8 + rng.range(0, 10) as usize;
    // The customer turn that brings up the competitor: one in the first half of the call.
    let competitor_turn = competitor.as_ref().map(|_| 1 + rng.range(0, (turns / 2) as i64) as usize);
    let mut competitor_said = false;
    let mut competitor_answer_due = false;
    let mut raw: Vec<(Who, f64, String)> = Vec::with_capacity(turns);
    let mut who = Who::Agent;
    for i in 0..turns {
        let closing = if warm_ending { (&CLOSING_WON_ZH[..], &CLOSING_WON_EN[..]) } else { (&CLOSING_LOST_ZH[..], &CLOSING_LOST_EN[..]) };
        let text = match (who, english) {
            (Who::Customer, _) if !competitor_said && competitor_turn.is_some_and(|t| i >= t) => {
                competitor_said = true;
                competitor_answer_due = rng.chance(0.5);
                let template = if english { rng.pick(&COMPETITOR_EN) } else { rng.pick(&COMPETITOR_ZH) };
                template.map(|t| t.replace("{}", competitor.as_deref().unwrap_or_default()))
            }
            (Who::Agent, _) if competitor_answer_due => {
                competitor_answer_due = false;
                let template = if english { COMPETITOR_ANSWER_EN } else { COMPETITOR_ANSWER_ZH };
                Some(template.replace("{}", competitor.as_deref().unwrap_or_default()))
            }
            (Who::Agent, false) if i > 0 && rng.chance(question_rate) => rng.pick(&QUESTIONS_ZH).map(|t| t.to_string()),
            (Who::Agent, false) => rng.pick(&AGENT_ZH).map(|t| t.to_string()),
            (Who::Agent, true) if i > 0 && rng.chance(question_rate) => rng.pick(&QUESTIONS_EN).map(|t| t.to_string()),
            (Who::Agent, true) => rng.pick(&AGENT_EN).map(|t| t.to_string()),
            (Who::Customer, false) if i + 4 >= turns => rng.pick(closing.0).map(|t| t.to_string()),
            (Who::Customer, false) => rng.pick(&CUSTOMER_ZH).map(|t| t.to_string()),
            (Who::Customer, true) if i + 4 >= turns => rng.pick(closing.1).map(|t| t.to_string()),
            (Who::Customer, true) => rng.pick(&CUSTOMER_EN).map(|t| t.to_string()),
        }
        .unwrap_or_default();
        let text = match (who, english) {
            (Who::Agent, false) if !text.ends_with('？') => format!("{text}。"),
            (Who::Agent, true) | (Who::Customer, true) if !text.ends_with('?') => format!("{text}."),
            (Who::Customer, false) => format!("{text}。"),
            _ => text,
        };
        let text = if who == Who::Agent
            && rng.chance(FILLER_RATE)
            && let Some(filler) = rng.pick(&fillers)
        {
            with_filler(filler, &text, english)
        } else {
            text
        };
        let weight = match who {
            Who::Agent => agent_weight,
            Who::Customer => customer_weight,
        } * (0.5 + rng.unit());
        raw.push((who, weight, text));
        // Agents sometimes go on for a second turn: a monologue.
        who = match who {
            Who::Agent if rng.chance(monologue_rate) => Who::Agent,
            Who::Agent => Who::Customer,
            Who::Customer => Who::Agent,
        };
    }
    // Patience and gaps: the same for won and lost calls.
    let gaps: Vec<f64> = (0..raw.len()).map(|_| 0.2 + 1.6 * rng.unit()).collect();
    let total_weight: f64 = raw.iter().map(|r| r.1).sum();
    let speaking = (call.talk_seconds as f64 - gaps.iter().sum::<f64>()).max(raw.len() as f64 * 2.0);
    let mut clock = 0.0;
    raw.into_iter()
        .zip(gaps)
        .map(|((who, weight, text), gap)| {
            let start = clock;
            let end = start + speaking * weight / total_weight;
            clock = end + gap;
            Line { who, start: (start * 10.0).round() / 10.0, end: (end * 10.0).round() / 10.0, text }
        })
        .collect()
}

/// `text` opened by a filler: "嗯，我们这边…", "Um, we help…".
fn with_filler(filler: &str, text: &str, english: bool) -> String {
    if !english {
        return format!("{filler}，{text}");
    }
    let mut filler_chars = filler.chars();
    let filler = filler_chars.next().map(|c| c.to_uppercase().chain(filler_chars).collect::<String>()).unwrap_or_default();
    // The sentence goes on in lower case, but "I" stays a capital.
    let continues = if text.starts_with("I ") {
        text.to_string()
    } else {
        let mut chars = text.chars();
        chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
    };
    format!("{filler}, {continues}")
}

fn clock(seconds: f64, fractions: bool) -> String {
    let whole = seconds.floor() as i64;
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
    if fractions {
        format!("{h:02}:{m:02}:{s:02}.{:03}", ((seconds - whole as f64) * 1000.0).round() as i64)
    } else if h > 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

fn salescope_json(call_id: &str, lines: &[Line]) -> serde_json::Value {
    let turns: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            let speaker = if l.who == Who::Agent { "agent" } else { "customer" };
            json!({"speaker": speaker, "start": l.start, "end": l.end, "text": l.text})
        })
        .collect();
    json!({"call_id": call_id, "turns": turns})
}

/// The transcript files of `calls`: (file name, bytes), grouped in folders by format.
pub fn transcript_files(calls: &[CallToTranscribe], seed: u64) -> Vec<(String, Vec<u8>)> {
    let root = Rng::new(seed).derive("transcripts");
    let mut files = Vec::new();
    let mut batch: Vec<String> = Vec::new();
    for call in calls {
        let mut rng = root.derive(&call.call_id);
        let english = rng.chance(0.15);
        let lines = conversation(call, english, &mut rng);
        let id = &call.call_id;
        let (agent, customer) = if english { ("Agent", "Customer") } else { ("坐席", "客户") };
        match rng.weighted(&[3.0, 2.0, 2.0, 1.0, 1.0, 1.0]) {
            0 => batch.push(salescope_json(id, &lines).to_string()),
            1 => files.push((format!("json/{id}.json"), salescope_json(id, &lines).to_string().into_bytes())),
            2 => {
                let text: String = lines
                    .iter()
                    .map(|l| format!("[{}] {}：{}\n", clock(l.start, false), if l.who == Who::Agent { agent } else { customer }, l.text))
                    .collect();
                files.push((format!("text/{id}.txt"), text.into_bytes()));
            }
            3 => {
                let (agent, customer) = if english { ("Agent", "Customer") } else { ("销售", "顾客") };
                let text: String =
                    lines.iter().map(|l| format!("{}: {}\n", if l.who == Who::Agent { agent } else { customer }, l.text)).collect();
                files.push((format!("text-untimed/{id}.txt"), text.into_bytes()));
            }
            4 => {
                let mut text = String::from("WEBVTT\n");
                for (n, l) in lines.iter().enumerate() {
                    let voice = if l.who == Who::Agent { agent } else { customer };
                    text.push_str(&format!("\n{}\n{} --> {}\n<v {voice}>{}\n", n + 1, clock(l.start, true), clock(l.end, true), l.text));
                }
                files.push((format!("vtt/{id}.vtt"), text.into_bytes()));
            }
            _ => {
                // Speech engines list one channel after the other.
                let mut sentences: Vec<serde_json::Value> = Vec::new();
                for channel in [0, 1] {
                    for l in lines.iter().filter(|l| (l.who == Who::Agent) == (channel == 0)) {
                        sentences.push(json!({
                            "ChannelId": channel,
                            "BeginTime": (l.start * 1000.0).round() as i64,
                            "EndTime": (l.end * 1000.0).round() as i64,
                            "Text": l.text,
                        }));
                    }
                }
                let result = json!({"TaskId": id, "StatusText": "SUCCESS", "Result": {"Sentences": sentences}});
                files.push((format!("asr/{id}.json"), result.to_string().into_bytes()));
            }
        }
        if batch.len() == 500 {
            files.push((format!("jsonl/batch-{:03}.jsonl", files.len()), (batch.join("\n") + "\n").into_bytes()));
            batch.clear();
        }
    }
    if !batch.is_empty() {
        files.push((format!("jsonl/batch-{:03}.jsonl", files.len()), (batch.join("\n") + "\n").into_bytes()));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls() -> Vec<CallToTranscribe> {
        (0..300).map(|i| CallToTranscribe { call_id: format!("C{i:08}"), talk_seconds: 120 + i % 200, won: Some(i % 2 == 0) }).collect()
    }

    #[test]
    fn transcripts_come_in_every_format_and_are_reproducible() {
        let files = transcript_files(&calls(), 7);
        assert_eq!(files, transcript_files(&calls(), 7));
        for folder in ["json/", "jsonl/", "text/", "text-untimed/", "vtt/", "asr/"] {
            assert!(files.iter().any(|(name, _)| name.starts_with(folder)), "no {folder} file");
        }
    }

    use salescope_core::conversation::{Speaker, Transcript, Turn, metrics};
    use salescope_core::phrases::{Segmenter, find};

    /// `count` calls of an outcome as the importer reads them, one in seven in English.
    fn transcribed(won: bool, count: usize, rng: &mut Rng) -> Vec<Transcript> {
        (0..count)
            .map(|i| {
                let call = CallToTranscribe { call_id: format!("C{i}"), talk_seconds: 120 + (i % 240) as i64, won: Some(won) };
                let lines = conversation(&call, i % 7 == 0, rng);
                let turns = lines
                    .into_iter()
                    .map(|l| Turn {
                        speaker: if l.who == Who::Agent { Speaker::Agent } else { Speaker::Customer },
                        start: Some(l.start),
                        end: Some(l.end),
                        text: l.text,
                    })
                    .collect();
                Transcript::new(call.call_id, turns)
            })
            .collect()
    }

    /// Win rate (%) of the calls on each side of the median of `measure`: (above, at or below).
    fn win_rates_by_median(won: &[f64], lost: &[f64]) -> (f64, f64) {
        let mut all: Vec<f64> = won.iter().chain(lost).copied().collect();
        all.sort_by(f64::total_cmp);
        let median = all[all.len() / 2];
        let above = |values: &[f64]| values.iter().filter(|v| **v > median).count() as f64;
        let (won_above, lost_above) = (above(won), above(lost));
        let (won_below, lost_below) = (won.len() as f64 - won_above, lost.len() as f64 - lost_above);
        (100.0 * won_above / (won_above + lost_above), 100.0 * won_below / (won_below + lost_below))
    }

    #[test]
    fn won_calls_listen_more_than_lost_ones_by_a_believable_margin() {
        let mut rng = Rng::new(1);
        let (won, lost) = (transcribed(true, 2_000, &mut rng), transcribed(false, 2_000, &mut rng));
        let measure = |calls: &[Transcript], of: fn(&salescope_core::conversation::CallMetrics) -> f64| -> Vec<f64> {
            calls.iter().map(|t| of(&metrics(t))).collect()
        };
        let talk = |m: &salescope_core::conversation::CallMetrics| m.talk_ratio.unwrap_or(f64::NAN);
        let questions = |m: &salescope_core::conversation::CallMetrics| f64::from(m.questions);
        // Half the calls are won, so with no effect both halves would win 50%. A lean of 0.22 SD
        // each way (0.44 between won and lost) splits them some 56% to 44% on one call; win/loss
        // averages a deal's calls and shows a little more (on the demo: 54.6% against 39.9%).
        let (high_talk, low_talk) = win_rates_by_median(&measure(&won, talk), &measure(&lost, talk));
        let gap = low_talk - high_talk;
        assert!((8.0..=18.0).contains(&gap), "talking less wins {low_talk:.1}% against {high_talk:.1}%: a gap of {gap:.1} points");
        let (more_questions, fewer_questions) = win_rates_by_median(&measure(&won, questions), &measure(&lost, questions));
        let gap = more_questions - fewer_questions;
        assert!(
            (5.0..=15.0).contains(&gap),
            "asking more wins {more_questions:.1}% against {fewer_questions:.1}%: a gap of {gap:.1} points"
        );
    }

    #[test]
    fn agents_say_fillers_and_customers_name_competitors_in_the_words_the_metrics_count() {
        let config = PhraseConfig::defaults();
        let segmenter = Segmenter::new(&config);
        let mut rng = Rng::new(2);
        let (won, lost) = (transcribed(true, 600, &mut rng), transcribed(false, 600, &mut rng));
        let findings = |calls: &[Transcript]| calls.iter().map(|t| find(&segmenter, &config, t)).collect::<Vec<_>>();
        let (won, lost) = (findings(&won), findings(&lost));
        let fillers_per_call =
            |f: &[salescope_core::phrases::PhraseFindings]| f.iter().map(|f| f64::from(f.filler_words)).sum::<f64>() / f.len() as f64;
        let naming_competitors =
            |f: &[salescope_core::phrases::PhraseFindings]| f.iter().filter(|f| f.competitor_mentions > 0).count() as f64 / f.len() as f64;
        // About 5–9 agent turns a call, three in ten opened by a filler.
        for per_call in [fillers_per_call(&won), fillers_per_call(&lost)] {
            assert!((1.0..=3.5).contains(&per_call), "{per_call} fillers a call");
        }
        // A competitor comes up on 16% of won calls and 26% of lost ones.
        let (won_named, lost_named) = (naming_competitors(&won), naming_competitors(&lost));
        assert!((0.11..=0.21).contains(&won_named) && (0.21..=0.31).contains(&lost_named), "{won_named} won, {lost_named} lost");
    }
}

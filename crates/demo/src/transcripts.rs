//! Transcripts of the demo's calls, in the five formats Salescope reads, mostly Chinese and some
//! English. Won calls really differ from lost ones — the agent asks more, talks less and lets the
//! customer tell more, and the customer ends warmer — while the pause before the agent answers
//! (patience) is drawn the same way for both, so the comparison pages show real findings and a
//! real non-finding.

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

/// The turns of one call, timed to its talk time.
fn conversation(call: &CallToTranscribe, english: bool, rng: &mut Rng) -> Vec<Line> {
    let won = call.won == Some(true);
    // What differs: won calls have more questions, a lower agent share and longer customer turns.
    let question_rate = if won { 0.45 } else { 0.18 };
    let agent_weight = if won { 1.0 } else { 1.8 };
    let customer_weight = if won { 1.4 } else { 0.8 };
    let turns = 8 + rng.range(0, 10) as usize;
    let mut raw: Vec<(Who, f64, String)> = Vec::with_capacity(turns);
    let mut who = Who::Agent;
    for i in 0..turns {
        let text = match (who, english) {
            (Who::Agent, false) if i > 0 && rng.chance(question_rate) => rng.pick(&QUESTIONS_ZH).copied(),
            (Who::Agent, false) => rng.pick(&AGENT_ZH).copied(),
            (Who::Agent, true) if i > 0 && rng.chance(question_rate) => rng.pick(&QUESTIONS_EN).copied(),
            (Who::Agent, true) => rng.pick(&AGENT_EN).copied(),
            // Towards the end, customers who will buy sound like it; the others hedge.
            (Who::Customer, false) if i + 4 >= turns => rng.pick(if won { &CLOSING_WON_ZH } else { &CLOSING_LOST_ZH }).copied(),
            (Who::Customer, false) => rng.pick(&CUSTOMER_ZH).copied(),
            (Who::Customer, true) if i + 4 >= turns => rng.pick(if won { &CLOSING_WON_EN } else { &CLOSING_LOST_EN }).copied(),
            (Who::Customer, true) => rng.pick(&CUSTOMER_EN).copied(),
        }
        .unwrap_or_default();
        let text = match (who, english) {
            (Who::Agent, false) if !text.ends_with('？') => format!("{text}。"),
            (Who::Agent, true) | (Who::Customer, true) if !text.ends_with('?') => format!("{text}."),
            (Who::Customer, false) => format!("{text}。"),
            _ => text.to_string(),
        };
        let weight = match who {
            Who::Agent => agent_weight,
            Who::Customer => customer_weight,
        } * (0.5 + rng.unit());
        raw.push((who, weight, text));
        // Agents sometimes go on for a second turn: a monologue.
        who = match who {
            Who::Agent if rng.chance(if won { 0.15 } else { 0.35 }) => Who::Agent,
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

    #[test]
    fn won_calls_ask_more_questions_than_lost_ones() {
        let mut rng = Rng::new(1);
        let count = |won: bool, rng: &mut Rng| -> usize {
            (0..200)
                .map(|i| {
                    let call = CallToTranscribe { call_id: format!("C{i}"), talk_seconds: 180, won: Some(won) };
                    conversation(&call, false, rng).iter().filter(|l| l.who == Who::Agent && l.text.ends_with('？')).count()
                })
                .sum()
        };
        let (won, lost) = (count(true, &mut rng), count(false, &mut rng));
        assert!(won as f64 > lost as f64 * 1.5, "won {won}, lost {lost}");
    }
}

//! What was said, by phrase: the key messages (关键话术) an agent covered, the objections a
//! customer raised and whether the agent answered them, filler words, competitor mentions.
//!
//! Text is segmented into words with jieba (the organisation's phrases and competitor names added
//! to its dictionary) and a phrase matches a run of whole words, so 价格 does not match inside an
//! unrelated word. English is matched by whole words, in lower case.

use crate::conversation::{Speaker, Transcript, spoken_characters};
use crate::fxhash::FxHashMap;
use jieba_rs::Jieba;
use std::sync::OnceLock;

/// A named group of phrases: a key message, or an objection category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseSet {
    pub id: String,
    pub phrases: Vec<String>,
}

/// An organisation's phrases; [`PhraseConfig::defaults`] until it sets its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseConfig {
    pub key_messages: Vec<PhraseSet>,
    /// Categories such as price, competitor, timing, authority, need.
    pub objections: Vec<PhraseSet>,
    pub competitors: Vec<String>,
    pub fillers: Vec<String>,
}

fn set(id: &str, phrases: &[&str]) -> PhraseSet {
    PhraseSet { id: id.to_string(), phrases: phrases.iter().map(|p| p.to_string()).collect() }
}

impl PhraseConfig {
    pub fn defaults() -> PhraseConfig {
        PhraseConfig {
            key_messages: vec![
                set("introduction", &["我是", "this is", "my name is"]),
                set("discovery", &["需求", "目前", "流程", "how do you", "what is your"]),
                set("value", &["提高效率", "节省", "效果", "save time", "efficiency"]),
                set("case_study", &["案例", "同行", "客户里", "customers like"]),
                set("next_step", &["发给您", "合同", "见面", "下一步", "send you", "next step"]),
            ],
            objections: vec![
                set("price", &["太贵", "价格高", "贵了", "预算", "expensive", "budget"]),
                set("competitor", &["别家", "其他家", "已经有", "竞品", "another vendor", "already have"]),
                set("timing", &["以后再说", "下个月", "不着急", "not now", "later", "next month"]),
                set("authority", &["老板", "领导", "商量", "boss", "my manager"]),
                set("need", &["不需要", "没兴趣", "用不上", "not interested", "don't need"]),
            ],
            competitors: ["销售易", "纷享销客", "Salesforce", "HubSpot"].map(String::from).to_vec(),
            fillers: ["嗯", "那个", "就是说", "然后呢", "um", "uh", "you know"].map(String::from).to_vec(),
        }
    }

    fn all_phrases(&self) -> impl Iterator<Item = &String> {
        self.key_messages.iter().chain(&self.objections).flat_map(|s| s.phrases.iter()).chain(&self.competitors).chain(&self.fillers)
    }
}

fn base_dictionary() -> &'static Jieba {
    static BASE: OnceLock<Jieba> = OnceLock::new();
    BASE.get_or_init(Jieba::new)
}

/// Words of a text, lower case, without spaces and punctuation.
pub struct Segmenter {
    jieba: Jieba,
    /// The configured phrases, segmented once.
    phrase_words: FxHashMap<String, Vec<String>>,
}

impl Segmenter {
    /// jieba's dictionary with the configuration's phrases and competitor names added.
    pub fn new(config: &PhraseConfig) -> Segmenter {
        let mut jieba = base_dictionary().clone();
        for phrase in config.all_phrases().filter(|p| !p.is_ascii() && !p.contains(' ')) {
            jieba.add_word(phrase, None, None);
        }
        let mut segmenter = Segmenter { jieba, phrase_words: FxHashMap::default() };
        let phrase_words = config.all_phrases().map(|p| (p.clone(), segmenter.words(p))).collect();
        segmenter.phrase_words = phrase_words;
        segmenter
    }

    pub fn words(&self, text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        self.jieba.cut(&lower, true).into_iter().map(|t| t.word).filter(|w| spoken_characters(w) > 0).map(str::to_string).collect()
    }

    /// How many times the words of `phrase` occur, in order and adjacent, in `words`.
    fn count(&self, words: &[String], phrase: &str) -> u32 {
        let segmented;
        let needle = match self.phrase_words.get(phrase) {
            Some(words) => words.as_slice(),
            None => {
                segmented = self.words(phrase);
                segmented.as_slice()
            }
        };
        if needle.is_empty() || needle.len() > words.len() {
            return 0;
        }
        words.windows(needle.len()).filter(|w| *w == needle).count() as u32
    }
}

/// An objection a customer raised, and whether the agent answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub category: String,
    /// The index of the customer's turn in the transcript.
    pub turn: usize,
    /// The agent's next turn says something of substance: at least
    /// [`ANSWER_MIN_CHARACTERS`] spoken characters.
    pub answered: bool,
}

/// What an answer to an objection needs at least: more than a "嗯" or "好的".
pub const ANSWER_MIN_CHARACTERS: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhraseFindings {
    /// Ids of the key messages the agent said, in configuration order.
    pub key_messages: Vec<String>,
    /// At most one per category and customer turn.
    pub objections: Vec<Objection>,
    /// Filler words in the agent's turns.
    pub filler_words: u32,
    /// Competitor names said by anyone.
    pub competitor_mentions: u32,
}

pub fn find(segmenter: &Segmenter, config: &PhraseConfig, transcript: &Transcript) -> PhraseFindings {
    let words: Vec<Vec<String>> = transcript.turns.iter().map(|t| segmenter.words(&t.text)).collect();
    let said = |turn: usize, phrases: &[String]| phrases.iter().map(|p| segmenter.count(&words[turn], p)).sum::<u32>();
    let agent_turns: Vec<usize> = (0..words.len()).filter(|&i| transcript.turns[i].speaker == Speaker::Agent).collect();
    let mut findings = PhraseFindings::default();
    for message in &config.key_messages {
        if agent_turns.iter().any(|&i| said(i, &message.phrases) > 0) {
            findings.key_messages.push(message.id.clone());
        }
    }
    for (i, turn) in transcript.turns.iter().enumerate() {
        findings.competitor_mentions += said(i, &config.competitors);
        match turn.speaker {
            Speaker::Agent => findings.filler_words += said(i, &config.fillers),
            Speaker::Customer => {
                let answer = transcript.turns[i + 1..].iter().find(|t| t.speaker == Speaker::Agent);
                let answered = answer.is_some_and(|a| spoken_characters(&a.text) >= ANSWER_MIN_CHARACTERS);
                for category in config.objections.iter().filter(|c| said(i, &c.phrases) > 0) {
                    findings.objections.push(Objection { category: category.id.clone(), turn: i, answered });
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Turn;

    fn turn(speaker: Speaker, text: &str) -> Turn {
        Turn { speaker, start: None, end: None, text: text.into() }
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let segmenter = Segmenter::new(&PhraseConfig::defaults());
        let words = segmenter.words("这个价格高了，评价格外好");
        assert_eq!(segmenter.count(&words, "价格高"), 1);
        assert_eq!(segmenter.count(&segmenter.words("评价格外好"), "价格"), 0, "价格 inside 评价格外 is not the word 价格");
        assert_eq!(segmenter.count(&segmenter.words("Well, you know, um, it is, you know, fine"), "you know"), 2);
    }

    #[test]
    fn a_call_is_read_for_key_messages_objections_fillers_and_competitors() {
        use Speaker::{Agent as A, Customer as C};
        let config = PhraseConfig::defaults();
        let segmenter = Segmenter::new(&config);
        let call = Transcript::new(
            "C1",
            vec![
                turn(A, "您好，我是星河科技的小李，嗯，想了解一下您目前的流程"),
                turn(C, "你们太贵了，而且我们已经有销售易了"),
                turn(A, "嗯"),
                turn(C, "这个要跟老板商量"),
                turn(A, "理解，我把同行的案例发给您，您和老板一起看看"),
            ],
        );
        let found = find(&segmenter, &config, &call);
        assert_eq!(found.key_messages, ["introduction", "discovery", "case_study", "next_step"]);
        let objections: Vec<(&str, usize, bool)> = found.objections.iter().map(|o| (o.category.as_str(), o.turn, o.answered)).collect();
        assert_eq!(objections, [("price", 1, false), ("competitor", 1, false), ("authority", 3, true)]);
        assert_eq!(found.filler_words, 2, "嗯 twice in the agent's turns");
        assert_eq!(found.competitor_mentions, 1);
    }
}

//! The translation catalogue: every user-facing string, in English and Simplified Chinese.
//!
//! Messages are looked up by a stable key; `{name}` placeholders are filled by [`Lang::format`].

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// Reads a language tag or locale (`zh`, `zh-CN`, `zh_CN.UTF-8`, `en-US`); `None` when the
    /// language is neither Chinese nor English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if t.starts_with("en") || t == "c" || t == "posix" || t.starts_with("c.") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The preferred supported language of an HTTP `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::from_tag) else {
                continue;
            };
            let quality = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The message for `key`; the key itself when the catalogue lacks it (a test forbids that).
    pub fn tr(self, key: &str) -> &str {
        match catalogue().get(key) {
            Some((en, zh)) => match self {
                Lang::En => en,
                Lang::ZhCn => zh,
            },
            None => key,
        }
    }

    /// The message for `key` with `{name}` placeholders replaced.
    pub fn format(self, key: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
        let mut text = self.tr(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }
}

/// Whether the catalogue has `key`.
pub fn has_key(key: &str) -> bool {
    catalogue().contains_key(key)
}

/// The catalogue file: one `key<TAB>English<TAB>简体中文` line per message.
const CATALOGUE_TEXT: &str = include_str!("catalogue.tsv");

fn catalogue() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static CATALOGUE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        CATALOGUE_TEXT
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.splitn(3, '\t');
                Some((parts.next()?, (parts.next()?, parts.next()?)))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    #[test]
    fn the_catalogue_is_well_formed_and_complete_in_both_languages() {
        let mut keys = Vec::new();
        for line in CATALOGUE_TEXT.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let parts: Vec<&str> = line.split('\t').collect();
            assert_eq!(parts.len(), 3, "line needs key, English and Chinese: {line}");
            let (key, en, zh) = (parts[0], parts[1], parts[2]);
            assert!(!en.trim().is_empty() && !zh.trim().is_empty(), "{key}");
            fn placeholders(s: &str) -> Vec<&str> {
                let mut names: Vec<&str> = s.split('{').skip(1).filter_map(|p| p.split('}').next()).collect();
                names.sort_unstable();
                names
            }
            assert_eq!(placeholders(en), placeholders(zh), "{key} has different placeholders");
            keys.push(key);
        }
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count, "duplicate keys");
        assert_eq!(catalogue().len(), count);
    }

    #[test]
    fn every_rule_has_a_message() {
        for rule in Rule::ALL {
            assert!(has_key(&rule.message_key()), "{}", rule.id());
        }
    }

    #[test]
    fn languages_are_read_from_tags_locales_and_accept_language() {
        assert_eq!(Lang::from_tag("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_accept_language("fr-FR,zh-CN;q=0.8,en;q=0.5"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de"), None);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(Lang::ZhCn.format("demo.loaded", &[("seconds", &2.5)]), "演示组织已载入，用时 2.5 秒");
    }
}

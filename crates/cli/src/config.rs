//! Effective configuration: command-line flags, then `SALESCOPE_*` environment variables, then
//! the TOML file, then defaults.

use anyhow::Context;
use clap::parser::ValueSource;
use salescope_core::i18n::Lang;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://salescope.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_CONFIG_FILE: &str = "salescope.toml";

/// Keys the TOML file may set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    bind: Option<String>,
    lang: Option<String>,
}

/// Where a value came from, for `salescope config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Environment,
    File,
    Locale,
    Default,
}

impl Origin {
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Flag => "command line",
            Origin::Environment => "environment",
            Origin::File => "config file",
            Origin::Locale => "locale (LANG)",
            Origin::Default => "default",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub database_url: Setting<String>,
    pub bind: Setting<String>,
    pub lang: Setting<Lang>,
}

/// A value given on the command line or in the environment, as clap saw it.
pub struct Given<T> {
    pub value: Option<T>,
    pub source: Option<ValueSource>,
}

fn origin_of(source: Option<ValueSource>) -> Origin {
    match source {
        Some(ValueSource::EnvVariable) => Origin::Environment,
        _ => Origin::Flag,
    }
}

fn layer<T>(given: Given<T>, file: Option<T>, default: impl FnOnce() -> Setting<T>) -> Setting<T> {
    if let Some(value) = given.value {
        return Setting { value, origin: origin_of(given.source) };
    }
    if let Some(value) = file {
        return Setting { value, origin: Origin::File };
    }
    default()
}

impl Config {
    pub fn load(
        config_file: Given<PathBuf>,
        database_url: Given<String>,
        bind: Given<String>,
        lang: Given<String>,
    ) -> anyhow::Result<Config> {
        let explicit = config_file.value.is_some();
        let path = config_file.value.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
        let (file, parsed) = if path.exists() {
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let parsed: FileConfig =
                toml::from_str(&text).with_context(|| format!("{} is not a valid Salescope configuration", path.display()))?;
            (Some(path), parsed)
        } else if explicit {
            anyhow::bail!("configuration file {} does not exist", path.display());
        } else {
            (None, FileConfig::default())
        };
        let lang_given = Given {
            value: match lang.value {
                Some(tag) => Some(Lang::from_tag(&tag).with_context(|| format!("unsupported language `{tag}` (use en or zh-CN)"))?),
                None => None,
            },
            source: lang.source,
        };
        let file_lang = match parsed.lang {
            Some(tag) => Some(Lang::from_tag(&tag).with_context(|| format!("unsupported language `{tag}` in the config file"))?),
            None => None,
        };
        Ok(Config {
            file,
            database_url: layer(database_url, parsed.database_url, || Setting {
                value: DEFAULT_DATABASE_URL.into(),
                origin: Origin::Default,
            }),
            bind: layer(bind, parsed.bind, || Setting { value: DEFAULT_BIND.into(), origin: Origin::Default }),
            lang: layer(lang_given, file_lang, locale_lang),
        })
    }

    /// The configuration as `salescope config` prints it: TOML with each value's origin.
    pub fn render(&self) -> String {
        let file = self.file.as_deref().map_or_else(|| "none".to_string(), |p: &Path| p.display().to_string());
        format!(
            "# configuration file: {file}\ndatabase_url = {:?}  # {}\nbind = {:?}  # {}\nlang = {:?}  # {}\n",
            salescope_store::redact_url(&self.database_url.value),
            self.database_url.origin.describe(),
            self.bind.value,
            self.bind.origin.describe(),
            self.lang.value.code(),
            self.lang.origin.describe(),
        )
    }
}

/// The language of the user's locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English.
fn locale_lang() -> Setting<Lang> {
    for variable in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Some(lang) = std::env::var(variable).ok().filter(|v| !v.is_empty()).and_then(|v| Lang::from_tag(&v)) {
            return Setting { value: lang, origin: Origin::Locale };
        }
    }
    Setting { value: Lang::En, origin: Origin::Default }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none<T>() -> Given<T> {
        Given { value: None, source: None }
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("salescope-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("salescope.toml");
        std::fs::write(&path, "database_url = \"postgres://app:secret@db/sales\"\nbind = \"0.0.0.0:9000\"\n").expect("write");
        let config = Config::load(
            Given { value: Some(path.clone()), source: Some(ValueSource::CommandLine) },
            none(),
            Given { value: Some("127.0.0.1:1".into()), source: Some(ValueSource::EnvVariable) },
            Given { value: Some("zh".into()), source: Some(ValueSource::CommandLine) },
        )
        .expect("config");
        assert_eq!(config.database_url.value, "postgres://app:secret@db/sales");
        assert_eq!(config.database_url.origin, Origin::File);
        assert_eq!((config.bind.value.as_str(), config.bind.origin), ("127.0.0.1:1", Origin::Environment));
        assert_eq!(config.lang.value, Lang::ZhCn);
        let rendered = config.render();
        assert!(rendered.contains("postgres://app:***@db/sales"), "{rendered}");
        assert!(!rendered.contains("secret"));
        std::fs::write(&path, "colour = \"blue\"\n").expect("write");
        assert!(Config::load(Given { value: Some(path), source: None }, none(), none(), none()).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let missing = Given { value: Some(PathBuf::from("/nonexistent/salescope.toml")), source: Some(ValueSource::CommandLine) };
        assert!(Config::load(missing, none(), none(), none()).is_err());
    }
}

//! Reading the scope and period arguments every management command takes, with errors in the
//! user's language.

use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::EngineError;

/// An engine error as a command error, in the user's language.
pub fn fail<E: Into<EngineError>>(lang: Lang) -> impl Fn(E) -> anyhow::Error {
    move |e| anyhow::anyhow!(e.into().message(lang))
}

pub fn scope(text: &str, lang: Lang) -> anyhow::Result<Scope> {
    Scope::parse(text).map_err(fail(lang))
}

pub fn period(text: &str, lang: Lang) -> anyhow::Result<Period> {
    Period::parse(text).map_err(fail(lang))
}

/// The `--period` given, else the month containing `today`.
pub fn period_or_month(text: Option<&str>, today: Day, lang: Lang) -> anyhow::Result<Period> {
    text.map_or_else(|| Ok(Period::month_of(today)), |t| period(t, lang))
}

pub fn date(text: &str, lang: Lang) -> anyhow::Result<Day> {
    salescope_core::time::parse_date(text, &Default::default())
        .ok_or_else(|| anyhow::anyhow!(lang.format("error.bad_date", &[("date", &text)])))
}

/// `NAME=WEIGHT,NAME=WEIGHT`, as target splits and scorecards take them.
pub fn weights(text: &str, lang: Lang) -> anyhow::Result<Vec<(String, f64)>> {
    text.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let bad = || anyhow::anyhow!(lang.format("error.bad_weight_pair", &[("pair", &pair.trim())]));
            let (name, weight) = pair.split_once('=').ok_or_else(bad)?;
            Ok((name.trim().to_string(), weight.trim().parse::<f64>().map_err(|_| bad())?))
        })
        .collect()
}

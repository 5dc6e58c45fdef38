//! The page templates, compiled into the binary, and what a template is handed: a [`Page`].
//! `t(key, …)` in a template is the catalogue text in the page's language; the `money`, `count`,
//! `percent` and `ratio_percent` filters format as every other rendering does.

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, State as TemplateState};
use salescope_core::format::{self};
use salescope_core::i18n::Lang;

/// A page: its template and what it shows.
#[derive(Clone)]
pub(crate) struct Page {
    pub template: &'static str,
    pub title: String,
    pub data: serde_json::Value,
}

/// Every template, compiled into the binary.
const TEMPLATES: [(&str, &str); 28] = [
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("dashboard.html", include_str!("../templates/dashboard.html")),
    ("rep.html", include_str!("../templates/rep.html")),
    ("daily.html", include_str!("../templates/daily.html")),
    ("changes.html", include_str!("../templates/changes.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("kpi_table.html", include_str!("../templates/kpi_table.html")),
    ("import.html", include_str!("../templates/import.html")),
    ("sheet.html", include_str!("../templates/sheet.html")),
    ("actions.html", include_str!("../templates/actions.html")),
    ("explore.html", include_str!("../templates/explore.html")),
    ("targets.html", include_str!("../templates/targets.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("conversation.html", include_str!("../templates/conversation.html")),
    ("call.html", include_str!("../templates/call.html")),
    ("phrases.html", include_str!("../templates/phrases.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("calendar.html", include_str!("../templates/calendar.html")),
    ("kpis.html", include_str!("../templates/kpis.html")),
    ("teams.html", include_str!("../templates/teams.html")),
    ("training.html", include_str!("../templates/training.html")),
    ("course.html", include_str!("../templates/course.html")),
    ("session.html", include_str!("../templates/session.html")),
    ("feedback.html", include_str!("../templates/feedback.html")),
    ("pipeline.html", include_str!("../templates/pipeline.html")),
    ("stages.html", include_str!("../templates/stages.html")),
    ("coaching.html", include_str!("../templates/coaching.html")),
];

pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // The templates are compiled into the binary; a broken one is a build defect
            // that the page tests catch.
            tracing::error!("template {name}: {e}");
        }
    }
    env.add_function("t", translate);
    // One formatting per unit, the same as every other rendering: `{{ x | money }}`.
    env.add_filter("money", |v: Option<f64>| v.map_or_else(String::new, format::money));
    env.add_filter("count", |v: Option<f64>| v.map_or_else(String::new, format::count));
    env.add_filter("percent", |v: Option<f64>| v.map_or_else(String::new, format::percent));
    env.add_filter("ratio_percent", |v: Option<f64>| v.map_or_else(String::new, format::ratio_percent));
    env
}

/// `t("key", name=value, …)`: the catalogue text in the page's language.
fn translate(state: &TemplateState, key: &str, args: Kwargs) -> String {
    let lang = state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::from_tag)).unwrap_or_default();
    let values: Vec<(String, String)> =
        args.args().map(|name| (name.to_string(), args.get::<Value>(name).map(|v| v.to_string()).unwrap_or_default())).collect();
    let pairs: Vec<(&str, &dyn std::fmt::Display)> = values.iter().map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display)).collect();
    lang.format(key, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = templates();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn translations_take_named_values() {
        let env = {
            let mut env = Environment::new();
            env.add_function("t", translate);
            env
        };
        let out = env.render_str("{{ t('error.forbidden_scope', scope='rep:R2') }}", serde_json::json!({"lang": "zh-CN"})).expect("render");
        assert!(out.contains("rep:R2"), "{out}");
    }
}

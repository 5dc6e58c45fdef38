//! Salescope's KPI engine and the management features built on it.
//!
//! The engine reads the per-rep totals and customer sets the store keeps (never raw calls),
//! attributes each rep's days to the team they were in on those days, and evaluates KPI formulas
//! for any scope and period — with target, attainment, pace, the previous period, the same period
//! last year, rank among peers and a trend.
//!
//! **Architecture invariant:** every report is one computation here; the API, the CLI and the
//! pages only render its result.

pub mod actions;
pub mod audit;
pub mod calendar;
pub mod coaching;
mod context;
pub mod conversation;
pub mod custom;
mod data;
pub mod heatmap;
pub mod kpis;
pub mod leads;
pub mod pipeline;
pub mod reports;
pub mod routine;
pub mod scoring;
pub mod targets;
pub mod training;
pub mod training_sheets;

pub use context::{Context, RepInScope, ScopeTest, sells};
pub use kpis::{KpiQuery, KpiReport, KpiValue, Pace, TrendPoint};

use salescope_core::formula::FormulaError;
use salescope_core::i18n::Lang;
use salescope_core::period::PeriodError;
use salescope_core::scope::ScopeError;
use salescope_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("unknown KPI `{0}`")]
    UnknownKpi(String),
    #[error("unknown team `{0}`")]
    UnknownTeam(String),
    #[error("unknown rep `{0}`")]
    UnknownRep(String),
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Criterion(salescope_core::criterion::CriterionError),
    #[error("formula of `{kpi}`: {error}")]
    Formula { kpi: String, error: FormulaError },
    /// Something asked for by id that does not exist, explained by a catalogue message.
    #[error("{}", .0.text(Lang::En))]
    NotFound(Message),
    /// A request that cannot be carried out, explained by a catalogue message.
    #[error("{}", .0.text(Lang::En))]
    Invalid(Message),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    /// A stable code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::UnknownKpi(_) => "unknown_kpi",
            EngineError::UnknownTeam(_) => "unknown_team",
            EngineError::UnknownRep(_) => "unknown_rep",
            EngineError::Period(_) => "bad_period",
            EngineError::Scope(_) => "bad_scope",
            EngineError::Formula { .. } => "bad_formula",
            EngineError::Criterion(_) => "bad_criterion",
            EngineError::Invalid(_) => "invalid_request",
            EngineError::NotFound(_) => "not_found",
            EngineError::Store(_) => "store_error",
        }
    }

    pub fn is_server_error(&self) -> bool {
        matches!(self, EngineError::Store(_))
    }

    /// The message in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            EngineError::UnknownKpi(id) => lang.format("error.unknown_kpi", &[("kpi", id)]),
            EngineError::UnknownTeam(team) => lang.format("error.unknown_team", &[("team", team)]),
            EngineError::UnknownRep(rep) => lang.format("error.unknown_rep", &[("rep", rep)]),
            EngineError::Period(e) => lang.format("error.bad_period", &[("period", &e.0)]),
            EngineError::Scope(e) => lang.format("error.bad_scope", &[("scope", &e.0)]),
            EngineError::Criterion(e) => e.message(lang),
            EngineError::Formula { kpi, error } => lang.format("error.bad_formula", &[("kpi", kpi), ("detail", error)]),
            EngineError::Invalid(message) | EngineError::NotFound(message) => message.text(lang),
            EngineError::Store(e) => lang.format("error.store", &[("detail", e)]),
        }
    }
}

/// A catalogue message with its placeholders filled, rendered in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Message {
        Message { key, args: args.iter().map(|(name, value)| (*name, value.to_string())).collect() }
    }

    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&str, &dyn std::fmt::Display)> =
            self.args.iter().map(|(name, value)| (*name, value as &dyn std::fmt::Display)).collect();
        lang.format(self.key, &args)
    }
}

impl EngineError {
    /// Something that does not exist, explained by the catalogue message `key`.
    pub fn not_found(key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> EngineError {
        EngineError::NotFound(Message::new(key, args))
    }

    /// An invalid request, explained by the catalogue message `key`.
    pub fn invalid(key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> EngineError {
        EngineError::Invalid(Message::new(key, args))
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

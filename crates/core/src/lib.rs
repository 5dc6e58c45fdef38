//! Salescope's pure core: the domain records of SPEC §3, how a row of text becomes a record and
//! which named rules it may break, the per-rep daily totals records contribute to, and the
//! translation catalogue.
//!
//! **Architecture invariant:** this crate does no I/O — no files, no network, no database, no
//! clock. Everything it needs (the organisation's zone, rule severities, known reps, "today")
//! is passed in, so every function here is deterministic and cheap to test.

pub mod access;
pub mod calendar;
pub mod conversation;
pub mod criterion;
pub mod customers;
pub mod did;
pub mod format;
pub mod formula;
pub mod fxhash;
pub mod header;
pub mod i18n;
pub mod kpi;
pub mod parse;
pub mod period;
pub mod phrases;
pub mod pipeline;
pub mod process;
pub mod random;
pub mod records;
pub mod rollup;
pub mod rules;
pub mod schema;
pub mod scope;
pub mod sentiment;
pub mod settings;
pub mod sheet;
pub mod stats;
pub mod targets;
pub mod time;
pub mod training;
pub mod values;

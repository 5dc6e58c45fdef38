//! The JSON API under `/api/v1/`, one module per area. Each handler checks access, asks the
//! engine, and renders the one result as JSON, CSV or XLSX.

pub(crate) mod actions;
pub(crate) mod audit;
pub(crate) mod calendar;
pub(crate) mod conversation;
pub(crate) mod ingest;
pub(crate) mod kpis;
pub(crate) mod pipeline;
pub(crate) mod process;
pub(crate) mod reports;
pub(crate) mod scoring;
pub(crate) mod system;
pub(crate) mod targets;
pub(crate) mod training;

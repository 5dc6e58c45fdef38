//! The pages people use, one module per area: server-rendered templates (`templates/`) with htmx
//! for in-place writes and ECharts for charts. Every page reads through the same engine calls and
//! access checks as the JSON API; templates only lay out what they are given.

pub(crate) mod assets;
pub(crate) mod changes;
pub(crate) mod coaching;
pub(crate) mod conversation;
pub(crate) mod daily;
pub(crate) mod dashboard;
pub(crate) mod explore;
pub(crate) mod kpi_view;
pub(crate) mod pipeline;
pub(crate) mod plan;
pub(crate) mod process;
pub(crate) mod rep;
pub(crate) mod review;
pub(crate) mod session;
pub(crate) mod training;
pub(crate) mod upload;

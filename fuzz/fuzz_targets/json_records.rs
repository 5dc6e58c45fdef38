//! Arbitrary bytes as an ingestion request body: refused with an error or read as rows, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salescope_core::header::{CustomMapping, map_headers};
use salescope_core::parse::{ParseContext, Record, parse_row};
use salescope_core::records::DailyReport;
use salescope_import::Source;

fuzz_target!(|bytes: &[u8]| {
    let Ok(source) = Source::json(bytes) else { return };
    let mut ctx = ParseContext::default();
    ctx.reps.insert("R1", "张三");
    let mut mapping = None;
    let _ = source.scan(|row| {
        match &mapping {
            None => mapping = Some(map_headers(DailyReport::FIELDS, row.fields, &CustomMapping::default())),
            Some(m) => {
                let _ = parse_row::<DailyReport>(&m.values(row.fields), &ctx);
            }
        }
        true
    });
});

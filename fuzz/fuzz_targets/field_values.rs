//! Every value parser takes any text without panicking, and what it accepts is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salescope_core::time::{OrgZone, parse_date, parse_datetime};
use salescope_core::values::{format_cents, parse_amount, parse_bool, parse_count, parse_score_tenths, parse_seconds};

fuzz_target!(|text: &str| {
    let zone = OrgZone::default();
    if let Some(t) = parse_datetime(text, &zone) {
        // A canonical rendering parses back to the same instant.
        assert_eq!(parse_datetime(&t.to_string(), &zone), Some(t));
    }
    if let Some(d) = parse_date(text, &zone) {
        assert_eq!(parse_date(&d.to_string(), &zone), Some(d));
    }
    if let Some(cents) = parse_amount(text) {
        assert_eq!(parse_amount(&format_cents(cents)), Some(cents));
    }
    let _ = parse_count(text);
    let _ = parse_seconds(text);
    let _ = parse_bool(text);
    let _ = parse_score_tenths(text);
});

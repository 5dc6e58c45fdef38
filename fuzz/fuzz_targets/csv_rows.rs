//! Arbitrary bytes as a CSV file of calls: decoding, header mapping and row parsing never panic,
//! and every row either becomes a record or names a rule.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salescope_core::header::{CustomMapping, map_headers};
use salescope_core::parse::{ParseContext, Record, parse_row};
use salescope_core::records::Call;
use salescope_import::{Encoding, Source};

fuzz_target!(|bytes: &[u8]| {
    let Ok(source) = Source::csv(Box::new(std::io::Cursor::new(bytes.to_vec())), bytes.len() as u64, Encoding::Auto) else { return };
    let mut ctx = ParseContext::default();
    ctx.reps.insert("R1", "张三");
    let mut mapping = None;
    let _ = source.scan(|row| {
        match &mapping {
            None => mapping = Some(map_headers(Call::FIELDS, row.fields, &CustomMapping::default())),
            Some(m) => {
                let parsed = parse_row::<Call>(&m.values(row.fields), &ctx);
                assert!(parsed.record.is_some() || !parsed.issues.is_empty());
            }
        }
        true
    });
});

//! The libFuzzer binary: `SALESCOPE_FUZZ_TARGET` names the target (see `salescope_fuzz::TARGETS`).
//! Built and run by `scripts/fuzz`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static TARGET: OnceLock<salescope_fuzz::Target> = OnceLock::new();

fuzz_target!(
    init: {
        let name = std::env::var("SALESCOPE_FUZZ_TARGET").unwrap_or_default();
        let Some(target) = salescope_fuzz::target(&name) else {
            let names: Vec<&str> = salescope_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
            eprintln!("SALESCOPE_FUZZ_TARGET must be one of: {}", names.join(", "));
            std::process::exit(2);
        };
        let _ = TARGET.set(target);
    },
    |bytes: &[u8]| {
        if let Some(target) = TARGET.get() {
            target(bytes);
        }
    }
);

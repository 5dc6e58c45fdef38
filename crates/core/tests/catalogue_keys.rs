//! Every message key the workspace's code names literally is in the translation catalogue, so
//! that no user ever sees a bare key.

use salescope_core::i18n::has_key;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source tree").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals passed first to a call of `name(`.
fn keys_after(source: &str, name: &str) -> Vec<String> {
    source
        .match_indices(&format!("{name}(\""))
        .filter_map(|(at, call)| {
            let rest = &source[at + call.len()..];
            let key = &rest[..rest.find('"')?];
            // Catalogue keys are dotted identifiers; other strings are not keys.
            (key.contains('.') && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')).then(|| key.to_string())
        })
        .collect()
}

#[test]
fn every_literal_message_key_is_in_the_catalogue() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).expect("crates folder").flatten() {
        let src = krate.path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let (mut missing, mut checked) = (Vec::new(), 0);
    for file in &files {
        let source = std::fs::read_to_string(file).expect("readable source");
        for name in [".tr", ".format", "invalid", "message_key"] {
            for key in keys_after(&source, name) {
                checked += 1;
                if !has_key(&key) {
                    missing.push(format!("{}: {key}", file.display()));
                }
            }
        }
    }
    assert!(checked > 40, "found only {checked} keys: the scan no longer sees the code's calls");
    assert!(missing.is_empty(), "keys missing from catalogue.tsv:\n{}", missing.join("\n"));
}

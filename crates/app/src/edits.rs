//! Edits that cannot overwrite each other unseen. A form that edits a stored record carries the
//! version of the record as it was when the form opened; the save is refused when the record has
//! changed since, so the second of two people editing the same record is told instead of
//! silently undoing the first.
//!
//! A version is a digest of the record's fields as the form shows them, so it needs no column
//! in any table and works the same for a daily report, a review cell or a target.

use blake2::{Blake2b, Digest, digest::consts::U16};

/// The version of a record that does not exist yet: a form that creates one carries it, and the
/// save is refused if someone else created the record in the meantime.
pub const ABSENT: &str = "absent";

/// The version of `record` (its fields as the form shows them), or [`ABSENT`].
pub fn version_of(record: Option<&serde_json::Value>) -> String {
    match record {
        None => ABSENT.to_string(),
        Some(fields) => crate::accounts::hex(&Blake2b::<U16>::digest(fields.to_string().as_bytes())),
    }
}

/// Whether a form opened on version `opened_on` may save over `stored`, the record as it is now.
pub fn unchanged_since(opened_on: &str, stored: Option<&serde_json::Value>) -> bool {
    version_of(stored) == opened_on
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_changed_after_the_form_opened_is_not_unchanged() {
        let opened = json!({"followups": "13", "deal_amount": "44100.00"});
        let version = version_of(Some(&opened));
        assert!(unchanged_since(&version, Some(&opened)));
        assert!(!unchanged_since(&version, Some(&json!({"followups": "14", "deal_amount": "44100.00"}))));
        assert!(!unchanged_since(&version, None), "a record removed since is a change too");
    }

    #[test]
    fn a_form_that_creates_a_record_is_refused_once_someone_else_created_it() {
        assert!(unchanged_since(ABSENT, None));
        assert!(!unchanged_since(ABSENT, Some(&json!({"value": "x"}))));
    }
}

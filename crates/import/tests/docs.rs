//! docs/import.md documents every field, synonym and rule the code knows.

use salescope_core::parse::Record;
use salescope_core::records::*;
use salescope_core::rules::Rule;
use salescope_core::schema::FieldSpec;
use salescope_core::training::{Assessment, Attendance, Course, Session, TrainingFeedback};

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/import.md")).expect("docs/import.md exists")
}

#[test]
fn every_field_and_synonym_is_documented() {
    let doc = doc();
    let kinds: [(&str, &[FieldSpec]); 15] = [
        ("reps", Rep::FIELDS),
        ("customers", Customer::FIELDS),
        ("calls", Call::FIELDS),
        ("activities", Activity::FIELDS),
        ("leads", Lead::FIELDS),
        ("deals", Deal::FIELDS),
        ("deal-stages", DealStage::FIELDS),
        ("feedback", Feedback::FIELDS),
        ("daily-reports", DailyReport::FIELDS),
        ("measures", MeasureValue::FIELDS),
        ("courses", Course::FIELDS),
        ("sessions", Session::FIELDS),
        ("attendance", Attendance::FIELDS),
        ("assessments", Assessment::FIELDS),
        ("training-feedback", TrainingFeedback::FIELDS),
    ];
    for (kind, fields) in kinds {
        let section_start = doc.find(&format!("### `{kind}`")).unwrap_or_else(|| panic!("no section for {kind}"));
        let section = &doc[section_start..];
        let section = &section[..section[4..].find("### ").map_or(section.len(), |i| i + 4)];
        for field in fields {
            let row = section
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", field.name)))
                .unwrap_or_else(|| panic!("{kind}.{} undocumented", field.name));
            assert_eq!(row.contains("| yes |"), field.required, "{kind}.{} required flag", field.name);
            for synonym in field.synonyms {
                assert!(row.contains(synonym), "{kind}.{}: synonym {synonym} undocumented", field.name);
            }
        }
    }
}

#[test]
fn every_rule_is_documented_with_its_default() {
    let doc = doc();
    for rule in Rule::ALL {
        let row =
            doc.lines().find(|l| l.starts_with(&format!("| `{}` |", rule.id()))).unwrap_or_else(|| panic!("{} undocumented", rule.id()));
        if rule.is_configurable() {
            assert!(row.contains(&format!("| {} |", rule.default_severity().id())), "{}: documented default differs", rule.id());
        }
    }
}

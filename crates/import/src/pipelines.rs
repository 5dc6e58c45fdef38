//! The pipeline file: the configured sales processes as TOML, to edit in a text editor and keep
//! under version control. It reads back what it writes.
//!
//! ```toml
//! [[pipeline]]
//! id = "software"
//! name_en = "Software"
//! name_zh = "软件"
//!
//! [[pipeline.stage]]
//! key = "需求确认"            # the stage name as the stage history records it
//! name_en = "Needs confirmed"
//! milestones = ["预算已知", "决策人已识别"]
//! entry_criteria = "客户同意安排需求访谈"
//! ```

use salescope_core::i18n::Lang;
use salescope_core::process::{self, PipelineDef, StageDef};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineFile {
    #[serde(default)]
    pipeline: Vec<PipelineEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineEntry {
    id: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    stage: Vec<StageEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StageEntry {
    key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name_zh: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    milestones: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    entry_criteria: String,
}

/// Reads a pipeline file and checks it with the core's rules; the errors name the line (for TOML
/// that does not parse) or the pipeline, the stage and the rule.
pub fn parse_pipelines(text: &str, lang: Lang) -> Result<Vec<PipelineDef>, Vec<String>> {
    let file: PipelineFile = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let pipelines: Vec<PipelineDef> = file
        .pipeline
        .into_iter()
        .map(|p| PipelineDef {
            id: p.id.trim().to_string(),
            name_en: p.name_en.trim().to_string(),
            name_zh: p.name_zh.trim().to_string(),
            stages: p
                .stage
                .into_iter()
                .map(|s| StageDef {
                    key: s.key.trim().to_string(),
                    name_en: s.name_en.trim().to_string(),
                    name_zh: s.name_zh.trim().to_string(),
                    milestones: s.milestones.into_iter().map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect(),
                    entry_criteria: s.entry_criteria.trim().to_string(),
                })
                .collect(),
        })
        .collect();
    let problems = process::validate(&pipelines);
    if problems.is_empty() { Ok(pipelines) } else { Err(problems.iter().map(|p| p.message(lang)).collect()) }
}

/// The pipeline file of a configuration.
pub fn pipelines_toml(pipelines: &[PipelineDef]) -> String {
    let file = PipelineFile {
        pipeline: pipelines
            .iter()
            .map(|p| PipelineEntry {
                id: p.id.clone(),
                name_en: p.name_en.clone(),
                name_zh: p.name_zh.clone(),
                stage: p
                    .stages
                    .iter()
                    .map(|s| StageEntry {
                        key: s.key.clone(),
                        name_en: s.name_en.clone(),
                        name_zh: s.name_zh.clone(),
                        milestones: s.milestones.clone(),
                        entry_criteria: s.entry_criteria.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    // Plain data of strings and lists always serialises.
    toml::to_string(&file).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[pipeline]]
id = "software"
name_en = "Software"
name_zh = "软件"

[[pipeline.stage]]
key = "初步接触"
name_en = "First contact"

[[pipeline.stage]]
key = "方案报价"
milestones = ["报价单已发送", " 决策人已确认 "]
entry_criteria = "需求已确认"

[[pipeline]]
id = "service"
[[pipeline.stage]]
key = "调研"
"#;

    #[test]
    fn the_file_reads_back_what_it_writes() {
        let pipelines = parse_pipelines(FILE, Lang::En).expect("valid");
        assert_eq!(pipelines.len(), 2);
        assert_eq!(pipelines[0].order(), ["初步接触", "方案报价"]);
        assert_eq!(pipelines[0].stages[1].milestones, ["报价单已发送", "决策人已确认"]);
        assert_eq!(pipelines[0].stages[1].entry_criteria, "需求已确认");
        assert_eq!(parse_pipelines(&pipelines_toml(&pipelines), Lang::En).expect("round trip"), pipelines);
    }

    #[test]
    fn a_broken_file_is_explained_by_line_or_by_rule() {
        let syntax = parse_pipelines("[[pipeline]]\nid = \"a\"\nstage = [", Lang::En).expect_err("not TOML");
        assert!(syntax[0].contains("line 3"), "{syntax:?}");
        let unknown = parse_pipelines("[[pipeline]]\nid = \"a\"\ncolour = \"red\"", Lang::En).expect_err("unknown field");
        assert!(unknown[0].contains("colour"), "{unknown:?}");
        let duplicate =
            parse_pipelines("[[pipeline]]\nid = \"a\"\n[[pipeline.stage]]\nkey = \"x\"\n[[pipeline.stage]]\nkey = \"x\"", Lang::En)
                .expect_err("duplicate stage");
        assert_eq!(duplicate.len(), 1);
        assert!(duplicate[0].contains('a') && duplicate[0].contains("stage 2") && duplicate[0].contains("twice"), "{duplicate:?}");
    }
}

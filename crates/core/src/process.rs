//! Configured sales processes (SPEC C9): pipelines with ordered stages, zh/en names, milestones
//! within a stage and entry criteria. An organisation may run several (one per product line); a
//! deal belongs to the pipeline its stage history matches best. With none configured, the
//! analyses use the order learned from the stage history (`pipeline::learned_order`).

use crate::i18n::Lang;
use crate::pipeline::DealPath;
use std::collections::HashSet;

/// The name in `lang`, falling back to the other language and then to the key.
fn name_in<'a>(lang: Lang, en: &'a str, zh: &'a str, key: &'a str) -> &'a str {
    let (first, second) = match lang {
        Lang::ZhCn => (zh, en),
        Lang::En => (en, zh),
    };
    [first, second].into_iter().find(|n| !n.trim().is_empty()).unwrap_or(key)
}

/// A stage of a configured pipeline. `key` is the stage name as the stage history records it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StageDef {
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    /// Steps within the stage a rep ticks off (需求确认, 决策人已识别 …).
    pub milestones: Vec<String>,
    /// What must be true for a deal to enter the stage.
    pub entry_criteria: String,
}

impl StageDef {
    pub fn name(&self, lang: Lang) -> &str {
        name_in(lang, &self.name_en, &self.name_zh, &self.key)
    }
}

/// A pipeline: its stages in the order deals pass through them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipelineDef {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub stages: Vec<StageDef>,
}

impl PipelineDef {
    pub fn name(&self, lang: Lang) -> &str {
        name_in(lang, &self.name_en, &self.name_zh, &self.id)
    }

    /// The stage keys in order, as the analyses take them.
    pub fn order(&self) -> Vec<String> {
        self.stages.iter().map(|s| s.key.clone()).collect()
    }

    /// The pipeline the learned order gives, for a manager to confirm.
    pub fn from_learned(id: &str, name_en: &str, name_zh: &str, order: &[String]) -> PipelineDef {
        let stages = order.iter().map(|key| StageDef { key: key.clone(), name_zh: key.clone(), ..StageDef::default() }).collect();
        PipelineDef { id: id.to_string(), name_en: name_en.to_string(), name_zh: name_zh.to_string(), stages }
    }
}

/// A configuration rule a set of pipelines breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessRule {
    PipelineIdMissing,
    PipelineDuplicate,
    PipelineWithoutStages,
    StageKeyMissing,
    StageDuplicate,
}

impl ProcessRule {
    pub fn id(self) -> &'static str {
        match self {
            ProcessRule::PipelineIdMissing => "pipeline_id_missing",
            ProcessRule::PipelineDuplicate => "pipeline_duplicate",
            ProcessRule::PipelineWithoutStages => "pipeline_without_stages",
            ProcessRule::StageKeyMissing => "stage_key_missing",
            ProcessRule::StageDuplicate => "stage_duplicate",
        }
    }
}

/// Where a configuration breaks a rule: the pipeline (by position, 1-based, and id) and the
/// stage (by position within it) when the rule is about one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessProblem {
    pub pipeline: usize,
    pub pipeline_id: String,
    pub stage: Option<usize>,
    pub stage_key: Option<String>,
    pub rule: ProcessRule,
}

impl ProcessProblem {
    pub fn message(&self, lang: Lang) -> String {
        let rule = lang.tr(&format!("process.rule.{}", self.rule.id())).to_string();
        match (self.stage, &self.stage_key) {
            (Some(stage), key) => lang.format(
                "process.problem.stage",
                &[("pipeline", &self.pipeline_id), ("n", &stage), ("stage", &key.as_deref().unwrap_or("")), ("rule", &rule)],
            ),
            (None, _) => {
                lang.format("process.problem.pipeline", &[("pipeline", &self.pipeline_id), ("n", &self.pipeline), ("rule", &rule)])
            }
        }
    }
}

/// Every rule the pipelines break: ids present and unique, each with stages whose keys are
/// present and unique within it. An empty list configures nothing (the learned order applies).
pub fn validate(pipelines: &[PipelineDef]) -> Vec<ProcessProblem> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    for (p, pipeline) in pipelines.iter().enumerate() {
        let at = |stage: Option<(usize, &str)>, rule| ProcessProblem {
            pipeline: p + 1,
            pipeline_id: pipeline.id.clone(),
            stage: stage.map(|(n, _)| n),
            stage_key: stage.map(|(_, k)| k.to_string()),
            rule,
        };
        if pipeline.id.trim().is_empty() {
            problems.push(at(None, ProcessRule::PipelineIdMissing));
        } else if !ids.insert(pipeline.id.trim()) {
            problems.push(at(None, ProcessRule::PipelineDuplicate));
        }
        if pipeline.stages.is_empty() {
            problems.push(at(None, ProcessRule::PipelineWithoutStages));
        }
        let mut keys = HashSet::new();
        for (s, stage) in pipeline.stages.iter().enumerate() {
            if stage.key.trim().is_empty() {
                problems.push(at(Some((s + 1, "")), ProcessRule::StageKeyMissing));
            } else if !keys.insert(stage.key.trim()) {
                problems.push(at(Some((s + 1, &stage.key)), ProcessRule::StageDuplicate));
            }
        }
    }
    problems
}

/// The pipeline a deal belongs to: the one holding most of the distinct stages it entered, the
/// earlier pipeline on a tie (so a deal with no stage history goes to the first).
pub fn pipeline_of(path: &DealPath, pipelines: &[PipelineDef]) -> usize {
    let mut entered: Vec<&str> = path.stages.iter().map(|(s, _)| &**s).collect();
    entered.sort_unstable();
    entered.dedup();
    let mut best = (0, 0);
    for (i, pipeline) in pipelines.iter().enumerate() {
        let held = entered.iter().filter(|s| pipeline.stages.iter().any(|d| d.key == **s)).count();
        if held > best.1 {
            best = (i, held);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::LocalDateTime;

    fn pipeline(id: &str, keys: &[&str]) -> PipelineDef {
        PipelineDef {
            id: id.into(),
            stages: keys.iter().map(|k| StageDef { key: k.to_string(), ..StageDef::default() }).collect(),
            ..PipelineDef::default()
        }
    }

    fn path(stages: &[&str]) -> DealPath {
        DealPath {
            deal_id: "D1".into(),
            rep_id: "R1".into(),
            amount: 0,
            created_at: LocalDateTime(0),
            closed: None,
            source: None,
            segment: None,
            stages: stages.iter().enumerate().map(|(i, s)| (std::sync::Arc::from(*s), LocalDateTime(i as i64))).collect(),
        }
    }

    #[test]
    fn a_deal_belongs_to_the_pipeline_holding_most_of_its_stages() {
        let pipelines = [pipeline("software", &["接触", "演示", "报价"]), pipeline("service", &["接触", "调研", "方案", "报价"])];
        assert_eq!(pipeline_of(&path(&["接触", "演示"]), &pipelines), 0);
        assert_eq!(pipeline_of(&path(&["接触", "调研", "方案"]), &pipelines), 1);
        assert_eq!(pipeline_of(&path(&["接触", "报价"]), &pipelines), 0, "a tie goes to the earlier pipeline");
        assert_eq!(pipeline_of(&path(&[]), &pipelines), 0);
    }

    #[test]
    fn validation_names_the_pipeline_the_stage_and_the_rule() {
        let pipelines = [pipeline("a", &["x", "y", "x"]), pipeline("a", &[]), pipeline(" ", &["", "z"])];
        let found: Vec<(usize, Option<usize>, &str)> = validate(&pipelines).iter().map(|p| (p.pipeline, p.stage, p.rule.id())).collect();
        assert_eq!(
            found,
            [
                (1, Some(3), "stage_duplicate"),
                (2, None, "pipeline_duplicate"),
                (2, None, "pipeline_without_stages"),
                (3, None, "pipeline_id_missing"),
                (3, Some(1), "stage_key_missing"),
            ]
        );
        assert!(validate(&[pipeline("a", &["x"]), pipeline("b", &["x"])]).is_empty(), "pipelines may share a stage");
    }

    #[test]
    fn names_fall_back_to_the_other_language_then_the_key() {
        let stage = StageDef { key: "demo".into(), name_en: "Demo".into(), ..StageDef::default() };
        assert_eq!(stage.name(Lang::ZhCn), "Demo");
        assert_eq!(StageDef { key: "demo".into(), ..StageDef::default() }.name(Lang::En), "demo");
    }
}

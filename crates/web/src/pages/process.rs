//! The sales process as configured: pipelines with their stages in order, zh/en names, milestones
//! and entry criteria, edited on a page or as the pipeline file; while none is configured, the
//! order learned from the stage history, shown for a manager to confirm. Anyone who sees the
//! pipeline page reads it; editing needs the Plan permission.

use crate::access::{record_change, require_shared};
use crate::api::process::sees_organisation;
use crate::auth::Session;
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::render::{render, render_refused};
use crate::request::{form_field as field, form_fields};
use crate::state::AppState;
use crate::templates::Page;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use salescope_core::access::Permission;
use salescope_core::process::{self, PipelineDef, StageDef};
use salescope_engine::pipeline::{DEFAULT_PIPELINE, learned_pipeline, process_overview};
use salescope_import::pipelines::{parse_pipelines, pipelines_toml};
use serde_json::json;

const PAGE: &str = "/pipeline/stages";
/// Empty rows under a pipeline's stages, to add stages with.
const BLANK_ROWS: usize = 2;

fn problems_error(problems: Vec<String>) -> ApiError {
    ApiError::bad_request("invalid_pipeline", problems.join("; "))
}

/// Saves a whole configuration after the core's rules pass, and logs it.
async fn save(state: &AppState, session: &Session, subject: &str, before: &[PipelineDef], after: &[PipelineDef]) -> ApiResult<()> {
    let lang = session.lang;
    let problems: Vec<String> = process::validate(after).iter().map(|p| p.message(lang)).collect();
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    state.db.replace_pipelines(after).await.or_api(lang)?;
    record_change(state, session, "pipeline", subject, "update", Some(&json!(pipelines_toml(before))), Some(&json!(pipelines_toml(after))))
        .await
}

/// After a change, back to the page; a refused change shows the page again with the reason on
/// top and, for the file, the text as it was sent.
async fn done(result: ApiResult<()>, state: &AppState, session: &Session, sent_file: Option<&str>) -> Response {
    let Err(refused) = result else { return Redirect::to(PAGE).into_response() };
    if refused.status != axum::http::StatusCode::BAD_REQUEST {
        return render_refused(state, session, PAGE, Err(refused));
    }
    let page = stages_page(state, session).await.map(|mut page| {
        page.data["error"] = json!(refused.message);
        if let Some(text) = sent_file {
            page.data["file"] = json!(text);
        }
        page
    });
    render_refused(state, session, PAGE, page)
}

/// `GET /pipeline/stages`.
pub(crate) async fn page(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let page = stages_page(&state, &session).await;
    render(&state, &session, PAGE, page)
}

async fn stages_page(state: &AppState, session: &Session) -> ApiResult<Page> {
    let lang = session.lang;
    let overview = process_overview(&state.db).await.or_api(lang)?;
    let sees_org = sees_organisation(state, session).await?;
    let blank = json!({"key": "", "name_en": "", "name_zh": "", "milestones": "", "entry_criteria": "", "deals": ""});
    let pipelines: Vec<serde_json::Value> = overview
        .pipelines
        .iter()
        .map(|(p, counts)| {
            let mut stages: Vec<serde_json::Value> = p
                .stages
                .iter()
                .zip(counts)
                .map(|(s, deals)| {
                    json!({"key": s.key, "name_en": s.name_en, "name_zh": s.name_zh, "name": s.name(lang),
                        "milestones": s.milestones.join("\n"), "entry_criteria": s.entry_criteria, "deals": sees_org.then_some(deals)})
                })
                .collect();
            if overview.configured {
                stages.extend(std::iter::repeat_n(blank.clone(), BLANK_ROWS));
            }
            json!({"id": p.id, "name": p.name(lang), "name_en": p.name_en, "name_zh": p.name_zh, "stages": stages})
        })
        .collect();
    let configured: Vec<PipelineDef> =
        if overview.configured { overview.pipelines.into_iter().map(|(p, _)| p).collect() } else { Vec::new() };
    Ok(Page {
        template: "stages.html",
        title: lang.tr("process.title").to_string(),
        data: json!({
            "configured": !configured.is_empty(), "pipelines": pipelines, "can_edit": session.viewer.may(Permission::Plan),
            "file": pipelines_toml(&configured),
        }),
    })
}

/// `POST /pipeline/stages/confirm`: the learned order becomes the configured pipeline.
pub(crate) async fn confirm(State(state): State<AppState>, Extension(session): Extension<Session>) -> Response {
    let result = async {
        let lang = session.lang;
        require_shared(&session, Permission::Plan, lang)?;
        let pipeline = learned_pipeline(&state.db).await.or_api(lang)?;
        save(&state, &session, DEFAULT_PIPELINE, &[], &[pipeline]).await
    }
    .await;
    done(result, &state, &session, None).await
}

/// The stages of a pipeline form, in the order the rows were submitted: a row starts at each
/// `key` field; rows with an empty key are dropped (that is how a stage is removed).
fn stages_of_form(fields: &[(String, String)]) -> Vec<StageDef> {
    let mut stages: Vec<StageDef> = Vec::new();
    for (name, value) in fields {
        if name == "key" {
            stages.push(StageDef { key: value.clone(), ..StageDef::default() });
            continue;
        }
        let Some(stage) = stages.last_mut() else { continue };
        match name.as_str() {
            "stage_name_en" => stage.name_en = value.clone(),
            "stage_name_zh" => stage.name_zh = value.clone(),
            "milestones" => stage.milestones = value.lines().map(str::trim).filter(|m| !m.is_empty()).map(str::to_string).collect(),
            "entry_criteria" => stage.entry_criteria = value.clone(),
            _ => {}
        }
    }
    stages.retain(|s| !s.key.is_empty());
    stages
}

/// `POST /pipeline/stages/{id}`: saves one pipeline's names and stages (`id` `new` adds one).
pub(crate) async fn save_pipeline(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let lang = session.lang;
        require_shared(&session, Permission::Plan, lang)?;
        let before = state.db.pipelines().await.or_api(lang)?;
        let f = form_fields(&body);
        let edited = PipelineDef {
            id: if id == "new" { field(&f, "id").to_string() } else { id.clone() },
            name_en: field(&f, "name_en").to_string(),
            name_zh: field(&f, "name_zh").to_string(),
            stages: stages_of_form(&f),
        };
        let mut after = before.clone();
        match after.iter_mut().find(|p| id != "new" && p.id == id) {
            Some(existing) => *existing = edited.clone(),
            None => after.push(edited.clone()),
        }
        save(&state, &session, &edited.id, &before, &after).await
    }
    .await;
    done(result, &state, &session, None).await
}

/// `POST /pipeline/stages/{id}/delete`.
pub(crate) async fn delete_pipeline(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require_shared(&session, Permission::Plan, session.lang)?;
        let before = state.db.pipelines().await.or_api(session.lang)?;
        let after: Vec<PipelineDef> = before.iter().filter(|p| p.id != id).cloned().collect();
        save(&state, &session, &id, &before, &after).await
    }
    .await;
    done(result, &state, &session, None).await
}

/// `POST /pipeline/stages/file`: replaces the configuration with a pasted pipeline file.
pub(crate) async fn replace_file(State(state): State<AppState>, Extension(session): Extension<Session>, body: Bytes) -> Response {
    let f = form_fields(&body);
    let result = async {
        let lang = session.lang;
        require_shared(&session, Permission::Plan, lang)?;
        let after = parse_pipelines(field(&f, "file"), lang).map_err(problems_error)?;
        let before = state.db.pipelines().await.or_api(lang)?;
        save(&state, &session, "file", &before, &after).await
    }
    .await;
    done(result, &state, &session, Some(field(&f, "file"))).await
}

/// `GET /pipeline/stages.toml`: the pipeline file to download and edit.
pub(crate) async fn download(State(state): State<AppState>, Extension(session): Extension<Session>) -> ApiResult<Response> {
    let pipelines = state.db.pipelines().await.or_api(session.lang)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"pipelines.toml\""),
        ],
        pipelines_toml(&pipelines),
    )
        .into_response())
}

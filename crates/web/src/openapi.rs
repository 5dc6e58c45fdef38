//! The OpenAPI document: the handlers' own annotations (collected in `routes`), then what their
//! signatures cannot say — the two ways in, the error answers, the fixed value sets.

use crate::auth::{self};
use salescope_core::i18n::Lang;
use salescope_core::schema::Kind;
use salescope_export::OutputFormat;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Salescope API", description = "Sales performance, targets, reviews, improvement actions and audit. \
Every error is `{message, code, type}`; `?lang=zh-CN` or `Accept-Language` chooses the language of messages and headings."),
    tags(
        (name = "ingest", description = "Records in, validated like file imports"),
        (name = "kpis", description = "KPI values and the catalogue"),
        (name = "targets", description = "Targets, their splits, and daily tracking"),
        (name = "reports", description = "Review sheets: daily, weekly, monthly"),
        (name = "actions", description = "Problems and improvement actions"),
        (name = "audit", description = "Data-quality audit of daily reports"),
        (name = "scoring", description = "Scorecards, composite scores, leaderboards"),
        (name = "conversation", description = "Call transcripts and behaviour metrics"),
        (name = "pipeline", description = "The sales process: funnel, weighted pipeline, stuck deals, volatility, best time to call"),
        (name = "training", description = "Training plan, sign-in sheets, effectiveness and ROI"),
        (name = "system", description = "Health and this document"),
    )
)]
pub(crate) struct ApiDoc;

/// The two ways in — an API token as `Authorization: Bearer`, or a session cookie from the login
/// form — declared once, required of every operation but the public ones, each of which then
/// also answers 401 (not signed in), 403 (not the caller's to see or do) and 400 (a parameter or
/// body it cannot read) with the error body; and what the handlers' signatures cannot tell
/// utoipa ([`declare_fixed_sets`]).
pub(crate) fn with_authentication(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))));
    document.security =
        Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new()), SecurityRequirement::new("session", Vec::<String>::new())]);
    for (path, item) in document.paths.paths.iter_mut() {
        let public = auth::is_public(path);
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
            if public {
                operation.security = Some(vec![SecurityRequirement::default()]);
                continue;
            }
            let responses = &mut operation.responses.responses;
            responses.entry("401".to_string()).or_insert_with(|| error_answer("Not signed in: no valid API token or session"));
            responses
                .entry("403".to_string())
                .or_insert_with(|| error_answer("Not the caller's to see or do, or a session's request without its CSRF token"));
            responses.entry("400".to_string()).or_insert_with(|| error_answer("A parameter or body the server cannot read"));
            declare_fixed_sets(path, operation);
        }
    }
    document
}

/// An answer with the `{message, code, type}` error body.
fn error_answer(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

/// What the handlers' signatures cannot tell utoipa: the fixed value sets of the shared
/// parameters (`format`, `lang`, the record `{kind}`), the CSV and XLSX answers of every operation
/// that takes a `format`, the 404 of an unknown team, rep or pipeline named in the parameters,
/// and the two bodies an ingest's 403 and 422 may carry: the error body (the caller may not
/// import at all; the records lack required columns) or the report (some record lies beyond the
/// caller's scope; a strict import stored nothing).
fn declare_fixed_sets(path: &str, operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{ContentBuilder, KnownFormat, Ref, RefOr, SchemaFormat};
    let one_of = |values: Vec<&'static str>| {
        RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()))
    };
    let formats = [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Xlsx];
    let mut names_a_scope = false;
    let mut takes_format = false;
    for parameter in operation.parameters.iter_mut().flatten() {
        match parameter.name.as_str() {
            "format" => {
                parameter.schema = Some(one_of(formats.iter().map(|f| f.extension()).collect()));
                takes_format = true;
            }
            "lang" => parameter.schema = Some(one_of(Lang::ALL.iter().map(|l| l.code()).collect())),
            "kind" if path == "/api/v1/ingest/{kind}" => parameter.schema = Some(one_of(Kind::ALL.iter().map(|k| k.id()).collect())),
            "scope" | "team" | "rep" | "pipeline" => names_a_scope = true,
            _ => {}
        }
    }
    let responses = &mut operation.responses.responses;
    if names_a_scope {
        responses.entry("404".to_string()).or_insert_with(|| error_answer("An unknown team, rep or pipeline"));
    }
    if takes_format && let Some(RefOr::T(ok)) = responses.get_mut("200") {
        for format in formats.into_iter().filter(|f| *f != OutputFormat::Json) {
            let file = ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
            ok.content.insert(format.content_type().to_string(), ContentBuilder::new().schema(Some(Schema::Object(file.build()))).build());
        }
    }
    if !path.starts_with("/api/v1/ingest/") {
        return;
    }
    for status in ["403", "422"] {
        if let Some(RefOr::T(refused)) = responses.get_mut(status)
            && let Some(content) = refused.content.get_mut("application/json")
            && let Some(report) = content.schema.take()
        {
            let either = OneOfBuilder::new().item(report).item(Ref::from_schema_name("ErrorBody")).build();
            content.schema = Some(RefOr::T(Schema::OneOf(either)));
        }
    }
}

/// The document's own entry.
pub(crate) fn openapi_path() -> utoipa::openapi::path::PathItem {
    use utoipa::openapi::HttpMethod;
    use utoipa::openapi::path::{OperationBuilder, PathItem};
    use utoipa::openapi::response::ResponseBuilder;
    let operation = OperationBuilder::new()
        .tag("system")
        .summary(Some("This OpenAPI document"))
        .response("200", ResponseBuilder::new().description("OpenAPI 3.1 JSON"))
        .security(utoipa::openapi::security::SecurityRequirement::default())
        .build();
    PathItem::new(HttpMethod::Get, operation)
}

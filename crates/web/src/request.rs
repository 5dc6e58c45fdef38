//! What every handler needs from a request: its language, a JSON body, the day it is asked
//! about, and errors turned into [`ApiError`]s in that language.

use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use salescope_core::i18n::Lang;
use salescope_core::period::{Compare, Period};
use salescope_core::sheet::Sheet;
use salescope_core::time::Day;
use salescope_export::OutputFormat;
use serde::de::DeserializeOwned;

/// The request body as `T`; an empty body is `T::default()` when `empty_is_default`.
pub(crate) fn json_body<T: DeserializeOwned + Default>(body: &[u8], empty_is_default: bool, lang: Lang) -> ApiResult<T> {
    if empty_is_default && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request("bad_json", lang.format("error.bad_body", &[("detail", &e)])))
}

/// A `YYYY-MM-DD` date.
pub(crate) fn date(text: &str, lang: Lang) -> ApiResult<Day> {
    salescope_core::time::parse_date(text, &Default::default())
        .ok_or_else(|| ApiError::bad_request("bad_date", lang.format("error.bad_date", &[("date", &text)])))
}

/// The `today` parameter, else today in the organisation's time zone.
pub(crate) async fn today(state: &AppState, text: Option<&str>, lang: Lang) -> ApiResult<Day> {
    match text {
        Some(text) => date(text, lang),
        None => Ok(state.clock.today(&state.db.settings().await.or_api(lang)?.zone)),
    }
}

/// A period typed into a page's form, else `default` (an empty field counts as none).
pub(crate) fn period_or(text: Option<&str>, default: impl FnOnce() -> Period, lang: Lang) -> ApiResult<Period> {
    match text.filter(|t| !t.trim().is_empty()) {
        Some(text) => Period::parse(text).or_api(lang),
        None => Ok(default()),
    }
}

/// What a period in progress is compared with: `to_date` (the default) or `whole`.
pub(crate) fn compare(text: Option<&str>, lang: Lang) -> ApiResult<Compare> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => choice(text, "compare", &[("to_date", Compare::ToDate), ("whole", Compare::Whole)], "bad_compare", lang),
        None => Ok(Compare::ToDate),
    }
}

/// One of a fixed set of named options, or a 400 listing them.
pub(crate) fn choice<T: Clone>(value: &str, field: &str, options: &[(&str, T)], code: &'static str, lang: Lang) -> ApiResult<T> {
    options.iter().find(|(name, _)| *name == value).map(|(_, v)| v.clone()).ok_or_else(|| {
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        ApiError::bad_request(
            code,
            lang.format("error.bad_choice", &[("value", &value), ("field", &field), ("choices", &names.join(", "))]),
        )
    })
}

/// The `format` parameter: json (the default), csv or xlsx.
pub(crate) fn output_format(text: Option<&str>, lang: Lang) -> ApiResult<OutputFormat> {
    choice(
        text.unwrap_or("json"),
        "format",
        &[("json", OutputFormat::Json), ("csv", OutputFormat::Csv), ("xlsx", OutputFormat::Xlsx)],
        "bad_format",
        lang,
    )
}

/// A result as JSON, or its sheet as a CSV or XLSX download: one computation, rendered as asked.
pub(crate) fn json_or_download(value: &impl serde::Serialize, sheet: impl FnOnce() -> Sheet, format: OutputFormat) -> ApiResult<Response> {
    if format == OutputFormat::Json { Ok(axum::Json(serde_json::json!(value)).into_response()) } else { download(&sheet(), format) }
}

/// The fields of a submitted form, trimmed, without the CSRF token.
pub(crate) fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).filter(|(k, _)| k != "csrf").map(|(k, v)| (k.into_owned(), v.trim().to_string())).collect()
}

/// A field of [`form_fields`], empty when absent.
pub(crate) fn form_field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// A sheet as a CSV or XLSX download, named after its id, scope and period.
pub(crate) fn download(sheet: &Sheet, format: OutputFormat) -> ApiResult<Response> {
    let bytes = salescope_export::render(sheet, format).map_err(|e| ApiError::internal(&format!("rendering {}: {e}", sheet.id)))?;
    let file = format!("{}-{}-{}.{}", sheet.id, sheet.scope.replace(':', "-"), sheet.period, format.extension());
    let mut response = bytes.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    // RFC 6266 with an RFC 5987 UTF-8 name: team names are Chinese.
    let ascii: String = file.chars().map(|c| if c.is_ascii_alphanumeric() || "-._".contains(c) { c } else { '_' }).collect();
    let encoded: String = file
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The request's language: `?lang=`, else `Accept-Language`, else English.
pub(crate) fn request_lang(query_lang: Option<&str>, headers: &HeaderMap) -> Lang {
    query_lang
        .and_then(Lang::from_tag)
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language))
        .unwrap_or_default()
}
#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, header};

    #[test]
    fn the_language_comes_from_the_query_then_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9".parse().expect("header"));
        assert_eq!(request_lang(None, &headers), Lang::ZhCn);
        assert_eq!(request_lang(Some("en"), &headers), Lang::En);
        assert_eq!(request_lang(None, &HeaderMap::new()), Lang::En);
    }
}

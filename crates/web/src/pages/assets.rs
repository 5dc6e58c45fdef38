//! The static files the pages use, compiled into the binary so the app works offline.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    let (bytes, content_type): (&'static [u8], &str) = match file.as_str() {
        "echarts.min.js" => (include_bytes!("../../assets/vendor/echarts.min.js"), "text/javascript"),
        "htmx.min.js" => (include_bytes!("../../assets/vendor/htmx.min.js"), "text/javascript"),
        "app.js" => (include_bytes!("../../assets/app.js"), "text/javascript"),
        "errors.js" => (include_bytes!("../../assets/errors.js"), "text/javascript"),
        "app.css" => (include_bytes!("../../assets/app.css"), "text/css"),
        // Icons as SVG: an emoji is a box where no emoji font is installed.
        "trophy.svg" => (include_bytes!("../../assets/trophy.svg"), "image/svg+xml"),
        "menu.svg" => (include_bytes!("../../assets/menu.svg"), "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

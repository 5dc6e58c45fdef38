//! Who is asking: every request except the login page, the health check and the static files
//! passes [`authenticate`], which finds the account from an API token (`Authorization: Bearer`)
//! or a session cookie, checks the CSRF token of a session's state-changing requests, and hands
//! the handlers a [`Session`]. Handlers then ask [`crate::access`] what the account may see.

use crate::error::ApiError;
use crate::request::request_lang;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use salescope_app::accounts::{token_hash, verify_password, viewer_of};
use salescope_app::clock::unix_seconds;
use salescope_core::access::{Permission, Viewer};
use salescope_core::i18n::Lang;
use salescope_store::UserRow;

pub(crate) const SESSION_COOKIE: &str = "salescope_session";
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
pub(crate) const SESSION_SECONDS: i64 = 12 * 3600;

/// Largest accepted request body: a batch of some hundred thousand records.
/// The largest body of an import (a file upload or an ingest request) by someone who may import.
pub(crate) const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;
/// The largest body of any other request: a form, a JSON document, a pipeline or talk-track file.
pub(crate) const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The account a request acts for.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub viewer: Viewer,
    /// The token forms of this browser session carry; none for API-token requests.
    pub csrf: Option<String>,
    /// The account's chosen language, else the browser's.
    pub lang: Lang,
}

/// Paths anyone may open.
pub(crate) fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/api/v1/openapi.json" | "/favicon.ico") || path.starts_with("/static/")
}

pub(crate) async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let api = request.uri().path().starts_with("/api/");
    let query_lang = query_param(request.uri().query(), "lang");
    let browser_lang = request_lang(query_lang.as_deref(), request.headers());
    let lang_of = |user: &UserRow| query_lang.as_deref().or(user.lang.as_deref()).and_then(Lang::from_tag).unwrap_or(browser_lang);

    if let Some(token) = bearer(request.headers()) {
        return match state.db.api_token_user(&token_hash(&token)).await {
            Ok(Some(user)) => {
                let session = Session { viewer: viewer_of(&user), csrf: None, lang: lang_of(&user) };
                match read_body(&session, request).await {
                    Ok((parts, bytes)) => run_as(session, Request::from_parts(parts, Body::from(bytes)), next).await,
                    Err(refused) => refused,
                }
            }
            Ok(None) => unauthorized(true, browser_lang, &request),
            Err(e) => ApiError::internal(&e).into_response(),
        };
    }
    let Some(token) = cookie(request.headers(), SESSION_COOKIE) else {
        return unauthorized(api, browser_lang, &request);
    };
    let (user, csrf) = match state.db.session_user(&token_hash(&token), unix_seconds()).await {
        Ok(Some(found)) => found,
        Ok(None) => return unauthorized(api, browser_lang, &request),
        Err(e) => return ApiError::internal(&e).into_response(),
    };
    let session = Session { viewer: viewer_of(&user), lang: lang_of(&user), csrf: Some(csrf.clone()) };
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return run_as(session, request, next).await;
    }
    // A state-changing request from a browser must prove it comes from our own page.
    let (parts, bytes) = match read_body(&session, request).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
        if content_type.starts_with("application/x-www-form-urlencoded") {
            form_field(&bytes, "csrf")
        } else if content_type.starts_with("multipart/form-data") {
            multipart_field(&bytes, content_type, "csrf")
        } else {
            None
        }
    });
    if presented.is_none_or(|p| token_hash(&p) != token_hash(&csrf)) {
        return ApiError { status: StatusCode::FORBIDDEN, code: "csrf", message: session.lang.tr("error.csrf").to_string() }
            .into_response();
    }
    run_as(session, Request::from_parts(parts, Body::from(bytes)), next).await
}

/// The most a request's body may hold, decided by who is asking before a byte of it is read:
/// only the import routes take large bodies, and only from those who may import.
fn body_limit(path: &str, viewer: &Viewer) -> usize {
    let import = path.starts_with("/api/v1/ingest/") || path == "/import" || path == "/import/commit";
    if import && viewer.may(Permission::Import) { MAX_IMPORT_BYTES } else { MAX_FORM_BYTES }
}

/// Reads the body of an authenticated request up to its limit; a larger one is answered 413
/// (from its `Content-Length` before reading, or as soon as it passes the limit).
async fn read_body(session: &Session, request: Request) -> Result<(axum::http::request::Parts, axum::body::Bytes), Response> {
    let limit = body_limit(request.uri().path(), &session.viewer);
    let too_large = || {
        let message = session.lang.format("error.body_too_large", &[("limit", &format!("{} MB", limit / (1024 * 1024)))]);
        ApiError { status: StatusCode::PAYLOAD_TOO_LARGE, code: "body_too_large", message }.into_response()
    };
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| too_large())?;
    Ok((parts, bytes))
}

async fn run_as(session: Session, mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn unauthorized(api: bool, lang: Lang, request: &Request) -> Response {
    if api {
        return ApiError { status: StatusCode::UNAUTHORIZED, code: "unauthorized", message: lang.tr("error.unauthorized").to_string() }
            .into_response();
    }
    let next = request.uri().path_and_query().map_or("/", |p| p.as_str());
    Redirect::to(&format!("/login?next={}", percent_encode(next))).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string())
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_field(query?.as_bytes(), name)
}

/// A text field of a multipart form (a file upload's `csrf`), read from the parts in order: the
/// form puts it first, so a large file after it is not scanned.
fn multipart_field(body: &[u8], content_type: &str, name: &str) -> Option<String> {
    let boundary = content_type.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    let delimiter = format!("\r\n--{boundary}");
    let wanted = format!("name=\"{name}\"");
    // The body opens with the delimiter less its line break.
    let mut rest = body.strip_prefix(&delimiter.as_bytes()[2..])?;
    loop {
        let headers_end = find(rest, b"\r\n\r\n")?;
        let (headers, after) = (&rest[..headers_end], &rest[headers_end + 4..]);
        let value_end = find(after, delimiter.as_bytes())?;
        if std::str::from_utf8(headers)
            .ok()?
            .lines()
            .any(|line| line.to_ascii_lowercase().starts_with("content-disposition:") && line.split(';').any(|p| p.trim() == wanted))
        {
            return std::str::from_utf8(&after[..value_end]).ok().map(str::to_string);
        }
        rest = &after[value_end + delimiter.len()..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub(crate) fn percent_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub(crate) enum LoginOutcome {
    /// The cookie value to set.
    LoggedIn {
        token: String,
    },
    Refused,
    Throttled,
}

/// Checks a login and password and opens a session.
pub(crate) async fn log_in(state: &AppState, login: &str, password: &str) -> Result<LoginOutcome, ApiError> {
    // One login as typed for the throttle and the lookup alike: whitespace around it (a space,
    // a tab, a newline) is no part of any login, so padding cannot start a fresh count.
    let login = login.trim();
    let now = unix_seconds();
    let throttle = &state.shared.throttle;
    if !throttle.allows(login, now) {
        return Ok(LoginOutcome::Throttled);
    }
    let user = state.db.user(login).await.map_err(|e| ApiError::internal(&e))?;
    // Verify against a fixed hash when the login is unknown, so timing does not tell.
    let hash = user.as_ref().map_or(UNKNOWN_USER_HASH.as_str(), |u| u.password_hash.as_str());
    let matches = verify_password(hash, password);
    match user {
        Some(user) if matches && !user.is_disabled() => {
            throttle.succeeded(login);
            let token = salescope_app::accounts::new_token();
            let csrf = salescope_app::accounts::new_token();
            state
                .db
                .insert_session(&token_hash(&token), &user.login, &csrf, now + SESSION_SECONDS)
                .await
                .map_err(|e| ApiError::internal(&e))?;
            Ok(LoginOutcome::LoggedIn { token })
        }
        _ => {
            throttle.failed(login, now);
            Ok(LoginOutcome::Refused)
        }
    }
}

/// The argon2 hash of a password nobody has.
static UNKNOWN_USER_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| salescope_app::accounts::hash_password(&salescope_app::accounts::new_token()).unwrap_or_default());

/// The session cookie: HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS
/// (directly or through a proxy that says so).
pub(crate) fn session_cookie(token: &str, headers: &HeaderMap, max_age: i64) -> String {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", if https { "; Secure" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_field_of_a_multipart_upload_is_found_before_its_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok-123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\ncall_id\r\nC1\r\n--XyZ--\r\n";
        let content_type = "multipart/form-data; boundary=XyZ";
        assert_eq!(multipart_field(body, content_type, "csrf").as_deref(), Some("tok-123"));
        assert_eq!(multipart_field(body, content_type, "file").as_deref(), Some("call_id\r\nC1"));
        assert_eq!(multipart_field(body, content_type, "kind"), None);
        assert_eq!(multipart_field(b"garbage", content_type, "csrf"), None);
        assert_eq!(multipart_field(body, "multipart/form-data", "csrf"), None, "no boundary");
    }

    #[test]
    fn cookies_and_bearer_tokens_are_read_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; salescope_session=abc".parse().expect("header"));
        headers.insert(header::AUTHORIZATION, "Bearer sst_x".parse().expect("header"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(bearer(&headers).as_deref(), Some("sst_x"));
        assert_eq!(query_param(Some("a=1&next=%2Fdashboard"), "next").as_deref(), Some("/dashboard"));
    }

    #[test]
    fn the_cookie_is_secure_behind_https() {
        let mut headers = HeaderMap::new();
        assert!(!session_cookie("t", &headers, 10).contains("Secure"));
        headers.insert("x-forwarded-proto", "https".parse().expect("header"));
        let cookie = session_cookie("t", &headers, 10);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("; Secure"));
    }

    #[test]
    fn the_unknown_user_hash_is_a_valid_argon2_hash() {
        assert!(argon2::password_hash::PasswordHash::new(&UNKNOWN_USER_HASH).is_ok());
        assert!(!verify_password(&UNKNOWN_USER_HASH, ""));
    }
}

//! Signing in and out, the language, and the home page that sends each role where it starts.

use crate::auth::{self, LoginOutcome, Session};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use salescope_core::access::Role;
use salescope_core::i18n::Lang;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// A redirect target inside this site only: a path from the root, with no second slash or
/// backslash after the first — browsers read `//host` and `/\\host` as another site — and no
/// whitespace or control character anywhere, since browsers drop tabs and line breaks from a URL
/// (`/%09/evil.example` becomes `//evil.example`) and a line break cannot go in a header.
fn local_target(next: Option<&str>) -> String {
    let local = |next: &str| {
        let rest = next.strip_prefix('/');
        rest.is_some_and(|rest| !rest.starts_with(['/', '\\'])) && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(next) if local(next) => next.to_string(),
        _ => "/".to_string(),
    }
}

fn login_page(state: &AppState, lang: Lang, next: &str, error: Option<String>, status: StatusCode) -> Response {
    let context = json!({"lang": lang.code(), "title": lang.tr("login.title"), "next": next, "error": error});
    match state.shared.templates.get_template("login.html").and_then(|t| t.render(&context)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

pub(crate) async fn login_form(State(state): State<AppState>, Query(q): Query<LoginQuery>, headers: HeaderMap) -> Response {
    let lang = crate::request::request_lang(None, &headers);
    login_page(&state, lang, &local_target(q.next.as_deref()), None, StatusCode::OK)
}

pub(crate) async fn login(State(state): State<AppState>, headers: HeaderMap, axum::Form(form): axum::Form<LoginForm>) -> Response {
    let lang = crate::request::request_lang(None, &headers);
    let next = local_target(form.next.as_deref());
    match auth::log_in(&state, &form.login, &form.password).await {
        Ok(LoginOutcome::LoggedIn { token }) => {
            let mut response = Redirect::to(&next).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&auth::session_cookie(&token, &headers, auth::SESSION_SECONDS)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Ok(LoginOutcome::Refused) => login_page(&state, lang, &next, Some(lang.tr("login.refused").to_string()), StatusCode::UNAUTHORIZED),
        Ok(LoginOutcome::Throttled) => {
            login_page(&state, lang, &next, Some(lang.tr("login.throttled").to_string()), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE)
        && let Err(e) = state.db.delete_session(&salescope_app::accounts::token_hash(&token)).await
    {
        return ApiError::internal(&e).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&auth::session_cookie("", &headers, 0)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize, Default)]
pub(crate) struct LanguageForm {
    lang: String,
    back: Option<String>,
}

/// Remembers the account's language and returns to the page it was chosen on.
pub(crate) async fn language(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::from_tag(&form.lang) else {
        return ApiError::bad_request("bad_lang", session.lang.tr("error.bad_lang").to_string()).into_response();
    };
    let stored = match state.db.user(&session.viewer.login).await {
        Ok(Some(mut user)) => {
            user.lang = Some(lang.code().to_string());
            state.db.update_user(&user).await.map(|_| ())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        return ApiError::internal(&e).into_response();
    }
    Redirect::to(&local_target(form.back.as_deref())).into_response()
}

pub(crate) async fn home(Extension(session): Extension<Session>) -> Response {
    match (&session.viewer.role, &session.viewer.rep_id) {
        (Role::Rep, Some(rep)) => Redirect::to(&format!("/reps/{}", auth::percent_encode(rep))).into_response(),
        _ => Redirect::to("/dashboard").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_target(Some("/dashboard?scope=org")), "/dashboard?scope=org");
        assert_eq!(local_target(Some("https://evil.example/")), "/");
        assert_eq!(local_target(Some("//evil.example/")), "/");
        // As the form hands them over, decoded: `/%09/evil.example`, `/%0D%0Ax` and the like.
        for sneaky in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "/\r\nx", "/a b", "\t/x", "/ok\u{0}"] {
            assert_eq!(local_target(Some(sneaky)), "/", "{sneaky:?}");
        }
        assert_eq!(local_target(None), "/");
    }
}

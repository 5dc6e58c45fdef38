//! The questions every handler asks before it reads or changes anything: may this account see
//! this scope, may it do this? The rules are [`salescope_core::access`]; this binds them to the
//! organisation as stored and turns a "no" into a 403 in the account's language.

use crate::auth::Session;
use crate::error::ApiError;
use crate::error::{ApiResult, OrApiError};
use crate::request::today;
use crate::state::AppState;
use axum::http::StatusCode;
use salescope_core::access::{Permission, Reach};
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_engine::Context;

pub(crate) struct Access<'a> {
    pub session: &'a Session,
    pub ctx: &'a Context,
    pub lang: Lang,
}

impl<'a> Access<'a> {
    pub fn new(session: &'a Session, ctx: &'a Context, lang: Lang) -> Access<'a> {
        Access { session, ctx, lang }
    }

    pub fn sees(&self, scope: &Scope, reach: Reach) -> bool {
        let team_of_rep = |rep: &str| self.ctx.rep(rep).map(|r| r.team.clone());
        self.session.viewer.sees(scope, reach, &self.ctx.tree, team_of_rep)
    }

    pub fn check(&self, scope: &Scope, reach: Reach) -> ApiResult<()> {
        if self.sees(scope, reach) { Ok(()) } else { Err(forbidden(self.lang.format("error.forbidden_scope", &[("scope", scope)]))) }
    }

    /// Whether the account sees an improvement action: one whose criterion is about a scope it
    /// sees (an action whose criterion does not read is seen by those who see everything).
    pub fn sees_action(&self, criterion: &str) -> bool {
        match self.criterion(criterion) {
            Ok(c) => self.sees(&c.scope, Reach::Records),
            Err(_) => self.sees(&Scope::Org, Reach::Records),
        }
    }

    /// Refuses to record or change an action about a scope the account does not see; a criterion
    /// that does not read is left to the engine, which says why.
    pub fn check_action(&self, criterion: &str) -> ApiResult<()> {
        match self.criterion(criterion) {
            Ok(c) if !self.sees(&c.scope, Reach::Records) => Err(forbidden(self.lang.tr("error.forbidden_action").to_string())),
            _ => Ok(()),
        }
    }

    /// A criterion read as the engine reads it (people's words too), so that the scope checked
    /// is the scope the action will be about.
    fn criterion(&self, text: &str) -> Result<salescope_core::criterion::Criterion, salescope_core::criterion::CriterionError> {
        salescope_core::criterion::Criterion::parse(&salescope_core::criterion::canonical(text, self.ctx))
    }

    /// The `scope` parameter, or without one the account's home scope, if the account sees it.
    pub fn scope(&self, text: Option<&str>, reach: Reach) -> ApiResult<Scope> {
        let scope = match text {
            Some(text) => Scope::parse(text).or_api(self.lang)?,
            None => self.session.viewer.home_scope(),
        };
        self.check(&scope, reach)?;
        Ok(scope)
    }
}

/// The `scope` parameter (default: the account's home scope), if the account sees it at
/// `reach`, and the `period`; without a period, `default_period` of the `today` parameter or of
/// today in the organisation's time zone.
pub(crate) async fn scope_and_period(
    state: &AppState,
    access: &Access<'_>,
    reach: Reach,
    scope: Option<&str>,
    period: Option<&str>,
    today_text: Option<&str>,
    default_period: impl FnOnce(Day) -> Period,
) -> ApiResult<(Scope, Period)> {
    let lang = access.lang;
    let scope = access.scope(scope, reach)?;
    let period = match period {
        Some(text) => Period::parse(text).or_api(lang)?,
        None => default_period(today(state, today_text, lang).await?),
    };
    Ok((scope, period))
}

/// Refuses what the account's role may not do.
pub(crate) fn require(session: &Session, permission: Permission, lang: Lang) -> ApiResult<()> {
    if session.viewer.may(permission) { Ok(()) } else { Err(forbidden(lang.tr("error.forbidden_action").to_string())) }
}

/// Refuses a change to what the whole organisation shares unless the account writes everything
/// (`Viewer::may_change_shared`).
pub(crate) fn require_shared(session: &Session, permission: Permission, lang: Lang) -> ApiResult<()> {
    if session.viewer.may_change_shared(permission) { Ok(()) } else { Err(forbidden(lang.tr("error.forbidden_shared").to_string())) }
}

/// Writes a change to the change log in the account's name.
pub(crate) async fn record_change(
    state: &AppState,
    session: &Session,
    entity: &str,
    subject: &str,
    action: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> ApiResult<()> {
    salescope_app::accounts::log_change(&state.db, &session.viewer.login, entity, subject, action, before, after)
        .await
        .map_err(|e| ApiError::internal(&e))
}

/// Refuses a save from a form opened on a version of the record other than `stored`'s (someone
/// saved it in between), so the second of two editors is told instead of undoing the first.
/// A client that sends no version (the API) saves as before.
pub(crate) fn check_unchanged(opened_on: Option<&str>, stored: Option<&serde_json::Value>, lang: Lang) -> ApiResult<()> {
    match opened_on.map(str::trim).filter(|v| !v.is_empty()) {
        Some(version) if !salescope_app::edits::unchanged_since(version, stored) => {
            Err(ApiError { status: StatusCode::CONFLICT, code: "edit_conflict", message: lang.tr("error.edit_conflict").to_string() })
        }
        _ => Ok(()),
    }
}

/// "Last saved at … by …" for a record a person has changed, from the change log.
pub(crate) async fn last_saved(state: &AppState, entity: &str, subject: &str, lang: Lang) -> ApiResult<Option<String>> {
    let Some(change) = state.db.last_change(entity, subject).await.or_api(lang)? else { return Ok(None) };
    let zone = state.db.settings().await.or_api(lang)?.zone;
    let at = zone.local_from_utc(change.at).map_or_else(|| change.at.to_string(), |t| t.to_string());
    Ok(Some(lang.format("edit.last_saved", &[("at", &at), ("login", &change.login)])))
}

pub(crate) fn forbidden(message: String) -> ApiError {
    ApiError { status: StatusCode::FORBIDDEN, code: "forbidden", message }
}

//! Accounts and secrets: argon2 password hashes, random session and API tokens (kept only as
//! BLAKE2b hashes: they are long and random, so a fast hash is enough), the accounts the first
//! start and the demo create, and the change log everyone's edits are written to.

use crate::clock::unix_seconds;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use blake2::{Blake2b, Digest, digest::consts::U32};
use salescope_core::access::{Role, Viewer};
use salescope_store::{ChangeRow, Db, StoreError, UserRow};
use std::fmt::Write;

pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the login `{0}` is taken")]
    LoginTaken(String),
    #[error("no account `{0}`")]
    UnknownLogin(String),
    #[error("`{0}` is not a role (admin, manager, team_lead, trainer, rep)")]
    UnknownRole(String),
    #[error("a {0} account must name its rep record (--rep)")]
    RepRequired(&'static str),
    #[error("a login is letters, digits, `.`, `_` or `-`, 1–64 of them")]
    BadLogin,
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AccountError {
    /// The error in the reader's language (the `Display` text is for logs and the terminal).
    pub fn message(&self, lang: salescope_core::i18n::Lang) -> String {
        match self {
            AccountError::LoginTaken(login) => lang.format("error.login_taken", &[("login", login)]),
            AccountError::UnknownLogin(login) => lang.format("error.unknown_login", &[("login", login)]),
            AccountError::UnknownRole(role) => lang.format("error.unknown_role", &[("role", role)]),
            AccountError::RepRequired(role) => lang.format("error.rep_required", &[("role", role)]),
            AccountError::BadLogin => lang.tr("error.bad_login").to_string(),
            AccountError::ShortPassword => lang.format("error.short_password", &[("min", &MIN_PASSWORD_CHARS)]),
            AccountError::Hash(_) | AccountError::Store(_) => self.to_string(),
        }
    }
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AccountError::Hash(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A fresh random token: 32 bytes as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Blake2b::<U32>::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A password people can type: 12 characters without look-alikes.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

pub fn viewer_of(user: &UserRow) -> Viewer {
    Viewer {
        login: user.login.clone(),
        name: user.name.clone(),
        role: Role::from_id(&user.role).unwrap_or(Role::Rep),
        rep_id: user.rep_id.clone(),
        team: user.team.clone(),
    }
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub role: String,
    pub rep_id: Option<String>,
    pub team: Option<String>,
    pub lang: Option<String>,
    pub password: String,
}

pub async fn add_user(db: &Db, new: NewUser, by: &str) -> Result<UserRow, AccountError> {
    let login = new.login.trim().to_string();
    if login.is_empty() || login.chars().count() > 64 || !login.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)) {
        return Err(AccountError::BadLogin);
    }
    let role = Role::from_id(&new.role).ok_or_else(|| AccountError::UnknownRole(new.role.clone()))?;
    if role.needs_rep() && new.rep_id.is_none() {
        return Err(AccountError::RepRequired(role.id()));
    }
    if new.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    let row = UserRow {
        name: if new.name.trim().is_empty() { login.clone() } else { new.name.trim().to_string() },
        login,
        role: role.id().to_string(),
        rep_id: new.rep_id,
        team: new.team,
        lang: new.lang,
        password_hash: hash_password(&new.password)?,
        disabled: 0,
        created_at: unix_seconds(),
    };
    if !db.insert_user(&row).await? {
        return Err(AccountError::LoginTaken(row.login));
    }
    log_change(db, by, "user", &row.login, "create", None, Some(&public_fields(&row))).await?;
    Ok(row)
}

/// Sets a new password and ends the account's sessions.
pub async fn set_password(db: &Db, login: &str, password: &str, by: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    let mut user = db.user(login).await?.ok_or_else(|| AccountError::UnknownLogin(login.to_string()))?;
    user.password_hash = hash_password(password)?;
    db.update_user(&user).await?;
    db.delete_sessions(login, unix_seconds()).await?;
    log_change(db, by, "user", login, "password", None, None).await?;
    Ok(())
}

/// Disables (or re-enables) an account; disabling ends its sessions and stops its tokens.
pub async fn set_disabled(db: &Db, login: &str, disabled: bool, by: &str) -> Result<(), AccountError> {
    let mut user = db.user(login).await?.ok_or_else(|| AccountError::UnknownLogin(login.to_string()))?;
    let before = public_fields(&user);
    user.disabled = i64::from(disabled);
    db.update_user(&user).await?;
    if disabled {
        db.delete_sessions(login, unix_seconds()).await?;
    }
    log_change(db, by, "user", login, if disabled { "disable" } else { "enable" }, Some(&before), Some(&public_fields(&user))).await?;
    Ok(())
}

/// A new API token for an account; the token itself is shown once and never stored.
pub async fn add_api_token(db: &Db, login: &str, name: &str, by: &str) -> Result<(String, String), AccountError> {
    db.user(login).await?.ok_or_else(|| AccountError::UnknownLogin(login.to_string()))?;
    let token = format!("sst_{}", new_token());
    let id = token[4..16].to_string();
    db.insert_api_token(&id, &token_hash(&token), name, login, unix_seconds()).await?;
    log_change(db, by, "api_token", &id, "create", None, Some(&serde_json::json!({"name": name, "login": login}))).await?;
    Ok((id, token))
}

/// The fields of an account that may be shown and logged (never the password hash).
fn public_fields(user: &UserRow) -> serde_json::Value {
    serde_json::json!({
        "login": user.login, "name": user.name, "role": user.role, "rep_id": user.rep_id,
        "team": user.team, "disabled": user.is_disabled(),
    })
}

/// Writes one entry of the change log.
pub async fn log_change(
    db: &Db,
    login: &str,
    entity: &str,
    subject: &str,
    action: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    db.log_change(&ChangeRow {
        id: 0,
        at: unix_seconds(),
        login: login.to_string(),
        entity: entity.to_string(),
        subject: subject.to_string(),
        action: action.to_string(),
        before_value: before.map(serde_json::Value::to_string),
        after_value: after.map(serde_json::Value::to_string),
    })
    .await
}

/// On a store with no accounts, creates `admin` with a random password and returns it.
pub async fn first_admin(db: &Db) -> Result<Option<String>, AccountError> {
    if db.user_count().await? > 0 {
        return Ok(None);
    }
    let password = new_password();
    let new = NewUser {
        login: "admin".into(),
        name: "Administrator".into(),
        role: "admin".into(),
        rep_id: None,
        team: None,
        lang: None,
        password: password.clone(),
    };
    add_user(db, new, "salescope").await?;
    Ok(Some(password))
}

/// The demo's logins, one per role: (login, role, password).
pub const DEMO_PASSWORD: &str = "salescope-demo";

/// Creates one demo account per role (the rep and team lead are real people of the demo
/// organisation) unless they exist; returns the logins with their roles and whom they are.
pub async fn demo_users(db: &Db, rep: (&str, &str), lead: (&str, &str, &str)) -> Result<Vec<(String, String, String)>, AccountError> {
    let accounts = [
        // People's names: the header shows the role beside the name.
        ("admin", "admin", "吴磊", None, None),
        ("manager", "manager", "周建国", None, None),
        ("lead", "team_lead", lead.1, Some(lead.0), Some(lead.2)),
        ("trainer", "trainer", "陈静", None, None),
        ("rep", "rep", rep.1, Some(rep.0), None),
    ];
    let mut made = Vec::new();
    for (login, role, name, rep_id, team) in accounts {
        if db.user(login).await?.is_none() {
            let new = NewUser {
                login: login.into(),
                name: name.into(),
                role: role.into(),
                rep_id: rep_id.map(str::to_string),
                team: team.map(str::to_string),
                lang: None,
                password: DEMO_PASSWORD.into(),
            };
            add_user(db, new, "demo").await?;
        }
        made.push((login.to_string(), role.to_string(), name.to_string()));
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "correct horsE"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(new_password().len(), 12);
    }
}

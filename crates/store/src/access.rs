//! Accounts, browser sessions, API tokens and the change log. Secrets arrive here already
//! hashed: this crate stores them and never sees a password or a token.

use crate::sql::numbered;
use crate::{Db, Result, on_pool};
use sqlx::FromRow;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UserRow {
    pub login: String,
    pub name: String,
    pub role: String,
    pub rep_id: Option<String>,
    pub team: Option<String>,
    pub lang: Option<String>,
    pub password_hash: String,
    pub disabled: i64,
    pub created_at: i64,
}

impl UserRow {
    pub fn is_disabled(&self) -> bool {
        self.disabled != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub name: String,
    pub login: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// One entry of the change log: `before`/`after` are JSON (absent for a creation/removal).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub at: i64,
    pub login: String,
    pub entity: String,
    pub subject: String,
    pub action: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
}

const USER_COLUMNS: &str = "login, name, role, rep_id, team, lang, password_hash, disabled, created_at";

/// The account columns qualified by a table alias, for joins.
fn user_columns_of(alias: &str) -> String {
    USER_COLUMNS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

impl Db {
    fn sql(&self, text: &str) -> String {
        numbered(self.backend(), text)
    }

    /// Adds an account; false when the login is taken.
    pub async fn insert_user(&self, user: &UserRow) -> Result<bool> {
        let text =
            self.sql(&format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO NOTHING"));
        let done = on_pool!(self, pool => sqlx::query(&text)
            .bind(&user.login)
            .bind(&user.name)
            .bind(&user.role)
            .bind(&user.rep_id)
            .bind(&user.team)
            .bind(&user.lang)
            .bind(&user.password_hash)
            .bind(user.disabled)
            .bind(user.created_at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    pub async fn user(&self, login: &str) -> Result<Option<UserRow>> {
        let text = self.sql(&format!("SELECT {USER_COLUMNS} FROM users WHERE login = ?"));
        Ok(on_pool!(self, pool => sqlx::query_as(&text).bind(login).fetch_optional(pool).await?))
    }

    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let text = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login");
        Ok(on_pool!(self, pool => sqlx::query_as(&text).fetch_all(pool).await?))
    }

    pub async fn user_count(&self) -> Result<i64> {
        Ok(on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?))
    }

    /// Rewrites an account's name, role, rep, team, language, password and disabled flag.
    pub async fn update_user(&self, user: &UserRow) -> Result<bool> {
        let text = self
            .sql("UPDATE users SET name = ?, role = ?, rep_id = ?, team = ?, lang = ?, password_hash = ?, disabled = ? WHERE login = ?");
        let done = on_pool!(self, pool => sqlx::query(&text)
            .bind(&user.name)
            .bind(&user.role)
            .bind(&user.rep_id)
            .bind(&user.team)
            .bind(&user.lang)
            .bind(&user.password_hash)
            .bind(user.disabled)
            .bind(&user.login)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    pub async fn insert_session(&self, token_hash: &str, login: &str, csrf: &str, expires_at: i64) -> Result<()> {
        let text = self.sql("INSERT INTO sessions (token_hash, login, csrf, expires_at) VALUES (?, ?, ?, ?)");
        on_pool!(self, pool => {
            sqlx::query(&text).bind(token_hash).bind(login).bind(csrf).bind(expires_at).execute(pool).await?;
        });
        Ok(())
    }

    /// The account and CSRF token of a live session of an enabled account.
    pub async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<(UserRow, String)>> {
        let text = self.sql(&format!(
            "SELECT {}, s.csrf FROM sessions s JOIN users u ON u.login = s.login \
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
            user_columns_of("u")
        ));
        let row: Option<UserWith> = on_pool!(self, pool => sqlx::query_as(&text).bind(token_hash).bind(now).fetch_optional(pool).await?);
        Ok(row.map(|r| (r.user, r.csrf)))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let text = self.sql("DELETE FROM sessions WHERE token_hash = ?");
        on_pool!(self, pool => {
            sqlx::query(&text).bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Ends every session of an account (after a password change or when it is disabled), and
    /// any that expired.
    pub async fn delete_sessions(&self, login: &str, now: i64) -> Result<()> {
        let text = self.sql("DELETE FROM sessions WHERE login = ? OR expires_at <= ?");
        on_pool!(self, pool => {
            sqlx::query(&text).bind(login).bind(now).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn insert_api_token(&self, id: &str, token_hash: &str, name: &str, login: &str, created_at: i64) -> Result<()> {
        let text = self.sql("INSERT INTO api_tokens (id, token_hash, name, login, created_at) VALUES (?, ?, ?, ?, ?)");
        on_pool!(self, pool => {
            sqlx::query(&text).bind(id).bind(token_hash).bind(name).bind(login).bind(created_at).execute(pool).await?;
        });
        Ok(())
    }

    /// The enabled account a live (unrevoked) token belongs to.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<UserRow>> {
        let text = self.sql(&format!(
            "SELECT {} FROM api_tokens t JOIN users u ON u.login = t.login \
             WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0",
            user_columns_of("u")
        ));
        Ok(on_pool!(self, pool => sqlx::query_as(&text).bind(token_hash).fetch_optional(pool).await?))
    }

    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenRow>> {
        let text = "SELECT id, name, login, created_at, revoked_at FROM api_tokens ORDER BY created_at, id";
        Ok(on_pool!(self, pool => sqlx::query_as(text).fetch_all(pool).await?))
    }

    /// Revokes a token by its public id; false when there is no live token with that id.
    pub async fn revoke_api_token(&self, id: &str, at: i64) -> Result<bool> {
        let text = self.sql("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
        let done = on_pool!(self, pool => sqlx::query(&text).bind(at).bind(id).execute(pool).await?.rows_affected());
        Ok(done == 1)
    }

    /// Appends to the change log (the `id` given is ignored).
    pub async fn log_change(&self, change: &ChangeRow) -> Result<()> {
        let text =
            self.sql("INSERT INTO change_log (at, login, entity, subject, action, before_value, after_value) VALUES (?, ?, ?, ?, ?, ?, ?)");
        on_pool!(self, pool => {
            sqlx::query(&text)
                .bind(change.at)
                .bind(&change.login)
                .bind(&change.entity)
                .bind(&change.subject)
                .bind(&change.action)
                .bind(&change.before_value)
                .bind(&change.after_value)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The newest change of one record (`entity`, `subject`), if it was ever changed by a person.
    pub async fn last_change(&self, entity: &str, subject: &str) -> Result<Option<ChangeRow>> {
        let text = self.sql(
            "SELECT id, at, login, entity, subject, action, before_value, after_value FROM change_log \
             WHERE entity = ? AND subject = ? ORDER BY id DESC LIMIT 1",
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&text).bind(entity).bind(subject).fetch_optional(pool).await?))
    }

    /// The latest changes first, `limit` of them after skipping `offset`.
    pub async fn changes(&self, limit: i64, offset: i64) -> Result<Vec<ChangeRow>> {
        let text = self.sql(
            "SELECT id, at, login, entity, subject, action, before_value, after_value FROM change_log \
             ORDER BY id DESC LIMIT ? OFFSET ?",
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&text).bind(limit).bind(offset).fetch_all(pool).await?))
    }
}

#[derive(FromRow)]
struct UserWith {
    #[sqlx(flatten)]
    user: UserRow,
    csrf: String,
}

//! Organisation settings and the directory of reps, as the importers need them.

use crate::sql::value_tuples;
use crate::{Backend, Db, Result, on_pool};
use salescope_core::parse::RepDirectory;
pub use salescope_core::settings::{OrgSettings as Settings, SettingError, TIMEZONE_KEY};

/// Keys of values Salescope keeps for itself in the settings table.
const INTERNAL_PREFIX: &str = "internal.";

impl Db {
    /// The settings stored for the organisation, over the defaults. A stored value that no
    /// longer applies (a rule renamed, say) is skipped with a warning rather than blocking work.
    pub async fn settings(&self) -> Result<Settings> {
        let mut settings = Settings::default();
        for (key, value) in self.stored_settings().await? {
            if key.starts_with(INTERNAL_PREFIX) {
                continue;
            }
            if let Err(e) = settings.apply(&key, &value) {
                tracing::warn!(%key, %value, "ignoring stored setting: {e}");
            }
        }
        Ok(settings)
    }

    async fn stored_settings(&self) -> Result<Vec<(String, String)>> {
        let sql = "SELECT key, value FROM settings ORDER BY key";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    /// Checks and stores one setting. Returns the setting's error if the value is refused.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<std::result::Result<(), SettingError>> {
        let mut check = self.settings().await?;
        if let Err(e) = check.apply(key, value) {
            return Ok(Err(e));
        }
        let sql = format!(
            "INSERT INTO settings (key, value) VALUES {} ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            value_tuples(self.backend(), 1, 2)
        );
        on_pool!(self, pool => {
            sqlx::query(&sql).bind(key.trim()).bind(value.trim()).execute(pool).await?;
        });
        Ok(Ok(()))
    }

    /// A value Salescope keeps for itself (not an organisation setting), such as what the demo
    /// organisation was generated with.
    pub async fn internal(&self, key: &str) -> Result<Option<String>> {
        let sql = format!("SELECT value FROM settings WHERE key = {}", value_tuples(self.backend(), 1, 1).trim_matches(['(', ')']));
        let key = format!("{INTERNAL_PREFIX}{key}");
        Ok(on_pool!(self, pool => sqlx::query_scalar(&sql).bind(&key).fetch_optional(pool).await?))
    }

    pub async fn set_internal(&self, key: &str, value: &str) -> Result<()> {
        let sql = format!(
            "INSERT INTO settings (key, value) VALUES {} ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            value_tuples(self.backend(), 1, 2)
        );
        let key = format!("{INTERNAL_PREFIX}{key}");
        on_pool!(self, pool => {
            sqlx::query(&sql).bind(&key).bind(value).execute(pool).await?;
        });
        Ok(())
    }

    /// Every rep, for resolving the rep a record names by id or name.
    pub async fn rep_directory(&self) -> Result<RepDirectory> {
        let sql = "SELECT rep_id, name FROM reps";
        let rows: Vec<(String, String)> = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        let mut directory = RepDirectory::default();
        for (id, name) in rows {
            directory.insert(&id, &name);
        }
        Ok(directory)
    }

    /// The team a rep belonged to on each membership interval: (team, from, to), `None` meaning
    /// open-ended.
    pub async fn team_history(&self, rep_id: &str) -> Result<Vec<(String, Option<i64>, Option<i64>)>> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT team, valid_from, valid_to FROM rep_team_history WHERE rep_id = ? ORDER BY valid_from",
            Backend::Postgres => {
                "SELECT team, valid_from, valid_to FROM rep_team_history WHERE rep_id = $1 ORDER BY valid_from NULLS FIRST"
            }
        };
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(rep_id).fetch_all(pool).await?))
    }

    /// Teams with their parent team.
    pub async fn teams(&self) -> Result<Vec<(String, Option<String>)>> {
        let sql = "SELECT name, parent FROM teams ORDER BY name";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }
}

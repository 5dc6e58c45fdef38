//! Writing records: idempotent upsert by external id, with the rollup contribution of every
//! change (new records add theirs; changed records move the old version's out and the new
//! version's in; unchanged records touch nothing).

use crate::bulk::{Param, bind_param};
use crate::sql::{self, decode_values, key_string};
use crate::{Result, StoreError, Tx, on_conn, on_pool};
use salescope_core::fxhash::{FxHashMap, FxHashSet};
use salescope_core::parse::Record;
use salescope_core::records::{self, Activity, Call, Customer, DailyReport, Deal, DealStage, Feedback, Lead, Rep};
use salescope_core::rollup::RollupDelta;
use salescope_core::schema::{Table, Value};
use salescope_core::time::Day;
use std::collections::{BTreeSet, HashMap};
use std::future::Future;

/// What writing needs to know beyond the records themselves.
#[derive(Debug, Clone, Copy)]
pub struct WriteContext {
    /// The organisation's today: a rep's team change without a `team_from` date starts today.
    pub today: Day,
    /// The batch's own contributions are already in the delta, counted as if every record were
    /// new (the importer counts them on its reader thread); writing then only corrects the
    /// records that turn out unchanged or changed.
    pub counted: bool,
}

/// How the rows of a batch landed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl BatchOutcome {
    pub fn add(&mut self, other: BatchOutcome) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// How rows reach their table.
#[derive(Debug, Clone, Copy)]
enum Write {
    /// The keys are known to be new.
    Insert,
    /// The keys may exist; their rows are replaced.
    Upsert,
}

/// A record kind the store can write. Kinds with derived data override [`Stored::write_batch`].
pub trait Stored: Record {
    fn write_batch(
        tx: &mut Tx,
        batch: Vec<Self>,
        delta: &mut RollupDelta,
        ctx: &WriteContext,
    ) -> impl Future<Output = Result<BatchOutcome>> + Send {
        async move { tx.write_records(batch, delta, ctx).await }
    }
}

impl Stored for Customer {}
impl Stored for Call {}
impl Stored for Activity {}
impl Stored for Lead {}
impl Stored for DealStage {}
impl Stored for Feedback {}
impl Stored for DailyReport {}
impl Stored for salescope_core::records::MeasureValue {}
impl Stored for salescope_core::training::Course {}
impl Stored for salescope_core::training::Session {}
impl Stored for salescope_core::training::Attendance {}
impl Stored for salescope_core::training::Assessment {}
impl Stored for salescope_core::training::TrainingFeedback {}

impl Stored for Rep {
    async fn write_batch(tx: &mut Tx, batch: Vec<Self>, delta: &mut RollupDelta, ctx: &WriteContext) -> Result<BatchOutcome> {
        let outcome = tx.write_records(batch.clone(), delta, ctx).await?;
        for rep in &batch {
            tx.record_team_membership(rep, ctx.today).await?;
        }
        Ok(outcome)
    }
}

impl Stored for Deal {
    /// Besides the deals' own contribution, keeps `new_customers` right: a customer counts on
    /// the day of their first won deal, which a changed deal may move.
    async fn write_batch(tx: &mut Tx, batch: Vec<Self>, delta: &mut RollupDelta, ctx: &WriteContext) -> Result<BatchOutcome> {
        let ids: Vec<Value> = batch.iter().map(|d| Value::Text(d.deal_id.clone())).collect();
        let mut customers: BTreeSet<String> = batch.iter().map(|d| d.customer_id.clone()).collect();
        for previous in tx.fetch_by_keys::<Deal>(&ids).await? {
            customers.insert(previous.customer_id);
        }
        let customers: Vec<String> = customers.into_iter().collect();
        let before = tx.first_wins(&customers).await?;
        let outcome = tx.write_records(batch, delta, ctx).await?;
        let after = tx.first_wins(&customers).await?;
        for customer in &customers {
            let (old, new) = (before.get(customer), after.get(customer));
            if old != new {
                if let Some(old) = old {
                    records::contribute_first_win(old, -1, delta);
                }
                if let Some(new) = new {
                    records::contribute_first_win(new, 1, delta);
                }
            }
        }
        Ok(outcome)
    }
}

impl crate::Db {
    /// Every stored record of a kind, in key order.
    pub(crate) async fn all_records<R: Record>(&self) -> Result<Vec<R>> {
        let table = R::TABLE;
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
        let keys: Vec<&str> = table.key_columns().iter().map(|c| c.name).collect();
        let sql = format!("SELECT {} FROM {} ORDER BY {}", columns.join(", "), table.name, keys.join(", "));
        let mut out = Vec::new();
        on_pool!(self, pool => {
            for row in sqlx::query(&sql).fetch_all(pool).await? {
                let values = crate::sql::decode_values!(row, table.columns);
                out.push(R::from_values(values).ok_or_else(|| StoreError::Corrupt { table: table.name, detail: "unreadable row".to_string() })?);
            }
        });
        Ok(out)
    }

    /// Writes one batch in a transaction of its own, rollups included.
    pub async fn write<R: Stored>(&self, batch: Vec<R>, ctx: &WriteContext) -> Result<BatchOutcome> {
        let mut tx = self.begin().await?;
        let mut delta = RollupDelta::default();
        let outcome = R::write_batch(&mut tx, batch, &mut delta, ctx).await?;
        tx.apply_rollup_delta(&delta).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

impl Tx {
    /// Upserts records by external id and adds their rollup changes to `delta`.
    ///
    /// The stored versions of the batch's keys are read first (for a fresh import, a probe that
    /// finds nothing); then each record is new, unchanged or changed, and only new and changed
    /// records are written, each key once, with its last version in the batch.
    pub async fn write_records<R: Record>(&mut self, batch: Vec<R>, delta: &mut RollupDelta, ctx: &WriteContext) -> Result<BatchOutcome> {
        self.lock_for_ingest().await?;
        let table = R::TABLE;
        let key_texts: Vec<std::borrow::Cow<'_, str>> = batch.iter().map(Record::key_text).collect();
        let horizon = self.key_horizon(table).await?;
        let appends = match &horizon {
            None => false,
            Some(None) => true,
            Some(Some(high)) => key_texts.iter().all(|k| k.as_ref() > high.as_str()),
        };
        if let (Some(known), Some(batch_max)) = (self.key_horizons.get_mut(table.name), key_texts.iter().max())
            && known.as_deref().is_none_or(|h| batch_max.as_ref() > h)
        {
            *known = Some(batch_max.to_string());
        }
        let mut stored: FxHashMap<String, R> = FxHashMap::default();
        if !appends {
            let mut wanted: Vec<Value> = Vec::new();
            let mut seen = FxHashSet::with_capacity_and_hasher(key_texts.len(), Default::default());
            for (record, text) in batch.iter().zip(&key_texts) {
                if seen.insert(text.as_ref()) {
                    wanted.extend(record.key_values());
                }
            }
            for row in self.select_rows(table, &wanted).await? {
                let key = key_string(&row[..table.key_len]);
                let record = R::from_values(row)
                    .ok_or_else(|| StoreError::Corrupt { table: table.name, detail: format!("row {key} cannot be read back") })?;
                stored.insert(key, record);
            }
        }

        let mut outcome = BatchOutcome::default();
        if appends && key_texts.windows(2).all(|pair| pair[0] < pair[1]) {
            // Keys above every stored one and ascending (a system's export in id order): each
            // record is new, and no key needs looking up.
            outcome.inserted = batch.len() as u64;
            if !ctx.counted {
                batch.iter().for_each(|record| record.contribute(1, delta));
            }
            drop(key_texts);
            self.write_rows(table, batch.into_iter().map(Record::into_values).collect(), Write::Insert).await?;
            return self.note_written(table, outcome).await;
        }
        // Index in the batch of the version to write, per key.
        let mut latest: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, record) in batch.iter().enumerate() {
            let key = key_texts[i].as_ref();
            let previous = match latest.get(key) {
                Some(&j) => Some(&batch[j]),
                None => stored.get(key),
            };
            match previous {
                None => outcome.inserted += 1,
                Some(old) if old == record => {
                    outcome.unchanged += 1;
                    if ctx.counted {
                        record.contribute(-1, delta);
                    }
                    continue;
                }
                Some(old) => {
                    old.contribute(-1, delta);
                    outcome.updated += 1;
                }
            }
            if !ctx.counted {
                record.contribute(1, delta);
            }
            latest.insert(key, i);
        }
        // Each key's last version is written: a plain insert when the key is new to the store,
        // an upsert when it replaces a stored row.
        let mut action = vec![None; batch.len()];
        for (key, i) in latest {
            action[i] = Some(stored.contains_key(key));
        }
        drop(key_texts);
        let mut inserts: Vec<Vec<Value>> = Vec::with_capacity(batch.len());
        let mut replacements: Vec<Vec<Value>> = Vec::new();
        for (record, action) in batch.into_iter().zip(action) {
            match action {
                Some(false) => inserts.push(record.into_values()),
                Some(true) => replacements.push(record.into_values()),
                None => {}
            }
        }
        self.write_rows(table, replacements, Write::Upsert).await?;
        self.write_rows(table, inserts, Write::Insert).await?;
        self.note_written(table, outcome).await
    }

    /// Marks the deal analyses stale when deals or their stages changed.
    async fn note_written(&mut self, table: &'static Table, outcome: BatchOutcome) -> Result<BatchOutcome> {
        let changed = outcome.inserted + outcome.updated > 0;
        if changed && (table.name == records::DEALS.name || table.name == records::DEAL_STAGES.name) {
            self.bump_data_version(crate::pipeline::DEALS_VERSION).await?;
        }
        Ok(outcome)
    }

    /// The greatest stored key of a table keyed by one text column (see `Tx::key_horizons`);
    /// `None` for other tables, `Some(None)` for an empty table.
    async fn key_horizon(&mut self, table: &'static Table) -> Result<Option<Option<String>>> {
        if table.key_len != 1 || table.columns[0].ty != salescope_core::schema::ColumnType::Text {
            return Ok(None);
        }
        if let Some(known) = self.key_horizons.get(table.name) {
            return Ok(Some(known.clone()));
        }
        // Key columns sort bytewise on both backends (COLLATE "C" on PostgreSQL), so MAX reads
        // the end of the primary-key index.
        let sql = format!("SELECT MAX({}) FROM {}", table.columns[0].name, table.name);
        let max: Option<String> = on_conn!(self, conn => sqlx::query_scalar(&sql).fetch_one(conn).await?);
        self.key_horizons.insert(table.name, max.clone());
        Ok(Some(max))
    }

    async fn write_rows(&mut self, table: &'static Table, rows: Vec<Vec<Value>>, write: Write) -> Result<()> {
        let backend = self.backend();
        let statement = match write {
            Write::Insert => sql::insert,
            Write::Upsert => sql::upsert,
        };
        let mut params: Vec<Param<'_>> = Vec::with_capacity(rows.len() * table.columns.len());
        params.extend(rows.iter().flat_map(|row| row.iter().zip(table.columns).map(|(value, column)| Param::of(value, column.ty))));
        self.execute_rows(|n| statement(backend, table, n), table.columns.len(), &params).await
    }

    /// The stored rows of the given keys (key values laid end to end, `key_len` per key).
    pub(crate) async fn select_rows(&mut self, table: &'static Table, keys: &[Value]) -> Result<Vec<Vec<Value>>> {
        let backend = self.backend();
        let mut rows = Vec::new();
        let key_columns = table.key_columns();
        for chunk in keys.chunks(sql::rows_per_statement(key_columns.len()) * key_columns.len()) {
            let text = sql::select_by_keys(backend, table, chunk.len() / key_columns.len());
            on_conn!(self, conn => {
                let mut query = sqlx::query(&text);
                for (i, value) in chunk.iter().enumerate() {
                    query = bind_param!(query, Param::of(value, key_columns[i % key_columns.len()].ty));
                }
                for row in query.fetch_all(conn).await? {
                    rows.push(decode_values!(row, table.columns));
                }
            });
        }
        Ok(rows)
    }

    /// The stored records of the given keys.
    pub async fn fetch_by_keys<R: Record>(&mut self, keys: &[Value]) -> Result<Vec<R>> {
        let rows = self.select_rows(R::TABLE, keys).await?;
        rows.into_iter()
            .map(|row| {
                R::from_values(row).ok_or_else(|| StoreError::Corrupt { table: R::TABLE.name, detail: "unreadable row".to_string() })
            })
            .collect()
    }

    /// Each customer's first won deal.
    async fn first_wins(&mut self, customers: &[String]) -> Result<HashMap<String, Deal>> {
        let backend = self.backend();
        let mut won: HashMap<String, Vec<Deal>> = HashMap::new();
        let columns = Deal::TABLE.columns;
        for chunk in customers.chunks(sql::rows_per_statement(1)) {
            let text = format!(
                "SELECT {} FROM deals WHERE status = 'won' AND customer_id IN {}",
                columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
                sql::value_tuples(backend, 1, chunk.len()).replace("),(", ","),
            );
            on_conn!(self, conn => {
                let mut query = sqlx::query(&text);
                for customer in chunk {
                    query = query.bind(customer.as_str());
                }
                for row in query.fetch_all(conn).await? {
                    let deal = Deal::from_values(decode_values!(row, columns))
                        .ok_or_else(|| StoreError::Corrupt { table: "deals", detail: "unreadable row".to_string() })?;
                    won.entry(deal.customer_id.clone()).or_default().push(deal);
                }
            });
        }
        Ok(won.into_iter().filter_map(|(customer, deals)| records::first_win(&deals).cloned().map(|d| (customer, d))).collect())
    }

    /// Keeps the team table and the rep's membership history in step with the rep record.
    async fn record_team_membership(&mut self, rep: &Rep, today: Day) -> Result<()> {
        let backend = self.backend();
        let p = |n: usize| crate::sql::placeholder(backend, n);
        let upsert_team = format!(
            "INSERT INTO teams (name, parent) VALUES ({}, {}) ON CONFLICT (name) DO UPDATE SET parent = COALESCE(excluded.parent, teams.parent)",
            p(1),
            p(2)
        );
        let ensure_team = format!("INSERT INTO teams (name, parent) VALUES ({}, NULL) ON CONFLICT (name) DO NOTHING", p(1));
        let current_sql = format!("SELECT team, valid_from FROM rep_team_history WHERE rep_id = {} AND valid_to IS NULL", p(1));
        let insert_sql =
            format!("INSERT INTO rep_team_history (rep_id, team, valid_from, valid_to) VALUES ({}, {}, {}, NULL)", p(1), p(2), p(3));
        let close_sql = format!("UPDATE rep_team_history SET valid_to = {} WHERE rep_id = {} AND valid_to IS NULL", p(1), p(2));
        let retag_sql = format!("UPDATE rep_team_history SET team = {} WHERE rep_id = {} AND valid_to IS NULL", p(1), p(2));
        on_conn!(self, conn => {
            if let Some(parent) = &rep.parent_team {
                sqlx::query(&ensure_team).bind(parent.as_str()).execute(&mut *conn).await?;
            }
            sqlx::query(&upsert_team).bind(rep.team.as_str()).bind(rep.parent_team.as_deref()).execute(&mut *conn).await?;
            let current: Option<(String, Option<i64>)> = sqlx::query_as(&current_sql).bind(rep.rep_id.as_str()).fetch_optional(&mut *conn).await?;
            match current {
                None => {
                    let since = rep.team_from.or(rep.hire_date).map(|d| d.0 as i64);
                    sqlx::query(&insert_sql).bind(rep.rep_id.as_str()).bind(rep.team.as_str()).bind(since).execute(&mut *conn).await?;
                }
                Some((team, _)) if team == rep.team => {}
                Some((_, since)) => {
                    let from = rep.team_from.unwrap_or(today).0 as i64;
                    if since.is_some_and(|s| from <= s) {
                        // The new team applies from before the current membership began: a
                        // correction of the record, not a move.
                        sqlx::query(&retag_sql).bind(rep.team.as_str()).bind(rep.rep_id.as_str()).execute(&mut *conn).await?;
                    } else {
                        sqlx::query(&close_sql).bind(from).bind(rep.rep_id.as_str()).execute(&mut *conn).await?;
                        sqlx::query(&insert_sql).bind(rep.rep_id.as_str()).bind(rep.team.as_str()).bind(Some(from)).execute(&mut *conn).await?;
                    }
                }
            }
        });
        Ok(())
    }

    /// Notes a completed import for the audit trail.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_import_run(
        &mut self,
        kind: &str,
        source: &str,
        finished_at: i64,
        strict: bool,
        rows_read: u64,
        outcome: BatchOutcome,
        rejected: u64,
        warned: u64,
    ) -> Result<()> {
        let text = format!(
            "INSERT INTO import_runs (kind, source, finished_at, strict, rows_read, inserted, updated, unchanged, rejected, warned) VALUES {}",
            sql::value_tuples(self.backend(), 1, 10)
        );
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        on_conn!(self, conn => {
            sqlx::query(&text)
                .bind(kind)
                .bind(source)
                .bind(finished_at)
                .bind(strict)
                .bind(n(rows_read))
                .bind(n(outcome.inserted))
                .bind(n(outcome.updated))
                .bind(n(outcome.unchanged))
                .bind(n(rejected))
                .bind(n(warned))
                .execute(conn)
                .await?;
        });
        Ok(())
    }
}

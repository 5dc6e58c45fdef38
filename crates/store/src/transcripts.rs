//! Call transcripts with their behaviour metrics, and the calls they belong to.

use crate::sql::{in_list, placeholder as p, value_tuples};
use crate::{Db, Result, on_pool};
use salescope_core::fxhash::FxHashMap;
use salescope_core::time::LocalDateTime;

/// A transcript as stored: its turns as JSON, and the metrics computed from them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TranscriptRow {
    pub call_id: String,
    /// The file (and line) it came from, or `api`.
    pub source: String,
    /// `time` or `characters`: what the talk ratio is measured in.
    pub basis: String,
    pub turns: String,
    pub talk_ratio: Option<f64>,
    pub longest_monologue_seconds: Option<f64>,
    pub longest_customer_story_seconds: Option<f64>,
    pub interactivity_per_minute: Option<f64>,
    pub patience_seconds: Option<f64>,
    pub questions: i64,
    pub customer_sentiment_start: Option<f64>,
    pub customer_sentiment_end: Option<f64>,
    /// Ids of the key messages the agent covered, comma-separated.
    pub key_messages: String,
    /// Objections raised, `category:answered` or `category:unanswered`, comma-separated.
    pub objections: String,
    pub objections_raised: i64,
    pub objections_answered: i64,
    pub filler_words: i64,
    pub competitor_mentions: i64,
}

impl TranscriptRow {
    /// What decides whether a re-imported transcript changed: its turns, and what was found in
    /// them under the phrase configuration of the time.
    fn fingerprint(&self) -> String {
        format!("{}|{}|{}|{}|{}", self.turns, self.key_messages, self.objections, self.filler_words, self.competitor_mentions)
    }
}

/// What storing a batch of transcripts did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranscriptsStored {
    pub inserted: u64,
    /// Calls whose transcript was replaced by a different one.
    pub updated: u64,
    pub unchanged: u64,
}

/// A transcribed call with what the metrics are compared by: its rep, its time, and the outcome
/// of the customer's deal with that rep closed within 30 days after it.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscribedCall {
    pub row: TranscriptRow,
    pub rep_id: String,
    pub started_at: LocalDateTime,
    /// `won`, `lost`, or `None` when no such deal closed.
    pub outcome: Option<String>,
}

/// How long after a call a closed deal still counts as its outcome.
pub const OUTCOME_WINDOW_SECONDS: i64 = 30 * 86_400;

/// A call's outcome as a column: the status of the first deal of the same customer and rep
/// closed (won or lost) within [`OUTCOME_WINDOW_SECONDS`] after the call started, else NULL.
fn outcome_of_call() -> String {
    format!(
        "(SELECT d.status FROM deals d WHERE d.customer_id = c.customer_id AND d.rep_id = c.rep_id \
         AND d.status IN ('won', 'lost') AND d.closed_at >= c.started_at AND d.closed_at <= c.started_at + {OUTCOME_WINDOW_SECONDS} \
         ORDER BY d.closed_at, d.deal_id LIMIT 1) AS outcome"
    )
}

/// Ids per `IN (…)` list: well under both databases' limits on bound parameters.
const IDS_PER_QUERY: usize = 500;

impl Db {
    /// The rep of each of `call_ids` that names a stored call.
    pub async fn call_reps(&self, call_ids: &[String]) -> Result<FxHashMap<String, String>> {
        let mut known = FxHashMap::default();
        for chunk in call_ids.chunks(IDS_PER_QUERY) {
            let text = format!("SELECT call_id, rep_id FROM calls WHERE call_id IN {}", in_list(self.backend(), chunk.len()));
            let found: Vec<(String, String)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&text);
                for id in chunk {
                    query = query.bind(id);
                }
                query.fetch_all(pool).await?
            });
            known.extend(found);
        }
        Ok(known)
    }

    /// Stores transcripts, replacing a call's earlier transcript; one transaction.
    pub async fn store_transcripts(&self, rows: &[TranscriptRow], imported_at: LocalDateTime) -> Result<TranscriptsStored> {
        let mut stored = TranscriptsStored::default();
        let mut existing: FxHashMap<String, String> = FxHashMap::default();
        for chunk in rows.chunks(IDS_PER_QUERY) {
            let text = format!(
                "SELECT call_id, turns || '|' || key_messages || '|' || objections || '|' || CAST(filler_words AS TEXT) || '|' || \
                 CAST(competitor_mentions AS TEXT) FROM transcripts WHERE call_id IN {}",
                in_list(self.backend(), chunk.len())
            );
            let found: Vec<(String, String)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(&text);
                for row in chunk {
                    query = query.bind(&row.call_id);
                }
                query.fetch_all(pool).await?
            });
            existing.extend(found);
        }
        let upsert = format!(
            "INSERT INTO transcripts (call_id, source, basis, turns, talk_ratio, longest_monologue_seconds, \
             longest_customer_story_seconds, interactivity_per_minute, patience_seconds, questions, customer_sentiment_start, \
             customer_sentiment_end, key_messages, objections, objections_raised, objections_answered, filler_words, \
             competitor_mentions, imported_at) VALUES {} \
             ON CONFLICT (call_id) DO UPDATE SET source = excluded.source, basis = excluded.basis, turns = excluded.turns, \
             talk_ratio = excluded.talk_ratio, longest_monologue_seconds = excluded.longest_monologue_seconds, \
             longest_customer_story_seconds = excluded.longest_customer_story_seconds, \
             interactivity_per_minute = excluded.interactivity_per_minute, patience_seconds = excluded.patience_seconds, \
             questions = excluded.questions, customer_sentiment_start = excluded.customer_sentiment_start, \
             customer_sentiment_end = excluded.customer_sentiment_end, key_messages = excluded.key_messages, \
             objections = excluded.objections, objections_raised = excluded.objections_raised, \
             objections_answered = excluded.objections_answered, filler_words = excluded.filler_words, \
             competitor_mentions = excluded.competitor_mentions, imported_at = excluded.imported_at",
            value_tuples(self.backend(), 1, 19)
        );
        let mut tx = self.begin().await?;
        for row in rows {
            match existing.get(&row.call_id) {
                Some(stored_row) if *stored_row == row.fingerprint() => {
                    stored.unchanged += 1;
                    continue;
                }
                Some(_) => stored.updated += 1,
                None => stored.inserted += 1,
            }
            existing.insert(row.call_id.clone(), row.fingerprint());
            crate::on_conn!(tx, conn => {
                sqlx::query(&upsert)
                    .bind(&row.call_id)
                    .bind(&row.source)
                    .bind(&row.basis)
                    .bind(&row.turns)
                    .bind(row.talk_ratio)
                    .bind(row.longest_monologue_seconds)
                    .bind(row.longest_customer_story_seconds)
                    .bind(row.interactivity_per_minute)
                    .bind(row.patience_seconds)
                    .bind(row.questions)
                    .bind(row.customer_sentiment_start)
                    .bind(row.customer_sentiment_end)
                    .bind(&row.key_messages)
                    .bind(&row.objections)
                    .bind(row.objections_raised)
                    .bind(row.objections_answered)
                    .bind(row.filler_words)
                    .bind(row.competitor_mentions)
                    .bind(imported_at.0)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        if stored.inserted + stored.updated > 0 {
            refresh_conversation_measures(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// Transcribed calls started in `[from, to)`, in time order, with their outcomes.
    pub async fn transcribed_calls(&self, from: LocalDateTime, to: LocalDateTime) -> Result<Vec<TranscribedCall>> {
        let text = format!(
            "SELECT {TRANSCRIPT_COLUMNS}, c.rep_id, c.started_at, {outcome} \
             FROM transcripts t JOIN calls c ON c.call_id = t.call_id \
             WHERE c.started_at >= {} AND c.started_at < {} ORDER BY c.started_at, t.call_id",
            p(self.backend(), 1),
            p(self.backend(), 2),
            outcome = outcome_of_call(),
        );
        let rows: Vec<CallRecord> = on_pool!(self, pool => sqlx::query_as(&text).bind(from.0).bind(to.0).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| TranscribedCall { row: r.transcript, rep_id: r.rep_id, started_at: LocalDateTime(r.started_at), outcome: r.outcome })
            .collect())
    }

    /// One transcribed call with its rep, start and outcome.
    pub async fn transcribed_call(&self, call_id: &str) -> Result<Option<TranscribedCall>> {
        let text = format!(
            "SELECT {TRANSCRIPT_COLUMNS}, c.rep_id, c.started_at, {outcome} \
             FROM transcripts t JOIN calls c ON c.call_id = t.call_id WHERE t.call_id = {}",
            p(self.backend(), 1),
            outcome = outcome_of_call(),
        );
        let row: Option<CallRecord> = on_pool!(self, pool => sqlx::query_as(&text).bind(call_id).fetch_optional(pool).await?);
        Ok(row.map(|r| TranscribedCall {
            row: r.transcript,
            rep_id: r.rep_id,
            started_at: LocalDateTime(r.started_at),
            outcome: r.outcome,
        }))
    }

    /// Connected calls of at least `min_talk_seconds` started from `from` on, with their outcomes
    /// (as for transcribed calls): (call id, talk seconds, won/lost/none). What the demo transcribes.
    pub async fn conversations_since(&self, from: LocalDateTime, min_talk_seconds: i64) -> Result<Vec<(String, i64, Option<String>)>> {
        let text = format!(
            "SELECT c.call_id, c.talk_seconds, {outcome} \
             FROM calls c WHERE c.outcome = 'connected' AND c.talk_seconds >= {} AND c.started_at >= {} ORDER BY c.started_at, c.call_id",
            p(self.backend(), 1),
            p(self.backend(), 2),
            outcome = outcome_of_call(),
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&text).bind(min_talk_seconds).bind(from.0).fetch_all(pool).await?))
    }

    /// The stored transcript of a call.
    pub async fn transcript(&self, call_id: &str) -> Result<Option<TranscriptRow>> {
        let text = format!("SELECT {TRANSCRIPT_COLUMNS} FROM transcripts t WHERE t.call_id = {}", p(self.backend(), 1));
        Ok(on_pool!(self, pool => sqlx::query_as(&text).bind(call_id).fetch_optional(pool).await?))
    }
}

/// Recomputes the per-rep per-day conversation measures (`salescope_core::conversation::MEASURES`)
/// from the transcripts and their calls, so the conversation KPIs read them like any measure.
async fn refresh_conversation_measures(tx: &mut crate::Tx) -> Result<()> {
    use salescope_core::conversation::MEASURES;
    let quoted: Vec<String> = MEASURES.iter().map(|m| format!("'{m}'")).collect();
    let delete = format!("DELETE FROM custom_measures WHERE name IN ({})", quoted.join(", "));
    // (measure, aggregate, the metric that must be present)
    let sources: [(&str, &str, Option<&str>); 12] = [
        ("conv_calls", "COUNT(*)", None),
        ("conv_talk_ratio_sum", "SUM(t.talk_ratio)", Some("t.talk_ratio")),
        ("conv_talk_ratio_calls", "COUNT(*)", Some("t.talk_ratio")),
        ("conv_monologue_sum", "SUM(t.longest_monologue_seconds)", Some("t.longest_monologue_seconds")),
        ("conv_monologue_calls", "COUNT(*)", Some("t.longest_monologue_seconds")),
        ("conv_story_sum", "SUM(t.longest_customer_story_seconds)", Some("t.longest_customer_story_seconds")),
        ("conv_story_calls", "COUNT(*)", Some("t.longest_customer_story_seconds")),
        ("conv_interactivity_sum", "SUM(t.interactivity_per_minute)", Some("t.interactivity_per_minute")),
        ("conv_interactivity_calls", "COUNT(*)", Some("t.interactivity_per_minute")),
        ("conv_patience_sum", "SUM(t.patience_seconds)", Some("t.patience_seconds")),
        ("conv_patience_calls", "COUNT(*)", Some("t.patience_seconds")),
        ("conv_questions_sum", "SUM(t.questions)", None),
    ];
    debug_assert!(sources.iter().map(|s| s.0).eq(MEASURES));
    crate::on_conn!(tx, conn => {
        sqlx::query(&delete).execute(&mut *conn).await?;
        for (name, aggregate, present) in sources {
            let filter = present.map(|column| format!("WHERE {column} IS NOT NULL")).unwrap_or_default();
            let insert = format!(
                "INSERT INTO custom_measures (name, rep_id, day, value) \
                 SELECT '{name}', c.rep_id, c.started_at / 86400, {aggregate} \
                 FROM transcripts t JOIN calls c ON c.call_id = t.call_id {filter} GROUP BY c.rep_id, c.started_at / 86400"
            );
            sqlx::query(&insert).execute(&mut *conn).await?;
        }
    });
    Ok(())
}

const TRANSCRIPT_COLUMNS: &str = "t.call_id, t.source, t.basis, t.turns, t.talk_ratio, t.longest_monologue_seconds, \
     t.longest_customer_story_seconds, t.interactivity_per_minute, t.patience_seconds, t.questions, \
     t.customer_sentiment_start, t.customer_sentiment_end, t.key_messages, t.objections, t.objections_raised, \
     t.objections_answered, t.filler_words, t.competitor_mentions";

#[derive(sqlx::FromRow)]
struct CallRecord {
    #[sqlx(flatten)]
    transcript: TranscriptRow,
    rep_id: String,
    started_at: i64,
    outcome: Option<String>,
}

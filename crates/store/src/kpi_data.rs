//! What the KPI engine reads: the organisation's structure, totals per rep over months and days,
//! lead response times, filtered deal and lead counts, custom measures.

use crate::sets::value_tuples_from;
use crate::{Db, Result, on_pool};
use salescope_core::formula::{Filtered, FilteredMeasure};
use salescope_core::fxhash::FxHashMap;
use salescope_core::rollup::{MEASURE_COUNT, Measure, Totals};
use salescope_core::time::Day;

/// A rep as the engine needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepInfo {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub role: String,
    pub hire_date: Option<Day>,
}

/// A rep's membership of a team from `from` (inclusive, `None`: always) to `to` (exclusive,
/// `None`: still).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub rep_id: String,
    pub team: String,
    pub from: Option<Day>,
    pub to: Option<Day>,
}

impl Membership {
    pub fn covers(&self, day: Day) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day < t)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgStructure {
    /// (team, parent team)
    pub teams: Vec<(String, Option<String>)>,
    pub reps: Vec<RepInfo>,
    pub memberships: Vec<Membership>,
}

use crate::sql::placeholder as p;

fn measure_sums() -> String {
    // PostgreSQL sums BIGINT into NUMERIC; cast back so both backends return integers.
    Measure::ALL.iter().map(|m| format!("CAST(SUM({0}) AS BIGINT)", m.column())).collect::<Vec<_>>().join(", ")
}

impl Db {
    pub async fn org_structure(&self) -> Result<OrgStructure> {
        let teams: Vec<(String, Option<String>)> =
            on_pool!(self, pool => sqlx::query_as("SELECT name, parent FROM teams").fetch_all(pool).await?);
        let reps: Vec<(String, String, String, String, Option<i64>)> =
            on_pool!(self, pool => sqlx::query_as("SELECT rep_id, name, team, role, hire_date FROM reps").fetch_all(pool).await?);
        let memberships: Vec<(String, String, Option<i64>, Option<i64>)> = on_pool!(self, pool => sqlx::query_as("SELECT rep_id, team, valid_from, valid_to FROM rep_team_history").fetch_all(pool).await?);
        let mut structure = OrgStructure {
            teams,
            reps: reps
                .into_iter()
                .map(|(rep_id, name, team, role, hire)| RepInfo { rep_id, name, team, role, hire_date: hire.map(|d| Day(d as i32)) })
                .collect(),
            memberships: memberships
                .into_iter()
                .map(|(rep_id, team, from, to)| Membership {
                    rep_id,
                    team,
                    from: from.map(|d| Day(d as i32)),
                    to: to.map(|d| Day(d as i32)),
                })
                .collect(),
        };
        structure.teams.sort();
        structure.reps.sort_by(|a, b| a.rep_id.as_bytes().cmp(b.rep_id.as_bytes()));
        Ok(structure)
    }

    /// Sums of every measure per rep over whole months (month indices) and day ranges.
    pub async fn totals_by_rep(&self, months: &[i64], day_ranges: &[(Day, Day)]) -> Result<FxHashMap<String, Totals>> {
        let backend = self.backend();
        let mut out: FxHashMap<String, Totals> = FxHashMap::default();
        if !months.is_empty() {
            let text = format!(
                "SELECT rep_id, {} FROM rollup_rep_month WHERE month IN {} GROUP BY rep_id",
                measure_sums(),
                value_tuples_from(backend, 1, months.len())
            );
            on_pool!(self, pool => {
                let mut query = sqlx::query(&text);
                for m in months {
                    query = query.bind(*m);
                }
                for row in query.fetch_all(pool).await? {
                    use sqlx::Row;
                    let rep: String = row.try_get(0)?;
                    let sums = out.entry(rep).or_insert([0; MEASURE_COUNT]);
                    for (i, s) in sums.iter_mut().enumerate() {
                        *s += row.try_get::<Option<i64>, _>(i + 1)?.unwrap_or(0);
                    }
                }
            });
        }
        for (first, last) in day_ranges {
            let text = format!(
                "SELECT rep_id, {} FROM rollup_rep_day WHERE day BETWEEN {} AND {} GROUP BY rep_id",
                measure_sums(),
                p(backend, 1),
                p(backend, 2)
            );
            on_pool!(self, pool => {
                for row in sqlx::query(&text).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await? {
                    use sqlx::Row;
                    let rep: String = row.try_get(0)?;
                    let sums = out.entry(rep).or_insert([0; MEASURE_COUNT]);
                    for (i, s) in sums.iter_mut().enumerate() {
                        *s += row.try_get::<Option<i64>, _>(i + 1)?.unwrap_or(0);
                    }
                }
            });
        }
        Ok(out)
    }

    /// The organisation's sums of every measure over whole months and day ranges.
    pub async fn totals_of_org(&self, months: &[i64], day_ranges: &[(Day, Day)]) -> Result<Totals> {
        let backend = self.backend();
        let mut sums = [0i64; MEASURE_COUNT];
        let mut add = |row: Vec<Option<i64>>| {
            for (s, v) in sums.iter_mut().zip(row) {
                *s += v.unwrap_or(0);
            }
        };
        if !months.is_empty() {
            let text =
                format!("SELECT {} FROM rollup_rep_month WHERE month IN {}", measure_sums(), value_tuples_from(backend, 1, months.len()));
            let row: Vec<Option<i64>> = on_pool!(self, pool => {
                let mut query = sqlx::query(&text);
                for m in months {
                    query = query.bind(*m);
                }
                let row = query.fetch_one(pool).await?;
                use sqlx::Row;
                (0..MEASURE_COUNT).map(|i| row.try_get::<Option<i64>, _>(i)).collect::<std::result::Result<_, _>>()?
            });
            add(row);
        }
        for (first, last) in day_ranges {
            let text = format!("SELECT {} FROM rollup_rep_day WHERE day BETWEEN {} AND {}", measure_sums(), p(backend, 1), p(backend, 2));
            let row: Vec<Option<i64>> = on_pool!(self, pool => {
                let row = sqlx::query(&text).bind(first.0 as i64).bind(last.0 as i64).fetch_one(pool).await?;
                use sqlx::Row;
                (0..MEASURE_COUNT).map(|i| row.try_get::<Option<i64>, _>(i)).collect::<std::result::Result<_, _>>()?
            });
            add(row);
        }
        Ok(sums)
    }

    /// Per rep and day, the sums of every measure, for the given reps (those who changed team
    /// within a period are split by day).
    pub async fn totals_by_rep_day(&self, reps: &[String], first: Day, last: Day) -> Result<Vec<(String, Day, Totals)>> {
        let backend = self.backend();
        let mut out = Vec::new();
        if reps.is_empty() {
            return Ok(out);
        }
        let columns: Vec<&str> = Measure::ALL.iter().map(|m| m.column()).collect();
        let text = format!(
            "SELECT rep_id, day, {} FROM rollup_rep_day WHERE day BETWEEN {} AND {} AND rep_id IN {}",
            columns.join(", "),
            p(backend, 1),
            p(backend, 2),
            value_tuples_from(backend, 3, reps.len())
        );
        on_pool!(self, pool => {
            let mut query = sqlx::query(&text).bind(first.0 as i64).bind(last.0 as i64);
            for rep in reps {
                query = query.bind(rep);
            }
            for row in query.fetch_all(pool).await? {
                use sqlx::Row;
                let mut totals = [0i64; MEASURE_COUNT];
                for (i, t) in totals.iter_mut().enumerate() {
                    *t = row.try_get::<i64, _>(i + 2)?;
                }
                out.push((row.try_get::<String, _>(0)?, Day(row.try_get::<i64, _>(1)? as i32), totals));
            }
        });
        Ok(out)
    }

    /// Minutes from creation to first response of the leads created in `first..=last`, with the
    /// rep (empty when none) and the day of creation.
    pub async fn lead_responses(&self, first: Day, last: Day) -> Result<Vec<(String, Day, f64)>> {
        let backend = self.backend();
        let text = format!(
            "SELECT rep_id, created_at, first_response_at FROM leads WHERE created_at >= {} AND created_at < {} AND first_response_at IS NOT NULL",
            p(backend, 1),
            p(backend, 2)
        );
        let rows: Vec<(Option<String>, i64, i64)> =
            on_pool!(self, pool => sqlx::query_as(&text).bind(first.start().0).bind(last.plus_days(1).start().0).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(rep, created, responded)| {
                (rep.unwrap_or_default(), salescope_core::time::LocalDateTime(created).day(), (responded - created) as f64 / 60.0)
            })
            .collect())
    }

    /// A filtered deal or lead measure per rep and day over `first..=last`.
    pub async fn filtered_by_rep_day(&self, filtered: &Filtered, first: Day, last: Day) -> Result<Vec<(String, Day, f64)>> {
        let backend = self.backend();
        // A literal 1 is a 32-bit integer on PostgreSQL: say BIGINT so both backends agree.
        let one = "CAST(1 AS BIGINT)";
        let (table, time_column, value, condition) = match filtered.measure {
            FilteredMeasure::WonDeals => ("deals", "closed_at", one, "status = 'won'"),
            FilteredMeasure::RevenueCents => ("deals", "closed_at", "amount_cents", "status = 'won'"),
            FilteredMeasure::DealsCreated => ("deals", "created_at", one, "1 = 1"),
            FilteredMeasure::LostDeals => ("deals", "closed_at", one, "status = 'lost'"),
            FilteredMeasure::Leads => ("leads", "created_at", one, "1 = 1"),
            FilteredMeasure::LeadsResponded => ("leads", "created_at", one, "first_response_at IS NOT NULL"),
        };
        let mut conditions =
            vec![condition.to_string(), format!("{time_column} >= {}", p(backend, 1)), format!("{time_column} < {}", p(backend, 2))];
        for (i, (dimension, _)) in filtered.filters.iter().enumerate() {
            // Dimensions come from a fixed list (checked when the formula was parsed).
            if !filtered.measure.dimensions().contains(&dimension.as_str()) {
                return Ok(Vec::new());
            }
            conditions.push(format!("{dimension} = {}", p(backend, 3 + i)));
        }
        let text = format!("SELECT rep_id, {time_column}, {value} FROM {table} WHERE {}", conditions.join(" AND "));
        let rows: Vec<(Option<String>, i64, i64)> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&text).bind(first.start().0).bind(last.plus_days(1).start().0);
            for (_, value) in &filtered.filters {
                query = query.bind(value);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(rep, at, v)| (rep.unwrap_or_default(), salescope_core::time::LocalDateTime(at).day(), v as f64))
            .collect())
    }

    /// An imported custom measure per rep and day over `first..=last`.
    pub async fn custom_measure_by_rep_day(&self, name: &str, first: Day, last: Day) -> Result<Vec<(String, Day, f64)>> {
        let backend = self.backend();
        let text = format!(
            "SELECT rep_id, day, value FROM custom_measures WHERE name = {} AND day BETWEEN {} AND {}",
            p(backend, 1),
            p(backend, 2),
            p(backend, 3)
        );
        let rows: Vec<(String, i64, f64)> =
            on_pool!(self, pool => sqlx::query_as(&text).bind(name).bind(first.0 as i64).bind(last.0 as i64).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(rep, day, v)| (rep, Day(day as i32), v)).collect())
    }

    /// Names of the custom measures imported so far.
    pub async fn custom_measure_names(&self) -> Result<Vec<String>> {
        Ok(on_pool!(self, pool => sqlx::query_scalar("SELECT DISTINCT name FROM custom_measures ORDER BY name").fetch_all(pool).await?))
    }
}

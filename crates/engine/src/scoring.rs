//! Scorecards (weighted KPI sets per role), composite scores and leaderboards (月度销冠).
//!
//! A KPI's score is its percentile among peers — 100 for the best, 0 for the worst, following
//! the KPI's direction, and peers tied share the middle of their places (three reps all equal
//! score 50); a composite score is the weighted mean of the KPI scores a rep or team
//! has (weights of KPIs without a value drop out). Reps are compared with every rep who sells,
//! was employed for the whole period (hired on or before its first day) and has data in it; a
//! rep hired within it is compared from their first complete period on. Teams are compared with
//! the other selling teams (teams without sub-teams). Ranks are competition ranks: two reps tied
//! for first are both 1, the next is 3; values equal to nine significant digits are tied, so a
//! sum's rounding does not split a tie.

use crate::context::{Context, sells};
use crate::kpis::{rank, scope_name};
use crate::targets::values_of;
use crate::{EngineError, Result};
use salescope_core::i18n::Lang;
use salescope_core::kpi::{Direction, KpiDef};
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_core::sheet::{Cell, CellKind, Sheet, SheetColumn, SheetRow};
use salescope_store::Db;
use serde::Serialize;

/// Roles a scorecard may be set for: reps, team leads (who sell too), and teams.
pub const SCORECARD_ROLES: [&str; 3] = ["rep", "team_lead", "team"];

/// The scorecard of any role without one of its own.
pub const DEFAULT_SCORECARD: [(&str, f64); 5] =
    [("revenue", 40.0), ("new_customers", 20.0), ("conversion_rate", 20.0), ("connect_rate", 10.0), ("csat", 10.0)];

/// The metric a leaderboard ranks by when it is the composite score rather than a KPI.
pub const SCORE: &str = "score";

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Scorecard {
    pub role: String,
    /// Pairs of a KPI id and its weight in percent: `[["revenue", 40.0], …]`.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub entries: Vec<(String, f64)>,
    /// Whether the role has no scorecard of its own and uses the default (or the reps').
    pub inherited: bool,
}

/// The scorecard a role uses: its own; for team leads and teams without one, the reps'; else
/// the default.
pub async fn scorecard(db: &Db, role: &str) -> Result<Scorecard> {
    let rows = db.scorecard_rows().await?;
    let of = |r: &str| -> Vec<(String, f64)> { rows.iter().filter(|(role, _, _)| role == r).map(|(_, k, w)| (k.clone(), *w)).collect() };
    let own = of(role);
    if !own.is_empty() {
        return Ok(Scorecard { role: role.to_string(), entries: own, inherited: false });
    }
    let reps = of("rep");
    let entries = if reps.is_empty() { DEFAULT_SCORECARD.iter().map(|(k, w)| (k.to_string(), *w)).collect() } else { reps };
    Ok(Scorecard { role: role.to_string(), entries, inherited: true })
}

/// Sets the scorecard of a role; an empty list returns it to the default.
pub async fn set_scorecard(db: &Db, ctx: &Context, role: &str, entries: &[(String, f64)]) -> Result<Scorecard> {
    if !SCORECARD_ROLES.contains(&role) {
        return Err(EngineError::invalid(
            "error.bad_choice",
            &[("value", &role), ("field", &"role"), ("choices", &SCORECARD_ROLES.join(", "))],
        ));
    }
    for (kpi, weight) in entries {
        ctx.kpi(kpi)?;
        if !(weight.is_finite() && *weight > 0.0) {
            return Err(EngineError::invalid("error.bad_weight", &[("kpi", kpi), ("weight", weight)]));
        }
    }
    db.set_scorecard(role, entries).await?;
    scorecard(db, role).await
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct KpiScore {
    pub kpi: String,
    pub weight: f64,
    pub value: Option<f64>,
    /// Percentile among peers; `None` without a value.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Score {
    pub scope: String,
    pub name: String,
    pub team: String,
    pub score: Option<f64>,
    pub rank: Option<usize>,
    pub kpis: Vec<KpiScore>,
}

/// Whether scores and leaderboards compare reps or teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Reps,
    Teams,
}

/// The peers compared at a level over a period, with the scorecard role of each.
fn peers(ctx: &Context, level: Level, period: &Period, with_data: &dyn Fn(&Scope) -> bool) -> Vec<(Scope, String)> {
    match level {
        Level::Reps => ctx
            .structure
            .reps
            .iter()
            .filter(|r| sells(&r.role) && r.hire_date.is_none_or(|hired| hired <= period.start))
            .map(|r| (Scope::Rep(r.rep_id.clone()), r.role.clone()))
            .filter(|(scope, _)| with_data(scope))
            .collect(),
        Level::Teams => ctx
            .tree
            .teams()
            .filter(|t| ctx.tree.children(t).is_empty())
            .map(|t| Scope::Team(t.to_string()))
            .filter(|scope| !ctx.sellers_in(scope, period).is_empty())
            .map(|scope| (scope, "team".to_string()))
            .collect(),
    }
}

/// Whether a peer belongs to the scope the scores are shown for.
fn within(ctx: &Context, scope: &Scope, peer: &Scope, period: &Period) -> bool {
    match (scope, peer) {
        (Scope::Org, _) => true,
        (Scope::Team(team), Scope::Team(peer)) => ctx.tree.with_descendants(team).contains(peer),
        (Scope::Team(_), Scope::Rep(rep)) => ctx.sellers_in(scope, period).iter().any(|r| r.rep_id == *rep),
        (Scope::Rep(own), Scope::Rep(rep)) => own == rep,
        (Scope::Rep(_), Scope::Team(_)) | (_, Scope::Org) => false,
    }
}

fn peer_team(ctx: &Context, peer: &Scope, period: &Period) -> String {
    match peer {
        Scope::Rep(rep) => {
            ctx.team_on(rep, period.end).map(str::to_string).or_else(|| ctx.rep(rep).map(|r| r.team.clone())).unwrap_or_default()
        }
        Scope::Team(team) => ctx.tree.parent(team).unwrap_or_default().to_string(),
        Scope::Org => String::new(),
    }
}

/// Competition ranks (1224) of values, best first by `direction`; `None` stays unranked.
/// Values are compared to nine significant digits: 66.666666667 and 66.666666666 tie.
fn ranks(values: &[Option<f64>], direction: Direction) -> Vec<Option<usize>> {
    let significant = |v: f64| {
        if v == 0.0 || !v.is_finite() {
            return v;
        }
        let scale = 10f64.powi(8 - v.abs().log10().floor() as i32);
        (v * scale).round() / scale
    };
    let values: Vec<Option<f64>> = values.iter().map(|v| v.map(significant)).collect();
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    values.iter().map(|v| rank(direction, *v, &present).0).collect()
}

/// The share of `values` (which include `own`) doing worse than `own`, in %, ties counting
/// half: 100 for the best alone, 0 for the worst alone, 50 when all are equal.
fn percentile(direction: Direction, own: f64, values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 100.0;
    }
    let worse = values.iter().filter(|v| direction.better(own, **v)).count() as f64;
    let tied = values.iter().filter(|v| !direction.better(own, **v) && !direction.better(**v, own)).count() as f64;
    (worse + (tied - 1.0) / 2.0) / (values.len() - 1) as f64 * 100.0
}

/// Composite scores of the reps or teams of a scope over a period, best first.
pub async fn scores(db: &Db, ctx: &Context, level: Level, scope: &Scope, period: &Period, lang: Lang) -> Result<Vec<Score>> {
    ctx.check_scope(scope)?;
    let mut cards = std::collections::BTreeMap::new();
    for role in SCORECARD_ROLES {
        cards.insert(role.to_string(), scorecard(db, role).await?);
    }
    let mut kpi_ids: Vec<String> = Vec::new();
    for card in cards.values() {
        for (kpi, _) in &card.entries {
            if !kpi_ids.contains(kpi) {
                kpi_ids.push(kpi.clone());
            }
        }
    }
    let kpis: Vec<&KpiDef> = kpi_ids.iter().map(|id| ctx.kpi(id)).collect::<Result<_>>()?;
    let candidates = peers(ctx, level, period, &|_| true);
    let scopes: Vec<Scope> = candidates.iter().map(|(s, _)| s.clone()).collect();
    let values = values_of(db, ctx, &kpis, &scopes, *period).await?;
    // Reps are compared when they have a value of some KPI; teams always.
    let compared: Vec<usize> = (0..scopes.len()).filter(|&i| level == Level::Teams || values[i].iter().any(Option::is_some)).collect();
    let percentiles: Vec<Vec<Option<f64>>> = kpis
        .iter()
        .enumerate()
        .map(|(k, def)| {
            let present: Vec<f64> = compared.iter().filter_map(|&i| values[i][k]).collect();
            compared.iter().map(|&i| values[i][k].map(|v| percentile(def.direction, v, &present))).collect()
        })
        .collect();
    let mut out: Vec<Score> = compared
        .iter()
        .enumerate()
        .map(|(c, &i)| {
            let role = if level == Level::Teams { "team" } else { candidates[i].1.as_str() };
            let card = cards.get(role).or_else(|| cards.get("rep")).map(|c| c.entries.clone()).unwrap_or_default();
            let kpi_scores: Vec<KpiScore> = card
                .iter()
                .filter_map(|(id, weight)| {
                    let k = kpi_ids.iter().position(|x| x == id)?;
                    Some(KpiScore { kpi: id.clone(), weight: *weight, value: values[i][k], score: percentiles[k][c] })
                })
                .collect();
            let weight: f64 = kpi_scores.iter().filter(|s| s.score.is_some()).map(|s| s.weight).sum();
            let total: f64 = kpi_scores.iter().filter_map(|s| s.score.map(|p| p * s.weight)).sum();
            Score {
                scope: scopes[i].label(),
                name: scope_name(ctx, &scopes[i], lang),
                team: peer_team(ctx, &scopes[i], period),
                score: (weight > 0.0).then(|| total / weight),
                rank: None,
                kpis: kpi_scores,
            }
        })
        .collect();
    let rank_of = ranks(&out.iter().map(|s| s.score).collect::<Vec<_>>(), Direction::HigherIsBetter);
    for (score, r) in out.iter_mut().zip(rank_of) {
        score.rank = r;
    }
    out.retain(|s| Scope::parse(&s.scope).is_ok_and(|peer| within(ctx, scope, &peer, period)));
    out.sort_by(|a, b| (a.rank.unwrap_or(usize::MAX), &a.scope).cmp(&(b.rank.unwrap_or(usize::MAX), &b.scope)));
    Ok(out)
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LeaderboardEntry {
    pub rank: usize,
    pub scope: String,
    pub name: String,
    pub team: String,
    pub value: f64,
    /// Ranked first (with anyone tied): 月度销冠 on a monthly revenue board.
    pub champion: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Leaderboard {
    /// A KPI id, or `score`.
    pub metric: String,
    pub metric_name: String,
    pub scope: String,
    pub period: String,
    pub entries: Vec<LeaderboardEntry>,
}

/// What a leaderboard ranks: the reps or teams of a scope over a period by a KPI or by the
/// composite score, the best `top` places (ties at the cut are all kept).
#[derive(Debug, Clone)]
pub struct LeaderboardQuery {
    /// A KPI id, or [`SCORE`].
    pub metric: String,
    pub level: Level,
    pub scope: Scope,
    pub period: Period,
    pub top: usize,
    pub lang: Lang,
}

pub async fn leaderboard(db: &Db, ctx: &Context, query: &LeaderboardQuery) -> Result<Leaderboard> {
    let LeaderboardQuery { metric, level, scope, period, top, lang } = query;
    let (metric, level, period, top, lang) = (metric.as_str(), *level, period, *top, *lang);
    ctx.check_scope(scope)?;
    if matches!(scope, Scope::Rep(_)) {
        return Err(EngineError::invalid("error.leaderboard_of_rep", &[("scope", scope)]));
    }
    let (metric_name, mut entries) = if metric == SCORE {
        let scores = scores(db, ctx, level, scope, period, lang).await?;
        let entries: Vec<LeaderboardEntry> = scores
            .into_iter()
            .filter_map(|s| {
                Some(LeaderboardEntry { rank: s.rank?, scope: s.scope, name: s.name, team: s.team, value: s.score?, champion: false })
            })
            .collect();
        (lang.tr("score.composite").to_string(), entries)
    } else {
        let kpi = ctx.kpi(metric)?;
        let candidates: Vec<Scope> =
            peers(ctx, level, period, &|_| true).into_iter().map(|(s, _)| s).filter(|peer| within(ctx, scope, peer, period)).collect();
        let values: Vec<Option<f64>> = values_of(db, ctx, &[kpi], &candidates, *period).await?.into_iter().map(|v| v[0]).collect();
        let rank_of = ranks(&values, kpi.direction);
        let entries = candidates
            .iter()
            .zip(values)
            .zip(rank_of)
            .filter_map(|((peer, value), rank)| {
                Some(LeaderboardEntry {
                    rank: rank?,
                    scope: peer.label(),
                    name: scope_name(ctx, peer, lang),
                    team: peer_team(ctx, peer, period),
                    value: value?,
                    champion: false,
                })
            })
            .collect();
        (kpi.name(lang).to_string(), entries)
    };
    entries.sort_by(|a, b| (a.rank, &a.scope).cmp(&(b.rank, &b.scope)));
    entries.retain(|e| e.rank <= top.max(1));
    for entry in &mut entries {
        entry.champion = entry.rank == 1;
    }
    Ok(Leaderboard { metric: metric.to_string(), metric_name, scope: scope.label(), period: period.label(), entries })
}

/// The leaderboard as a sheet.
pub fn leaderboard_sheet(board: &Leaderboard, ctx: &Context, lang: Lang) -> Sheet {
    let unit = ctx.kpi(&board.metric).map_or(CellKind::Number, |k| CellKind::of_unit(k.unit));
    let column = |id: &'static str, kind: CellKind| SheetColumn {
        id,
        heading: lang.tr(&format!("sheet.leaderboard.{id}")).to_string(),
        kind,
        editable: false,
    };
    let mut columns =
        vec![column("rank", CellKind::Count), column("name", CellKind::Text), column("team", CellKind::Text), column("value", unit)];
    columns[3].heading = board.metric_name.clone();
    columns.push(column("champion", CellKind::Text));
    let rows = board
        .entries
        .iter()
        .map(|e| SheetRow {
            scope: e.scope.clone(),
            period: board.period.clone(),
            cells: vec![
                Cell::Number(e.rank as f64),
                Cell::text(e.name.clone()),
                Cell::text(e.team.clone()),
                Cell::Number(e.value),
                Cell::text(if e.champion { lang.tr("leaderboard.champion") } else { "" }),
            ],
        })
        .collect();
    Sheet {
        id: "leaderboard",
        title: lang.format("sheet.leaderboard.title", &[("metric", &board.metric_name), ("period", &board.period)]),
        scope: board.scope.clone(),
        period: board.period.clone(),
        columns,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_place_and_the_next_place_is_skipped() {
        // 200/3 by two roundings: equal to nine significant digits, so tied for second.
        let values = [Some(90.0), Some(200.0 / 3.0), Some(66.666_666_666_7), None, Some(10.0)];
        assert_eq!(ranks(&values, Direction::HigherIsBetter), vec![Some(1), Some(2), Some(2), None, Some(4)]);
        assert_eq!(ranks(&values, Direction::LowerIsBetter), vec![Some(4), Some(2), Some(2), None, Some(1)]);
    }
}

//! Scorecards, composite scores and leaderboards on the organisation of `common` (July 2024),
//! on SQLite and PostgreSQL, with the percentiles worked out by hand.
//!
//! | rep | revenue | new customers | conversion | connect rate | CSAT |
//! |-----|---------|---------------|------------|--------------|------|
//! | R1  | 12,000  | 1             | 50 %       | 66.7 %       | 5    |
//! | R2  | 30,000  | 1             | 100 %      | 50 %         | 3    |
//! | R3  | 5,000   | 1             | 50 %       | 100 %        | —    |

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::scoring::{LeaderboardQuery, Level, leaderboard, scores, set_scorecard};
use salescope_store::WriteContext;
use salescope_store::testing::{TestDb, each_backend};

fn july() -> Period {
    Period::parse("2024-07").expect("period")
}

#[tokio::test]
async fn composite_scores_weigh_each_kpis_percentile_among_peers() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        let scored = scores(db, &ctx, Level::Reps, &Scope::Org, &july(), Lang::En).await.expect("scores");
        let summary: Vec<(&str, Option<usize>, f64)> =
            scored.iter().map(|s| (s.scope.as_str(), s.rank, s.score.unwrap_or(f64::NAN))).collect();
        // Default scorecard, weights 40/20/20/10/10:
        // R1 = (40·50 + 20·50 + 20·25 + 10·50 + 10·100) / 100 = 50
        // R2 = (40·100 + 20·50 + 20·100 + 10·0 + 10·0) / 100 = 70
        // R3 = (40·0 + 20·50 + 20·25 + 10·100) / 90 (no CSAT) = 27.78
        assert_eq!(summary.len(), 3);
        assert_eq!((summary[0].0, summary[0].1), ("rep:R2", Some(1)));
        assert!((summary[0].2 - 70.0).abs() < 1e-9);
        assert_eq!((summary[1].0, summary[1].1), ("rep:R1", Some(2)));
        assert!((summary[1].2 - 50.0).abs() < 1e-9);
        assert_eq!((summary[2].0, summary[2].1), ("rep:R3", Some(3)));
        assert!((summary[2].2 - 2500.0 / 90.0).abs() < 1e-9);
        let r3_csat = scored[2].kpis.iter().find(|k| k.kpi == "csat").expect("csat");
        assert_eq!((r3_csat.value, r3_csat.score), (None, None));

        let ctx = Context::load(db).await.expect("context");
        set_scorecard(db, &ctx, "rep", &[("revenue".into(), 3.0), ("connect_rate".into(), 1.0)]).await.expect("scorecard");
        let scored = scores(db, &ctx, Level::Reps, &Scope::Team("销售一部".into()), &july(), Lang::En).await.expect("scores");
        // R2 = (3·100 + 1·0) / 4 = 75; R1 = (3·50 + 1·50) / 4 = 50; R3 = (3·0 + 1·100) / 4 = 25.
        let summary: Vec<(&str, f64)> = scored.iter().map(|s| (s.scope.as_str(), s.score.unwrap_or(f64::NAN))).collect();
        assert_eq!(summary, [("rep:R2", 75.0), ("rep:R1", 50.0), ("rep:R3", 25.0)]);

        let error = set_scorecard(db, &ctx, "intern", &[("revenue".into(), 1.0)]).await.expect_err("unknown role");
        assert!(error.message(Lang::En).contains("rep, team_lead, team"), "{}", error.message(Lang::En));
        let error = set_scorecard(db, &ctx, "rep", &[("revenue".into(), 0.0)]).await.expect_err("zero weight");
        assert_eq!(error.code(), "invalid_request");
        let error = set_scorecard(db, &ctx, "rep", &[("revenu".into(), 1.0)]).await.expect_err("unknown KPI");
        assert_eq!(error.code(), "unknown_kpi");
    })
    .await;
}

fn query(metric: &str, level: Level, scope: Scope, top: usize, lang: Lang) -> LeaderboardQuery {
    LeaderboardQuery { metric: metric.into(), level, scope, period: july(), top, lang }
}

#[tokio::test]
async fn leaderboards_rank_with_ties_and_crown_every_rep_tied_first() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = Context::load(db).await.expect("context");
        let board = leaderboard(db, &ctx, &query("revenue", Level::Reps, Scope::Org, 10, Lang::ZhCn)).await.expect("board");
        let ranked: Vec<(usize, &str, f64, bool)> = board.entries.iter().map(|e| (e.rank, e.scope.as_str(), e.value, e.champion)).collect();
        assert_eq!(ranked, [(1, "rep:R2", 30_000.0, true), (2, "rep:R1", 12_000.0, false), (3, "rep:R3", 5_000.0, false)]);
        assert_eq!(board.metric_name, "销售额");

        // Everyone won one new customer: three champions, all kept at the top-1 cut.
        let tied = leaderboard(db, &ctx, &query("new_customers", Level::Reps, Scope::Org, 1, Lang::En)).await.expect("board");
        assert_eq!(tied.entries.iter().map(|e| (e.rank, e.champion)).collect::<Vec<_>>(), [(1, true), (1, true), (1, true)]);

        // Lower is better for the sales cycle: R1's D1 took 15 days, D5 5 (mean 10); R2's 10; R3's 4.
        let cycle = leaderboard(db, &ctx, &query("sales_cycle_days", Level::Reps, Scope::Org, 10, Lang::En)).await.expect("board");
        assert_eq!(
            cycle.entries.iter().map(|e| (e.rank, e.scope.as_str())).collect::<Vec<_>>(),
            [(1, "rep:R3"), (2, "rep:R1"), (2, "rep:R2")]
        );

        let teams = leaderboard(db, &ctx, &query("revenue", Level::Teams, Scope::Org, 10, Lang::En)).await.expect("board");
        let ranked: Vec<(usize, &str, f64)> = teams.entries.iter().map(|e| (e.rank, e.scope.as_str(), e.value)).collect();
        assert_eq!(ranked, [(1, "team:销售一部", 47_000.0), (2, "team:销售二部", 0.0)]);

        let by_score = leaderboard(db, &ctx, &query("score", Level::Reps, Scope::Org, 1, Lang::En)).await.expect("board");
        assert_eq!(by_score.entries.iter().map(|e| e.scope.as_str()).collect::<Vec<_>>(), ["rep:R2"]);

        let error = leaderboard(db, &ctx, &query("revenue", Level::Reps, Scope::Rep("R1".into()), 10, Lang::En)).await;
        assert_eq!(error.expect_err("a rep has no leaderboard").code(), "invalid_request");
    })
    .await;
}

#[tokio::test]
async fn a_rep_hired_within_the_period_is_not_compared_on_it() {
    use salescope_core::records::{DealStatus, Rep};
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        // R4 joins on 16 July and wins 40,000 on the 18th: more than anyone, in half a month.
        let write = WriteContext { today: day(7, 31), counted: false };
        db.write(vec![Rep { hire_date: Some(day(7, 16)), ..rep("R4", "销售一部", None) }], &write).await.expect("rep");
        db.write(vec![deal("D6", "R4", "K7", day(7, 16), day(7, 18), DealStatus::Won, 40_000)], &write).await.expect("deal");
        let ctx = Context::load(db).await.expect("context");
        // July is compared among R1, R2 and R3, who were there all month.
        let board = leaderboard(db, &ctx, &query("revenue", Level::Reps, Scope::Org, 10, Lang::En)).await.expect("board");
        let ranked: Vec<(usize, &str)> = board.entries.iter().map(|e| (e.rank, e.scope.as_str())).collect();
        assert_eq!(ranked, [(1, "rep:R2"), (2, "rep:R1"), (3, "rep:R3")]);
        let scored = scores(db, &ctx, Level::Reps, &Scope::Org, &july(), Lang::En).await.expect("scores");
        assert!(scored.iter().all(|s| s.scope != "rep:R4"), "{scored:?}");
        // From 16 July on, R4 was there throughout: first with 40,000 (R1 has 2,000 from D5,
        // R3 nothing won).
        let late_july = Period::parse("2024-07-16..2024-07-31").expect("period");
        let late = LeaderboardQuery { period: late_july, ..query("revenue", Level::Reps, Scope::Org, 1, Lang::En) };
        let board = leaderboard(db, &ctx, &late).await.expect("board");
        assert_eq!(board.entries.iter().map(|e| e.scope.as_str()).collect::<Vec<_>>(), ["rep:R4"]);
    })
    .await;
}

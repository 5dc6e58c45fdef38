//! Best time to call on SQLite and PostgreSQL, against the shared organisation's calls counted by
//! hand (1 July 2024 is a Monday; every call of the fixture starts at 10:00 but C2, at 11:00).

mod common;

use common::organisation;
use salescope_core::period::Period;
use salescope_core::scope::Scope;
use salescope_engine::Context;
use salescope_engine::heatmap::call_heatmap;
use salescope_store::testing::{TestDb, each_backend};

/// (weekday, hour) → (calls, connected) of the cells with calls.
fn busy(cells: &[salescope_engine::heatmap::HeatCell]) -> Vec<((u32, u32), (i64, i64))> {
    cells.iter().filter(|c| c.calls > 0).map(|c| ((c.weekday, c.hour), (c.calls, c.connected))).collect()
}

#[tokio::test]
async fn each_weekday_hour_cell_counts_the_calls_started_in_it_and_their_connect_rate() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let ctx = Context::load(&store.db).await.expect("context");
        let july = Period::parse("2024-07").expect("period");
        let team = call_heatmap(&store.db, &ctx, &Scope::Team("销售一部".into()), &july).await.expect("heatmap");
        assert_eq!(team.len(), 7 * 24);
        // Monday 10h: C1, C5 and C7 (R3 still in 一部 on 8 July), all connected; Monday 11h: C2,
        // unanswered; Tuesday 10h: C3; Wednesday 10h: C4 connected and C6 busy.
        assert_eq!(busy(&team), vec![((1, 10), (3, 3)), ((1, 11), (1, 0)), ((2, 10), (1, 1)), ((3, 10), (2, 1))]);
        let wednesday = team.iter().find(|c| (c.weekday, c.hour) == (3, 10)).expect("cell");
        assert_eq!(wednesday.connect_rate, Some(50.0));
        assert_eq!(team[0].connect_rate, None, "a cell without calls has no rate");

        // R3's calls after the move count for 二部: C8 on Saturday 20 July, C9 on Monday 22 July.
        let second = call_heatmap(&store.db, &ctx, &Scope::Team("销售二部".into()), &july).await.expect("heatmap");
        assert_eq!(busy(&second), vec![((1, 10), (1, 1)), ((6, 10), (1, 1))]);
        let org = call_heatmap(&store.db, &ctx, &Scope::Org, &july).await.expect("heatmap");
        assert_eq!(busy(&org), vec![((1, 10), (4, 4)), ((1, 11), (1, 0)), ((2, 10), (1, 1)), ((3, 10), (2, 1)), ((6, 10), (1, 1))]);
    })
    .await;
}

//! Customer retention and churn over the organisation's retention window, on SQLite and
//! PostgreSQL, on the organisation of `common` (July 2024) with one more win: R2 wins K2 again
//! on 20 August (D7).
//!
//! Won deals by customer: K1 5 and 20 July (R1), K2 11 July and 20 August (R2), K4 12 July (R3).

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::period::Period;
use salescope_core::records::DealStatus;
use salescope_core::scope::Scope;
use salescope_engine::kpis::{KpiQuery, kpi_report};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

async fn values(db: &Db, scope: &str, period: &str) -> Vec<Option<f64>> {
    let query = KpiQuery {
        kpis: ["retention_rate", "churn_rate", "repeat_purchase_rate"].map(str::to_string).to_vec(),
        scope: Scope::parse(scope).expect("scope"),
        period: Period::parse(period).expect("period"),
        by: None,
        today: day(12, 1),
        compare: Default::default(),
        lang: Lang::En,
    };
    let report = kpi_report(db, &query).await.unwrap_or_else(|e| panic!("{e}"));
    report.values.iter().map(|v| v.value.map(|x| (x * 100.0).round() / 100.0)).collect()
}

#[tokio::test]
async fn retention_counts_the_customers_active_on_the_periods_eve_who_are_still_active_at_its_end() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let write = WriteContext { today: day(8, 31), counted: false };
        db.write(vec![deal("D7", "R2", "K2", day(8, 10), day(8, 20), DealStatus::Won, 1_000)], &write).await.expect("deal");
        // October, with the default 90 days: active on 30 September are the customers won
        // 3 July – 30 September, K1, K2 and K4; still active on 31 October, with a win
        // 3 August – 31 October, only K2. Retention 1 / 3 = 33.33 %, churn 66.67 %: K4's 90
        // days ran out on 10 October, K1's on 18 October. October has no wins: no repeat share.
        assert_eq!(values(db, "org", "2024-10").await, vec![Some(33.33), Some(66.67), None]);
        // Per rep: R1's only customer K1 lapsed, R2's K2 did not.
        assert_eq!(values(db, "rep:R1", "2024-10").await[..2], [Some(0.0), Some(100.0)]);
        assert_eq!(values(db, "rep:R2", "2024-10").await[..2], [Some(100.0), Some(0.0)]);
        // July: nobody was won in the 90 days before it, so there is nobody to retain. Its
        // repeat-purchase rate is its own KPI: 4 won deals, 3 of them a customer's first
        // (D1 K1, D2 K2, D3 K4), (4 − 3) / 4 = 25 %.
        assert_eq!(values(db, "org", "2024-07").await, vec![None, None, Some(25.0)]);

        // A 30-day window: active on 31 July are the customers won 2 – 31 July (K1, K2, K4);
        // on 31 August, those won 2 – 31 August (K2). The same 33.33 % in August.
        db.set_setting("retention.window_days", "30").await.expect("store").expect("valid setting");
        assert_eq!(values(db, "org", "2024-08").await[..2], [Some(33.33), Some(66.67)]);
        // With 30 days, October has nobody active on its eve (no win 31 August – 30 September).
        assert_eq!(values(db, "org", "2024-10").await[..2], [None, None]);
    })
    .await;
}

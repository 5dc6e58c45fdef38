//! Every built-in KPI on the organisation of `common` (figures worked out by hand there), on
//! SQLite and on PostgreSQL.

mod common;

use common::*;
use salescope_core::i18n::Lang;
use salescope_core::period::{Granularity, Period};
use salescope_core::records::*;
use salescope_core::scope::Scope;
use salescope_core::time::{Day, LocalDateTime};
use salescope_engine::kpis::{KpiQuery, KpiReport, kpi_report};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, TargetRow, WriteContext};

const ALL: &[&str] = &[
    "outbound_calls",
    "connected_calls",
    "connect_rate",
    "talk_seconds",
    "avg_talk_seconds",
    "contacted_customers",
    "revenue",
    "won_deals",
    "avg_deal_size",
    "new_customers",
    "conversion_rate",
    "sales_cycle_days",
    "win_rate",
    "repeat_purchase_rate",
    "csat",
    "nps",
    "complaints",
    "complaint_rate",
    "fcr_rate",
    "response_time_minutes",
    "lead_response_rate",
    "inbound_calls",
    "calls_over_3min",
];

async fn report(db: &Db, scope: &str, period: &str, by: Option<Granularity>, today: Day) -> KpiReport {
    let query = KpiQuery {
        kpis: ALL.iter().map(|s| s.to_string()).collect(),
        scope: Scope::parse(scope).expect("scope"),
        period: Period::parse(period).expect("period"),
        by,
        today,
        compare: Default::default(),
        lang: Lang::En,
    };
    kpi_report(db, &query).await.unwrap_or_else(|e| panic!("{e}"))
}

fn value(report: &KpiReport, kpi: &str) -> Option<f64> {
    report.values.iter().find(|v| v.kpi == kpi).unwrap_or_else(|| panic!("{kpi} missing")).value
}

fn assert_values(report: &KpiReport, expected: &[(&str, Option<f64>)]) {
    for (kpi, want) in expected {
        let got = value(report, kpi);
        match (got, want) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{} {kpi}: {g} ≠ {w}", report.scope),
            _ => assert_eq!(got, *want, "{} {kpi}", report.scope),
        }
    }
}

#[tokio::test]
async fn the_organisation_in_july_matches_the_hand_computed_figures() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let r = report(&store.db, "org", "2024-07", None, day(7, 31)).await;
        assert_values(
            &r,
            &[
                ("outbound_calls", Some(7.0)),
                ("connected_calls", Some(5.0)),
                ("connect_rate", Some(500.0 / 7.0)),
                ("talk_seconds", Some(1410.0)),
                ("avg_talk_seconds", Some(1410.0 / 7.0)),
                ("contacted_customers", Some(5.0)),
                ("revenue", Some(47_000.0)),
                ("won_deals", Some(4.0)),
                ("avg_deal_size", Some(11_750.0)),
                ("new_customers", Some(3.0)),
                ("conversion_rate", Some(60.0)),
                ("sales_cycle_days", Some(8.5)),
                ("win_rate", Some(80.0)),
                ("repeat_purchase_rate", Some(25.0)),
                ("csat", Some(4.0)),
                ("nps", Some(0.0)),
                ("complaints", Some(1.0)),
                ("complaint_rate", Some(20.0)),
                ("fcr_rate", Some(50.0)),
                ("response_time_minutes", Some(30.0)),
                ("lead_response_rate", Some(75.0)),
                ("inbound_calls", Some(2.0)),
                ("calls_over_3min", Some(3.0)),
            ],
        );
    })
    .await;
}

#[tokio::test]
async fn a_rep_who_moved_counts_for_each_team_on_the_days_they_were_in_it() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let one = report(&store.db, "team:销售一部", "2024-07", None, day(7, 31)).await;
        assert_values(
            &one,
            &[
                ("outbound_calls", Some(6.0)),
                ("connected_calls", Some(4.0)),
                ("connect_rate", Some(400.0 / 6.0)),
                ("contacted_customers", Some(4.0)),
                ("revenue", Some(47_000.0)),
                ("conversion_rate", Some(75.0)),
                ("complaint_rate", Some(25.0)),
                ("csat", Some(4.0)),
                ("response_time_minutes", Some(30.0)),
            ],
        );
        let two = report(&store.db, "team:销售二部", "2024-07", None, day(7, 31)).await;
        assert_values(
            &two,
            &[
                ("outbound_calls", Some(1.0)),
                ("connect_rate", Some(100.0)),
                ("contacted_customers", Some(1.0)),
                ("revenue", Some(0.0)),
                ("conversion_rate", Some(0.0)),
                ("win_rate", Some(0.0)),
                ("avg_deal_size", None),
                ("csat", None),
                ("fcr_rate", Some(0.0)),
            ],
        );
        // The parent team holds both; unattributed feedback (CSAT 4) belongs to no team.
        let centre = report(&store.db, "team:销售中心", "2024-07", None, day(7, 31)).await;
        assert_values(
            &centre,
            &[("outbound_calls", Some(7.0)), ("csat", Some(4.0)), ("nps", Some(0.0)), ("contacted_customers", Some(5.0))],
        );
        let nps_centre = value(&centre, "nps");
        assert_eq!(nps_centre, Some(0.0));
        // A rep scope takes the rep's whole period, whatever the team.
        let r3 = report(&store.db, "rep:R3", "2024-07", None, day(7, 31)).await;
        assert_values(&r3, &[("outbound_calls", Some(2.0)), ("revenue", Some(5_000.0)), ("win_rate", Some(50.0))]);
    })
    .await;
}

#[tokio::test]
async fn ratios_over_a_team_are_ratios_of_sums() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        // R1 connects 2 of 3, R2 1 of 2, R3 (until 15 July) 1 of 1: the mean of the reps' rates
        // would be 72.2 %, the team's rate is 4 of 6.
        let one = report(&store.db, "team:销售一部", "2024-07", None, day(7, 31)).await;
        assert_values(&one, &[("connect_rate", Some(400.0 / 6.0))]);
    })
    .await;
}

#[tokio::test]
async fn an_empty_period_has_no_values_rather_than_zeros() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let august = report(&store.db, "org", "2024-08", None, day(8, 31)).await;
        for kpi in ALL {
            assert_eq!(value(&august, kpi), None, "{kpi}");
        }
        // June has one deal created (D1) and so data, but no revenue yet: 0, and July's change
        // against it has no percentage.
        let july = report(&store.db, "org", "2024-07", None, day(7, 31)).await;
        let revenue = july.values.iter().find(|v| v.kpi == "revenue").expect("revenue");
        assert_eq!(
            (revenue.previous_period.as_str(), revenue.previous, revenue.change, revenue.change_pct),
            ("2024-06", Some(0.0), Some(47_000.0), None)
        );
        assert_eq!((revenue.last_year_period.as_str(), revenue.last_year), ("2023-07", None));
    })
    .await;
}

#[tokio::test]
async fn reps_are_ranked_among_their_peers() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let r1 = report(&store.db, "rep:R1", "2024-07", None, day(7, 31)).await;
        let revenue = r1.values.iter().find(|v| v.kpi == "revenue").expect("revenue");
        // R2 30,000 > R1 12,000 > R3 5,000.
        assert_eq!((revenue.value, revenue.rank, revenue.peers, revenue.percentile), (Some(12_000.0), Some(2), Some(3), Some(50.0)));
        let one = report(&store.db, "team:销售一部", "2024-07", None, day(7, 31)).await;
        let outbound = one.values.iter().find(|v| v.kpi == "outbound_calls").expect("kpi");
        assert_eq!((outbound.rank, outbound.peers), (Some(1), Some(2)));
        let org = report(&store.db, "org", "2024-07", None, day(7, 31)).await;
        assert!(org.values.iter().all(|v| v.rank.is_none()));
    })
    .await;
}

#[tokio::test]
async fn targets_give_attainment_and_pace_with_working_days_and_holidays() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        db.set_targets(&[
            TargetRow { kpi: "revenue".into(), scope: "org".into(), period: "2024-07".into(), value: 100_000.0 },
            TargetRow { kpi: "revenue".into(), scope: "org".into(), period: "2024-Q4".into(), value: 62_000.0 },
            TargetRow { kpi: "connect_rate".into(), scope: "org".into(), period: "2024".into(), value: 50.0 },
        ])
        .await
        .expect("targets");
        // On 15 July, D5 (won on the 20th) does not exist yet: 10,000 + 30,000 + 5,000 to date
        // against the month's whole target.
        let july = report(db, "org", "2024-07", None, day(7, 15)).await;
        let revenue = july.values.iter().find(|v| v.kpi == "revenue").expect("revenue");
        assert_eq!((revenue.value, revenue.target, revenue.attainment), (Some(45_000.0), Some(100_000.0), Some(45.0)));
        // July 2024 has 23 working days; 11 have passed on the 15th.
        let pace = revenue.pace.as_ref().expect("pace");
        assert_eq!((pace.working_days, pace.elapsed_working_days), (23, 11));
        assert!((pace.projected.unwrap_or_default() - 45_000.0 * 23.0 / 11.0).abs() < 1e-6);
        // A count projects to a whole number of things: D1, D2 and D3 won by the 15th, 3 × 23 / 11
        // = 6.27 → 6.
        let won = july.values.iter().find(|v| v.kpi == "won_deals").and_then(|v| v.pace.as_ref()).expect("pace");
        assert_eq!(won.projected, Some(6.0));
        // A rate keeps its yearly target and does not project.
        let rate = july.values.iter().find(|v| v.kpi == "connect_rate").expect("rate");
        assert_eq!(rate.target, Some(50.0));
        assert_eq!(rate.pace.as_ref().and_then(|p| p.projected), rate.value);
        // October 2024 has 19 of the quarter's 62 working days (National Day holidays).
        let october = report(db, "org", "2024-10", None, day(10, 31)).await;
        let target = october.values.iter().find(|v| v.kpi == "revenue").and_then(|v| v.target).expect("derived target");
        assert!((target - 62_000.0 * 19.0 / 62.0).abs() < 1e-9, "{target}");
    })
    .await;
}

#[tokio::test]
async fn iso_weeks_across_the_year_end_and_trends() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = WriteContext { today: day(12, 31), counted: false };
        let new_year = |id: &str, y: i32, m: u32, d: u32| {
            call(
                id,
                "R1",
                LocalDateTime::from_parts(Day::from_ymd(y, m, d).expect("date"), 10, 0, 0),
                Direction::Outbound,
                Outcome::Connected,
                90,
                "K9",
                None,
            )
        };
        db.write(vec![new_year("N1", 2024, 12, 30), new_year("N2", 2025, 1, 2), new_year("N3", 2024, 12, 27)], &ctx).await.expect("calls");
        let week = report(db, "org", "2025-W01", None, Day::from_ymd(2025, 1, 6).expect("date")).await;
        assert_eq!(week.start, "2024-12-30");
        assert_values(&week, &[("outbound_calls", Some(2.0)), ("contacted_customers", Some(1.0))]);
        let previous = week.values.iter().find(|v| v.kpi == "outbound_calls").expect("kpi");
        assert_eq!((previous.previous_period.as_str(), previous.previous), ("2024-W52", Some(1.0)));
        let july = report(db, "org", "2024-07", Some(Granularity::Week), day(7, 31)).await;
        let trend: Vec<(String, Option<f64>)> = july
            .values
            .iter()
            .find(|v| v.kpi == "outbound_calls")
            .expect("kpi")
            .trend
            .iter()
            .map(|t| (t.period.clone(), t.value))
            .collect();
        assert_eq!(
            trend,
            vec![
                ("2024-W27".to_string(), Some(4.0)),
                ("2024-W28".to_string(), Some(2.0)),
                ("2024-W29".to_string(), Some(1.0)),
                // Only an inbound call that week: data, but no outbound calls.
                ("2024-W30".to_string(), Some(0.0)),
                ("2024-07-29..2024-07-31".to_string(), None),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_kpis_teams_and_reps_are_named_in_errors() {
    each_backend(async |store: &TestDb| {
        organisation(&store.db).await;
        let query = |kpi: &str, scope: &str| KpiQuery {
            kpis: vec![kpi.to_string()],
            scope: Scope::parse(scope).expect("scope"),
            period: Period::parse("2024-07").expect("period"),
            by: None,
            today: day(7, 31),
            compare: Default::default(),
            lang: Lang::En,
        };
        let err = kpi_report(&store.db, &query("revenu", "org")).await.expect_err("unknown kpi");
        assert_eq!(err.to_string(), "unknown KPI `revenu`");
        let err = kpi_report(&store.db, &query("revenue", "team:销售九部")).await.expect_err("unknown team");
        assert_eq!(err.message(Lang::ZhCn), "未知的团队“销售九部”");
        let err = kpi_report(&store.db, &query("revenue", "rep:R9")).await.expect_err("unknown rep");
        assert_eq!(err.code(), "unknown_rep");
    })
    .await;
}

#[test]
fn every_builtin_kpi_is_documented_with_its_formula() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/kpis.md")).expect("docs/kpis.md");
    for kpi in salescope_core::kpi::builtins() {
        let row = doc.lines().find(|l| l.starts_with(&format!("| `{}` |", kpi.id))).unwrap_or_else(|| panic!("{} undocumented", kpi.id));
        assert!(row.contains(&format!("`{}`", kpi.formula_text)), "{}: documented formula differs", kpi.id);
        assert!(row.contains(&kpi.name_zh), "{}", kpi.id);
    }
}

#[tokio::test]
async fn custom_kpis_over_filtered_deals_and_imported_measures_behave_like_built_ins() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = WriteContext { today: day(7, 31), counted: false };
        let mut online = deal("D2", "R2", "K2", day(7, 1), day(7, 11), DealStatus::Won, 30_000);
        online.source = Some("官网".into());
        db.write(vec![online], &ctx).await.expect("deal");
        let measure = |rep: &str, d: u32, value: f64| MeasureValue {
            measure: "online_leads".into(),
            rep_id: rep.into(),
            date: day(7, d),
            value,
            flags: String::new(),
        };
        db.write(vec![measure("R1", 1, 3.0), measure("R2", 2, 4.0), measure("R3", 20, 1.0)], &ctx).await.expect("measures");

        let define = |id: &str, formula: &str| salescope_store::CustomKpiRow {
            id: id.into(),
            name_en: "Online conversion".into(),
            name_zh: "线上成交转化率".into(),
            unit: "percent".into(),
            direction: "higher".into(),
            formula: formula.into(),
        };
        salescope_engine::custom::define(db, define("online_conversion", "won_deals[source=官网] / online_leads * 100"))
            .await
            .expect("define");
        salescope_engine::custom::define(db, define("online_leads_total", "online_leads")).await.expect("define");
        let query = |scope: &str| KpiQuery {
            kpis: vec!["online_conversion".into(), "online_leads_total".into()],
            scope: Scope::parse(scope).expect("scope"),
            period: Period::parse("2024-07").expect("period"),
            by: None,
            today: day(7, 31),
            compare: Default::default(),
            lang: Lang::ZhCn,
        };
        let org = kpi_report(db, &query("org")).await.expect("report");
        // One online win of 8 online leads.
        assert_eq!((org.values[0].name.as_str(), org.values[0].value), ("线上成交转化率", Some(12.5)));
        assert_eq!(org.values[1].value, Some(8.0));
        // R3's lead on 20 July counts for 销售二部, where R3 was by then.
        let two = kpi_report(db, &query("team:销售二部")).await.expect("report");
        assert_eq!((two.values[0].value, two.values[1].value), (Some(0.0), Some(1.0)));
        let r2 = kpi_report(db, &query("rep:R2")).await.expect("report");
        assert_eq!((r2.values[0].value, r2.values[0].rank), (Some(25.0), Some(1)));

        let err = salescope_engine::custom::define(db, define("broken", "won_deals / wins")).await.expect_err("bad formula");
        assert_eq!(err.to_string(), "formula of `broken`: at character 13: unknown measure `wins`");
        let err = salescope_engine::custom::define(db, define("revenue", "won_deals")).await.expect_err("built-in");
        assert!(err.to_string().contains("built-in"));
        assert!(salescope_engine::custom::remove(db, "online_leads_total").await.expect("remove"));
    })
    .await;
}

#[tokio::test]
async fn targets_split_among_reps_and_over_working_days() {
    use salescope_core::period::PeriodKind;
    use salescope_engine::targets::{ShareBy, SplitInto, set, split};
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        let team = Scope::parse("team:销售一部").expect("scope");
        let july = Period::parse("2024-07").expect("period");
        set(db, &ctx, "revenue", &team, &july, 90_000.0).await.expect("set");
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        // Nobody sold in June: the last period's shares fall back to even. R3 sold for 一部
        // until 15 July, so R3 shares the team's target.
        let parts = split(db, &ctx, "revenue", &team, &july, SplitInto::Reps, &ShareBy::LastPeriod, day(7, 1)).await.expect("split");
        let parts: Vec<(String, f64)> = parts.into_iter().map(|t| (t.scope, t.value)).collect();
        assert_eq!(parts, vec![("rep:R1".to_string(), 30_000.0), ("rep:R2".to_string(), 30_000.0), ("rep:R3".to_string(), 30_000.0)]);
        let weights = ShareBy::Weights(vec![("R1".into(), 2.0), ("R2".into(), 1.0), ("rep:R3".into(), 1.0)]);
        let parts = split(db, &ctx, "revenue", &team, &july, SplitInto::Reps, &weights, day(7, 1)).await.expect("split");
        assert_eq!(parts.iter().map(|t| t.value).collect::<Vec<_>>(), vec![45_000.0, 22_500.0, 22_500.0]);
        // In August only R1 and R2 sell for 一部; they share by July's revenue, 12,000 to 30,000.
        let august = Period::parse("2024-08").expect("period");
        set(db, &ctx, "revenue", &team, &august, 42_000.0).await.expect("set");
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        let parts = split(db, &ctx, "revenue", &team, &august, SplitInto::Reps, &ShareBy::LastPeriod, day(8, 1)).await.expect("split");
        let parts: Vec<(String, f64)> = parts.into_iter().map(|t| (t.scope, t.value)).collect();
        assert_eq!(parts, vec![("rep:R1".to_string(), 12_000.0), ("rep:R2".to_string(), 30_000.0)]);

        let year = Period::parse("2024").expect("period");
        set(db, &ctx, "revenue", &Scope::Org, &year, 1_000_000.0).await.expect("set");
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        let months = split(db, &ctx, "revenue", &Scope::Org, &year, SplitInto::Periods(PeriodKind::Month), &ShareBy::Even, day(7, 1))
            .await
            .expect("split");
        assert_eq!(months.len(), 12);
        assert!((months.iter().map(|t| t.value).sum::<f64>() - 1_000_000.0).abs() < 1e-6);
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        let kpi = ctx.kpi("revenue").expect("kpi");
        // The stored month target now wins over the one derived from the year.
        let october = ctx.target(kpi, &Scope::Org, &Period::parse("2024-10").expect("period")).expect("target");
        assert_eq!(october, months[9].value);
    })
    .await;
}

#[tokio::test]
async fn reps_behind_pace_go_on_daily_tracking_and_come_off_when_they_recover() {
    use salescope_core::settings::TrackingRule;
    use salescope_engine::targets::{TrackingChange, set, update_tracking};
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        organisation(db).await;
        let july = Period::parse("2024-07").expect("period");
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        set(db, &ctx, "revenue", &Scope::Rep("R1".into()), &july, 100_000.0).await.expect("set");
        set(db, &ctx, "revenue", &Scope::Rep("R2".into()), &july, 30_000.0).await.expect("set");
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        let rule = TrackingRule::default();
        // On 15 July, 11 of 23 working days have passed and D5 (won on the 20th) does not exist
        // yet: R1 projects 10,000 × 23 / 11 ≈ 21 % of target, R2 30,000 × 23 / 11 ≈ 209 %.
        let changes = update_tracking(db, &ctx, day(7, 15), &rule).await.expect("update");
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].rep_id.as_str(), changes[0].change), ("R1", TrackingChange::Started));
        assert!((changes[0].projected_attainment.unwrap_or_default() - 10_000.0 * 23.0 / 11.0 / 1_000.0).abs() < 1e-9);
        let again = update_tracking(db, &ctx, day(7, 16), &rule).await.expect("update");
        assert_eq!(again[0].change, TrackingChange::Continues);
        set(db, &ctx, "revenue", &Scope::Rep("R1".into()), &july, 10_000.0).await.expect("lower target");
        let ctx = salescope_engine::Context::load(db).await.expect("context");
        let recovered = update_tracking(db, &ctx, day(7, 17), &rule).await.expect("update");
        assert_eq!(recovered[0].change, TrackingChange::Ended);
        let history = db.tracking_rows(false).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!((history[0].started_on, history[0].ended_on), (day(7, 15), Some(day(7, 17))));
    })
    .await;
}

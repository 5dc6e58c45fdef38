//! KPI values on the days that mislead when a period is treated as finished: the 1st, 2nd and 9th
//! of a month, a week that spans two months, the day after a public holiday, a rep hired
//! mid-month, a month that has ended, a month still to come. Every figure is worked out by hand
//! from the table below, on SQLite and PostgreSQL.
//!
//! Team 一组. A1 and A2 were hired in 2023; A3 joins on Monday 7 April 2025, the first working
//! day after the Qingming holiday (Friday 4 to Sunday 6 April). Outbound calls, all connected:
//!
//! | day        | A1 | A2 | A3 | note                                   |
//! |------------|----|----|----|----------------------------------------|
//! | 2024-04-05 | 3  |    |    | last year's 1–9 April                  |
//! | 2024-04-08 |    | 1  |    | last year's 1–9 April                  |
//! | 2025-02-10 | 2  |    |    | February                               |
//! | 2025-03-01 | 1  |    |    | a Saturday                             |
//! | 2025-03-03 | 2  |    |    |                                        |
//! | 2025-03-09 | 1  |    |    | a Sunday                               |
//! | 2025-03-10 | 3  |    |    | after 1–9 March                        |
//! | 2025-03-24 | 2  |    |    | Monday of 2025-W13                     |
//! | 2025-03-31 | 1  |    |    | Monday of 2025-W14, which ends 6 April |
//! | 2025-04-01 | 2  |    |    |                                        |
//! | 2025-04-02 | 1  |    |    |                                        |
//! | 2025-04-03 | 1  |    |    |                                        |
//! | 2025-04-07 | 2  |    | 4  | the day after the holiday              |
//! | 2025-04-09 | 1  | 2  |    |                                        |
//! | 2025-04-20 | 5  |    |    | after the 9th: not there on the 9th    |
//!
//! March: 1 + 2 + 1 + 3 + 2 + 1 = 10 calls; 1–9 March: 4. Won deals: A1 ¥10,000 on 5 March and
//! ¥4,000 on 8 April; A2 ¥6,000 on 2 April.
//!
//! April 2025 has 22 working days: 30 days less 8 weekend days, less 4 April, plus Sunday 27 April
//! (made up for May Day). By the 7th, 4 have passed (1, 2, 3, 7); by the 9th, 6.

mod common;

use common::{call, deal, rep};
use salescope_core::i18n::Lang;
use salescope_core::period::{Compare, Granularity, Period};
use salescope_core::records::{DealStatus, Direction, Outcome, Rep};
use salescope_core::scope::Scope;
use salescope_core::time::{Day, LocalDateTime};
use salescope_engine::kpis::{KpiQuery, KpiReport, KpiValue, kpi_report};
use salescope_store::testing::{TestDb, each_backend};
use salescope_store::{Db, WriteContext};

fn date(text: &str) -> Day {
    salescope_core::time::parse_date(text, &Default::default()).unwrap_or_else(|| panic!("{text}"))
}

fn hired(id: &str, on: &str) -> Rep {
    Rep { hire_date: Some(date(on)), team_from: Some(date(on)), ..rep(id, "一组", None) }
}

async fn fixture(db: &Db) {
    let ctx = WriteContext { today: date("2025-04-30"), counted: false };
    let reps = vec![rep("A1", "一组", None), rep("A2", "一组", None), hired("A3", "2025-04-07")];
    db.write(reps, &ctx).await.expect("reps");
    let calls: &[(&str, &str, usize)] = &[
        ("2024-04-05", "A1", 3),
        ("2024-04-08", "A2", 1),
        ("2025-02-10", "A1", 2),
        ("2025-03-01", "A1", 1),
        ("2025-03-03", "A1", 2),
        ("2025-03-09", "A1", 1),
        ("2025-03-10", "A1", 3),
        ("2025-03-24", "A1", 2),
        ("2025-03-31", "A1", 1),
        ("2025-04-01", "A1", 2),
        ("2025-04-02", "A1", 1),
        ("2025-04-03", "A1", 1),
        ("2025-04-07", "A1", 2),
        ("2025-04-07", "A3", 4),
        ("2025-04-09", "A1", 1),
        ("2025-04-09", "A2", 2),
        ("2025-04-20", "A1", 5),
    ];
    let mut records = Vec::new();
    for (day, rep_id, count) in calls {
        for n in 0..*count {
            let id = format!("{day}-{rep_id}-{n}");
            let at = LocalDateTime::from_parts(date(day), 10, n as u32, 0);
            records.push(call(&id, rep_id, at, Direction::Outbound, Outcome::Connected, 60, &format!("K-{rep_id}"), None));
        }
    }
    db.write(records, &ctx).await.expect("calls");
    let deals = vec![
        deal("W1", "A1", "K-A1", date("2025-03-01"), date("2025-03-05"), DealStatus::Won, 10_000),
        deal("W2", "A1", "K-A1", date("2025-04-01"), date("2025-04-08"), DealStatus::Won, 4_000),
        deal("W3", "A2", "K-A2", date("2025-03-20"), date("2025-04-02"), DealStatus::Won, 6_000),
    ];
    db.write(deals, &ctx).await.expect("deals");
}

async fn report(db: &Db, scope: &str, period: &str, today: &str, compare: Compare, by: Option<Granularity>) -> KpiReport {
    let query = KpiQuery {
        kpis: ["outbound_calls", "revenue", "avg_deal_size"].map(String::from).to_vec(),
        scope: Scope::parse(scope).expect("scope"),
        period: Period::parse(period).expect("period"),
        by,
        today: date(today),
        compare,
        lang: Lang::En,
    };
    kpi_report(db, &query).await.unwrap_or_else(|e| panic!("{e}"))
}

fn kpi<'a>(report: &'a KpiReport, id: &str) -> &'a KpiValue {
    report.values.iter().find(|v| v.kpi == id).unwrap_or_else(|| panic!("{id} missing"))
}

/// One awkward day: what outbound calls show for the organisation.
struct Case {
    what: &'static str,
    period: &'static str,
    today: &'static str,
    compare: Compare,
    value: Option<f64>,
    previous_period: &'static str,
    previous: Option<f64>,
    change_pct: Option<f64>,
    last_year_period: &'static str,
    last_year: Option<f64>,
    previous_note: &'static str,
    in_progress: bool,
}

const CASES: &[Case] = &[
    Case {
        what: "the 1st: 1 April against 1 March",
        period: "2025-04",
        today: "2025-04-01",
        compare: Compare::ToDate,
        value: Some(2.0),
        previous_period: "2025-03-01..2025-03-01",
        previous: Some(1.0),
        change_pct: Some(100.0),
        last_year_period: "2024-04-01..2024-04-01",
        last_year: None,
        previous_note: "1 Apr vs 1 Mar",
        in_progress: true,
    },
    Case {
        what: "the 2nd: 2 + 1 against 1 (nothing on 2 March)",
        period: "2025-04",
        today: "2025-04-02",
        compare: Compare::ToDate,
        value: Some(3.0),
        previous_period: "2025-03-01..2025-03-02",
        previous: Some(1.0),
        change_pct: Some(200.0),
        last_year_period: "2024-04-01..2024-04-02",
        last_year: None,
        previous_note: "1–2 Apr vs 1–2 Mar",
        in_progress: true,
    },
    Case {
        what: "the 9th: 2+1+1+2+4+1+2 = 13 against 1+2+1 = 4, and 3+1 = 4 a year ago; 20 April does not exist yet",
        period: "2025-04",
        today: "2025-04-09",
        compare: Compare::ToDate,
        value: Some(13.0),
        previous_period: "2025-03-01..2025-03-09",
        previous: Some(4.0),
        change_pct: Some(225.0),
        last_year_period: "2024-04-01..2024-04-09",
        last_year: Some(4.0),
        previous_note: "1–9 Apr vs 1–9 Mar",
        in_progress: true,
    },
    Case {
        what: "the 9th against the whole of March when asked: 13 against 10, and said so",
        period: "2025-04",
        today: "2025-04-09",
        compare: Compare::Whole,
        value: Some(13.0),
        previous_period: "2025-03",
        previous: Some(10.0),
        change_pct: Some(30.0),
        last_year_period: "2024-04",
        last_year: Some(4.0),
        previous_note: "1–9 Apr vs 1–31 Mar",
        in_progress: true,
    },
    Case {
        what: "Monday of a week spanning March and April: 1 against the Monday before, 2",
        period: "2025-W14",
        today: "2025-03-31",
        compare: Compare::ToDate,
        value: Some(1.0),
        previous_period: "2025-03-24..2025-03-24",
        previous: Some(2.0),
        change_pct: Some(-50.0),
        last_year_period: "2024-04-01..2024-04-01",
        last_year: None,
        previous_note: "31 Mar vs 24 Mar",
        in_progress: true,
    },
    Case {
        what: "Wednesday of that week: 1+2+1 = 4 against Monday to Wednesday before, 2",
        period: "2025-W14",
        today: "2025-04-02",
        compare: Compare::ToDate,
        value: Some(4.0),
        previous_period: "2025-03-24..2025-03-26",
        previous: Some(2.0),
        change_pct: Some(100.0),
        last_year_period: "2024-04-01..2024-04-03",
        last_year: None,
        previous_note: "31 Mar–2 Apr vs 24–26 Mar",
        in_progress: true,
    },
    Case {
        what: "a finished month: the whole of March, 10, against February's 2",
        period: "2025-03",
        today: "2025-04-09",
        compare: Compare::ToDate,
        value: Some(10.0),
        previous_period: "2025-02",
        previous: Some(2.0),
        change_pct: Some(400.0),
        last_year_period: "2024-03",
        last_year: None,
        previous_note: "1–31 Mar vs 1–28 Feb",
        in_progress: false,
    },
    Case {
        what: "a month still to come has no value yet",
        period: "2025-05",
        today: "2025-04-09",
        compare: Compare::ToDate,
        value: None,
        previous_period: "2025-04",
        previous: Some(18.0),
        change_pct: None,
        last_year_period: "2024-05",
        last_year: None,
        previous_note: "1–31 May vs 1–30 Apr",
        in_progress: false,
    },
];

#[tokio::test]
async fn periods_in_progress_are_compared_with_the_same_days_before() {
    each_backend(async |store: &TestDb| {
        fixture(&store.db).await;
        for case in CASES {
            let report = report(&store.db, "org", case.period, case.today, case.compare, None).await;
            let calls = kpi(&report, "outbound_calls");
            let got = (
                calls.value,
                calls.previous_period.as_str(),
                calls.previous,
                calls.change_pct,
                calls.last_year_period.as_str(),
                calls.last_year,
                report.previous_note.as_str(),
                report.in_progress,
            );
            let want = (
                case.value,
                case.previous_period,
                case.previous,
                case.change_pct,
                case.last_year_period,
                case.last_year,
                case.previous_note,
                case.in_progress,
            );
            assert_eq!(got, want, "{}", case.what);
            assert_eq!(report.like_with_like, case.compare == Compare::ToDate || !case.in_progress, "{}", case.what);
        }
    })
    .await;
}

#[tokio::test]
async fn pace_counts_working_days_around_the_holiday_and_projects_counts_as_whole_numbers() {
    each_backend(async |store: &TestDb| {
        fixture(&store.db).await;
        // The day after Qingming: 10 calls in 4 of 22 working days → 10 × 22 / 4 = 55.
        let seventh = report(&store.db, "org", "2025-04", "2025-04-07", Compare::ToDate, None).await;
        let pace = kpi(&seventh, "outbound_calls").pace.clone().expect("pace");
        assert_eq!((pace.working_days, pace.elapsed_working_days, pace.projected), (22, 4, Some(55.0)));
        // The 9th: 13 calls in 6 working days → 13 × 22 / 6 = 47.67 → 48 calls, a whole number.
        let ninth = report(&store.db, "org", "2025-04", "2025-04-09", Compare::ToDate, None).await;
        let pace = kpi(&ninth, "outbound_calls").pace.clone().expect("pace");
        assert_eq!((pace.elapsed_working_days, pace.projected), (6, Some(48.0)));
        // Revenue ¥4,000 + ¥6,000 by the 9th → 10,000 × 22 / 6 = 36,666.67.
        let revenue = kpi(&ninth, "revenue");
        assert_eq!(revenue.value, Some(10_000.0));
        let projected = revenue.pace.as_ref().and_then(|p| p.projected).expect("projected");
        assert!((projected - 10_000.0 * 22.0 / 6.0).abs() < 1e-6, "{projected}");
        // An average has no run rate: projected as it stands, ¥10,000 / 2 deals.
        let average = kpi(&ninth, "avg_deal_size");
        assert_eq!((average.value, average.pace.as_ref().and_then(|p| p.projected)), (Some(5_000.0), Some(5_000.0)));
        // On a Saturday 1st no working day has passed: no run rate yet rather than a guess.
        let saturday = report(&store.db, "org", "2025-03", "2025-03-01", Compare::ToDate, None).await;
        let pace = kpi(&saturday, "outbound_calls").pace.clone().expect("pace");
        assert_eq!((pace.elapsed_working_days, pace.projected), (0, None));
    })
    .await;
}

#[tokio::test]
async fn a_rep_hired_mid_month_is_not_ranked_against_reps_who_had_the_whole_month() {
    each_backend(async |store: &TestDb| {
        fixture(&store.db).await;
        // A3 made 4 calls in April, more than A2's 2, but joined on the 7th: no rank, and A1 and
        // A2 are ranked between themselves (A1 7 calls to the 9th, A2 2).
        let newcomer = report(&store.db, "rep:A3", "2025-04", "2025-04-09", Compare::ToDate, None).await;
        let calls = kpi(&newcomer, "outbound_calls");
        assert_eq!((calls.value, calls.rank, calls.peers, calls.percentile), (Some(4.0), None, None, None));
        // Their pace runs from the hire date: 19 of April's 22 working days are theirs (not 1, 2,
        // 3 April), 3 have passed by the 9th (7, 8, 9): 4 × 19 / 3 = 25.3 → 25 calls.
        let pace = calls.pace.clone().expect("pace");
        assert_eq!((pace.working_days, pace.elapsed_working_days, pace.projected), (19, 3, Some(25.0)));
        let a2 = report(&store.db, "rep:A2", "2025-04", "2025-04-09", Compare::ToDate, None).await;
        let calls = kpi(&a2, "outbound_calls");
        assert_eq!((calls.value, calls.rank, calls.peers), (Some(2.0), Some(2), Some(2)));
        let a1 = report(&store.db, "rep:A1", "2025-04", "2025-04-09", Compare::ToDate, None).await;
        let calls = kpi(&a1, "outbound_calls");
        assert_eq!((calls.value, calls.rank, calls.peers, calls.percentile), (Some(7.0), Some(1), Some(2), Some(100.0)));
    })
    .await;
}

#[tokio::test]
async fn trend_buckets_after_today_have_no_value_and_the_current_one_counts_to_today() {
    each_backend(async |store: &TestDb| {
        fixture(&store.db).await;
        let ninth = report(&store.db, "org", "2025-04", "2025-04-09", Compare::ToDate, Some(Granularity::Week)).await;
        let weeks: Vec<(String, Option<f64>)> = kpi(&ninth, "outbound_calls").trend.iter().map(|t| (t.period.clone(), t.value)).collect();
        // W14 clipped to 1–6 April: 2+1+1; W15 to the 9th: 2+4+1+2; the rest are to come.
        assert_eq!(
            weeks,
            vec![
                ("2025-04-01..2025-04-06".to_string(), Some(4.0)),
                ("2025-W15".to_string(), Some(9.0)),
                ("2025-W16".to_string(), None),
                ("2025-W17".to_string(), None),
                ("2025-04-28..2025-04-30".to_string(), None),
            ]
        );
    })
    .await;
}

//! The working-day calendar on SQLite and PostgreSQL: the built-in Chinese holidays and make-up
//! days, and an administrator's changes, counted by hand from a wall calendar.

use salescope_core::period::Period;
use salescope_engine::Context;
use salescope_engine::calendar::{DayChange, set_days, year};
use salescope_store::testing::{TestDb, each_backend};

fn month_days(calendar: &salescope_engine::calendar::CalendarYear, month: &str) -> i64 {
    calendar.months.iter().find(|m| m.month == month).map(|m| m.working_days).expect("month listed")
}

#[tokio::test]
async fn the_built_in_year_counts_holidays_and_make_up_days() {
    each_backend(async |store: &TestDb| {
        let ctx = Context::load(&store.db).await.expect("context");
        let y2025 = year(&ctx, 2025).expect("year");
        // 261 weekdays; off: 1 Jan, 28–31 Jan, 3–4 Feb, 4 Apr, 1–2 and 5 May, 2 Jun, 1–3 and
        // 6–8 Oct (18); worked: 26 Jan, 8 Feb, 27 Apr, 28 Sep, 11 Oct (5).
        assert_eq!(y2025.working_days, 248);
        // January: 23 weekdays − 1 Jan − 28…31 Jan + Sunday 26 Jan.
        assert_eq!(month_days(&y2025, "2025-01"), 19);
        // February: 20 weekdays − 3, 4 Feb + Saturday 8 Feb.
        assert_eq!(month_days(&y2025, "2025-02"), 19);
        let sunday = y2025.days.iter().find(|d| d.date == "2025-01-26").expect("make-up day listed");
        assert_eq!((sunday.kind.as_str(), sunday.weekday, sunday.custom), ("workday", 7, false));
        assert!(y2025.has_holidays);
        assert!(!year(&ctx, 2027).expect("year").has_holidays, "2027's holidays are not announced in the built-in calendar");
    })
    .await;
}

#[tokio::test]
async fn an_administrator_adds_a_year_of_holidays_and_can_undo_a_day() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let range = |text: &str| Period::parse(text).expect("period");
        // Saturday 6 to Friday 12 February 2027: five weekdays off.
        let set = set_days(db, &range("2027-02-06..2027-02-12"), &DayChange::Holiday("春节".into())).await.expect("set");
        assert_eq!(set, 7);
        set_days(db, &range("2027-02-20"), &DayChange::Workday).await.expect("set");
        let ctx = Context::load(db).await.expect("context");
        let y2027 = year(&ctx, 2027).expect("year");
        // February 2027 starts on a Monday: 20 weekdays − 5 + Saturday 20 Feb.
        assert_eq!(month_days(&y2027, "2027-02"), 16);
        assert!(y2027.has_holidays);
        assert!(y2027.days.iter().all(|d| d.custom));

        set_days(db, &range("2027-02-12"), &DayChange::BuiltIn).await.expect("reset");
        // A built-in holiday (Tuesday 28 January 2025) made an ordinary day.
        set_days(db, &range("2025-01-28"), &DayChange::Ordinary).await.expect("set");
        let ctx = Context::load(db).await.expect("context");
        assert_eq!(month_days(&year(&ctx, 2027).expect("year"), "2027-02"), 17);
        let y2025 = year(&ctx, 2025).expect("year");
        assert_eq!(month_days(&y2025, "2025-01"), 20);
        assert!(y2025.days.iter().all(|d| d.date != "2025-01-28"));
    })
    .await;
}

#[tokio::test]
async fn a_change_spanning_more_than_a_month_is_refused_and_nothing_is_stored() {
    each_backend(async |store: &TestDb| {
        let db = &store.db;
        let whole_year = Period::parse("2027").expect("period");
        let error = set_days(db, &whole_year, &DayChange::Workday).await.expect_err("refused");
        assert_eq!(error.code(), "invalid_request");
        assert!(db.calendar_overrides().await.expect("overrides").is_empty());
    })
    .await;
}

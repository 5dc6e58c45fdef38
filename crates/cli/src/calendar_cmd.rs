//! `salescope calendar`: the working days targets, pace and deadlines count.

use crate::args::{self, fail};
use crate::report_cmd::{Output, output};
use crate::table;
use clap::Subcommand;
use salescope_core::i18n::Lang;
use salescope_core::time::Day;
use salescope_engine::Context;
use salescope_engine::calendar::{DayChange, set_days, year, year_sheet};
use salescope_store::Db;

#[derive(Subcommand)]
pub enum CalendarAction {
    /// A year's holidays and make-up working days, and the working days of each month.
    Show {
        /// Default: this year.
        year: Option<i32>,
        #[command(flatten)]
        output: Output,
    },
    /// Change a day or a range: `calendar set 2027-02-06..2027-02-12 holiday 春节`,
    /// `calendar set 2027-02-20 workday`, `ordinary` (a plain weekday or weekend day) or
    /// `builtin` (undo the change).
    Set {
        /// A date or a range FROM..TO (at most 31 days).
        days: String,
        /// holiday, workday, ordinary or builtin.
        kind: String,
        /// The holiday's name.
        name: Option<String>,
    },
}

pub async fn run(action: CalendarAction, db: &Db, lang: Lang, today: Day) -> anyhow::Result<()> {
    match action {
        CalendarAction::Show { year: wanted, output: out } => {
            let ctx = Context::load(db).await.map_err(fail(lang))?;
            let calendar = year(&ctx, wanted.unwrap_or(today.ymd().0)).map_err(fail(lang))?;
            output(&year_sheet(&calendar, lang), &out, lang)?;
            if out.is_table() {
                let headings = vec![lang.tr("calendar.month").to_string(), lang.tr("calendar.working_days").to_string()];
                let rows: Vec<Vec<String>> = calendar.months.iter().map(|m| vec![m.month.clone(), m.working_days.to_string()]).collect();
                print!("\n{}", table::render(&headings, &rows));
                if !calendar.has_holidays {
                    println!("\n{}", lang.format("calendar.no_holidays", &[("year", &calendar.year)]));
                }
            }
        }
        CalendarAction::Set { days, kind, name } => {
            let change = DayChange::parse(&kind, name.as_deref()).map_err(fail(lang))?;
            let count = set_days(db, &args::period(&days, lang)?, &change).await.map_err(fail(lang))?;
            println!("{}", lang.format("calendar.set", &[("days", &count)]));
        }
    }
    Ok(())
}

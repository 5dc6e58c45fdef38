//! The data of one period, read once, and the quantities of any scope drawn from it.
//!
//! Totals and customer sets are read per rep — whole months from the month tables, the rest from
//! the day tables. A rep who changed team within the period is also read per day, so that each
//! day counts for the team the rep was in on it.

use crate::Result;
use crate::context::Context;
use salescope_core::customers::{CustomerBits, Family, common_sorted};
use salescope_core::formula::{Base, Filtered};
use salescope_core::fxhash::FxHashMap;
use salescope_core::kpi::KpiDef;
use salescope_core::period::{Period, PeriodKind, month_index};
use salescope_core::rollup::{MEASURE_COUNT, Totals};
use salescope_core::scope::Scope;
use salescope_core::time::Day;
use salescope_store::Db;
use std::collections::BTreeSet;

/// Which kinds of data a set of KPIs reads.
#[derive(Debug, Default, Clone)]
pub(crate) struct Needs {
    pub customers: bool,
    pub retention: bool,
    pub responses: bool,
    pub filtered: Vec<Filtered>,
    pub custom: Vec<String>,
}

impl Needs {
    pub fn of<'a>(kpis: impl IntoIterator<Item = &'a KpiDef>) -> Needs {
        let mut needs = Needs::default();
        for kpi in kpis {
            for base in kpi.bases() {
                match base {
                    Base::ContactedCustomers | Base::WonCustomers => needs.customers = true,
                    Base::RetainedCustomers | Base::PreviousWonCustomers => {
                        needs.customers = true;
                        needs.retention = true;
                    }
                    Base::MedianResponseMinutes => needs.responses = true,
                    Base::Filtered(f) if !needs.filtered.contains(&f) => needs.filtered.push(f),
                    Base::Custom(name) if !needs.custom.contains(&name) => needs.custom.push(name),
                    _ => {}
                }
            }
        }
        needs
    }
}

/// How finely a period is read: per rep (for teams, reps and ranks among peers), or only the
/// organisation's totals (the organisation has no peers and needs no more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    PerRep,
    Organisation,
}

/// Customer sets of one family: per rep for the period, and per day for reps who moved; or the
/// organisation's alone.
#[derive(Debug, Default)]
struct Sets {
    organisation: Option<CustomerBits>,
    by_rep: FxHashMap<String, Vec<u32>>,
    mover_days: Vec<(String, Day, Vec<u32>)>,
}

impl Sets {
    fn greatest_key(&self) -> u32 {
        let by_rep = self.by_rep.values().filter_map(|keys| keys.last());
        let by_day = self.mover_days.iter().filter_map(|(_, _, keys)| keys.last());
        by_rep.chain(by_day).copied().max().unwrap_or(0)
    }

    async fn load(db: &Db, family: Family, period: &Period, movers: &[String], detail: Detail) -> Result<Sets> {
        let (months, ranges) = split(period);
        if detail == Detail::Organisation {
            return Ok(Sets { organisation: Some(db.customer_bits_of_org(family, &months, &ranges).await?), ..Default::default() });
        }
        let (by_rep, mover_days) = tokio::try_join!(
            db.customer_sets_by_rep(family, &months, &ranges),
            db.customer_sets_by_rep_day(family, movers, period.start, period.end)
        )?;
        Ok(Sets { organisation: None, by_rep, mover_days })
    }
}

/// The windows of `days` days retention compares: the days just before the period (a customer
/// with a won deal there is active on its eve) and the days ending on its last day (a customer
/// with a won deal there is still active at its end).
pub(crate) fn retention_windows(period: &Period, days: i32) -> (Period, Period) {
    let days = days.max(1);
    let before = Period { kind: PeriodKind::Range, start: period.start.plus_days(-days), end: period.start.plus_days(-1) };
    let at_end = Period { kind: PeriodKind::Range, start: period.end.plus_days(1 - days), end: period.end };
    (before, at_end)
}

fn split(period: &Period) -> (Vec<i64>, Vec<(Day, Day)>) {
    let (months, partial) = period.split_months();
    (months.into_iter().map(|(y, m)| month_index(y, m) as i64).collect(), partial.into_iter().map(|p| (p.start, p.end)).collect())
}

/// The key under which organisation-level totals are held.
const ORGANISATION: &str = "*";

/// Values per (rep, day).
type RepDayValues = Vec<(String, Day, f64)>;

pub(crate) struct PeriodData {
    pub period: Period,
    detail: Detail,
    totals: FxHashMap<String, Totals>,
    /// Reps whose team changed within the period.
    movers: BTreeSet<String>,
    mover_days: Vec<(String, Day, Totals)>,
    contacted: Option<Sets>,
    won: Option<Sets>,
    /// Retention: the customers won in the window before the period (active on its eve) and in
    /// the window ending on its last day (still active at its end).
    previous_won: Option<Sets>,
    won_at_end: Option<Sets>,
    responses: Vec<(String, Day, f64)>,
    filtered: Vec<(Filtered, RepDayValues)>,
    custom: Vec<(String, RepDayValues)>,
}

impl PeriodData {
    pub async fn load(db: &Db, ctx: &Context, period: Period, needs: &Needs, detail: Detail) -> Result<PeriodData> {
        let movers: BTreeSet<String> = ctx
            .structure
            .reps
            .iter()
            .filter(|r| {
                let overlapping: Vec<_> = ctx
                    .memberships_of(&r.rep_id)
                    .iter()
                    .filter(|m| m.from.is_none_or(|f| f <= period.end) && m.to.is_none_or(|t| t > period.start))
                    .collect();
                overlapping.len() > 1
                    || overlapping.iter().any(|m| m.from.is_some_and(|f| f > period.start) || m.to.is_some_and(|t| t <= period.end))
            })
            .map(|r| r.rep_id.clone())
            .collect();
        let mover_list: Vec<String> = movers.iter().cloned().collect();
        let (months, ranges) = split(&period);
        // The reads are independent: run them side by side on the pool's connections.
        let sets = |family: Family, wanted: bool, period: Period| {
            let movers = &mover_list;
            async move {
                if wanted { Ok::<_, crate::EngineError>(Some(Sets::load(db, family, &period, movers, detail).await?)) } else { Ok(None) }
            }
        };
        let (before, at_end) = retention_windows(&period, ctx.retention_window_days);
        let (totals, mover_days, contacted, won, previous_won, won_at_end) = tokio::try_join!(
            async {
                Ok::<_, crate::EngineError>(match detail {
                    Detail::PerRep => db.totals_by_rep(&months, &ranges).await?,
                    Detail::Organisation => [(ORGANISATION.to_string(), db.totals_of_org(&months, &ranges).await?)].into_iter().collect(),
                })
            },
            async {
                let movers: &[String] = if detail == Detail::PerRep { &mover_list } else { &[] };
                Ok::<_, crate::EngineError>(db.totals_by_rep_day(movers, period.start, period.end).await?)
            },
            sets(Family::Contacted, needs.customers, period),
            sets(Family::Won, needs.customers, period),
            sets(Family::Won, needs.retention, before),
            sets(Family::Won, needs.retention, at_end),
        )?;
        let responses = if needs.responses { db.lead_responses(period.start, period.end).await? } else { Vec::new() };
        let mut filtered = Vec::new();
        for f in &needs.filtered {
            filtered.push((f.clone(), db.filtered_by_rep_day(f, period.start, period.end).await?));
        }
        let mut custom = Vec::new();
        for name in &needs.custom {
            custom.push((name.clone(), db.custom_measure_by_rep_day(name, period.start, period.end).await?));
        }
        Ok(PeriodData { period, detail, totals, movers, mover_days, contacted, won, previous_won, won_at_end, responses, filtered, custom })
    }

    /// Whether the period has any data of a rep.
    pub fn rep_has_data(&self, rep_id: &str) -> bool {
        self.totals.get(rep_id).is_some_and(|t| t.iter().any(|v| *v != 0))
    }

    /// The quantities of a scope in this period (only the organisation's when read at that detail).
    pub fn quantities(&self, ctx: &Context, scope: &Scope) -> Quantities {
        debug_assert!(self.detail == Detail::PerRep || *scope == Scope::Org, "organisation-level data asked for {scope}");
        let teams = ctx.scope_teams(scope);
        // Whether a rep's whole period, or a rep's day, belongs to the scope.
        let rep_in = |rep: &str| -> bool {
            match scope {
                Scope::Org => true,
                Scope::Rep(r) => r == rep,
                Scope::Team(_) => {
                    !self.movers.contains(rep)
                        && teams.as_ref().is_some_and(|t| {
                            ctx.team_on(rep, self.period.start)
                                .or_else(|| ctx.team_on(rep, self.period.end))
                                .is_some_and(|team| t.contains(team))
                        })
                }
            }
        };
        let day_in = |rep: &str, day: Day| -> bool {
            match scope {
                Scope::Org => true,
                Scope::Rep(r) => r == rep,
                Scope::Team(_) => teams.as_ref().is_some_and(|t| ctx.team_on(rep, day).is_some_and(|team| t.contains(team))),
            }
        };
        let split_movers = matches!(scope, Scope::Team(_));

        let mut q = Quantities {
            totals: [0; MEASURE_COUNT],
            has_data: false,
            contacted: None,
            won: None,
            previous_won: None,
            won_at_end: None,
            responses: Vec::new(),
            filtered: Vec::new(),
            custom: Vec::new(),
        };
        for (rep, totals) in &self.totals {
            if rep_in(rep) {
                add(&mut q.totals, totals);
            }
        }
        if split_movers {
            for (rep, day, totals) in &self.mover_days {
                if day_in(rep, *day) {
                    add(&mut q.totals, totals);
                }
            }
        }
        q.has_data = q.totals.iter().any(|v| *v != 0);
        // A rep's set is used as it is; a team's or the organisation's is the union of its reps'.
        let set_of = |sets: &Option<Sets>| -> Option<CustomerSet> {
            let sets = sets.as_ref()?;
            if let Some(organisation) = &sets.organisation {
                return Some(CustomerSet::Bits(organisation.clone()));
            }
            if let Scope::Rep(rep) = scope {
                return Some(CustomerSet::Keys(sets.by_rep.get(rep).cloned().unwrap_or_default()));
            }
            let mut bits = CustomerBits::with_capacity(sets.greatest_key());
            for (rep, keys) in &sets.by_rep {
                if rep_in(rep) {
                    bits.extend(keys.iter().copied());
                }
            }
            if split_movers {
                for (rep, day, keys) in &sets.mover_days {
                    if day_in(rep, *day) {
                        bits.extend(keys.iter().copied());
                    }
                }
            }
            Some(CustomerSet::Bits(bits))
        };
        q.contacted = set_of(&self.contacted);
        q.won = set_of(&self.won);
        // Retention asks who of the customers active on the period's eve are still active at its
        // end: both windows' sets are drawn for the same scope membership.
        q.previous_won = set_of(&self.previous_won);
        q.won_at_end = set_of(&self.won_at_end);
        q.responses = self.responses.iter().filter(|(rep, day, _)| day_in(rep, *day)).map(|(_, _, m)| *m).collect();
        q.filtered = self
            .filtered
            .iter()
            .map(|(f, rows)| (f.clone(), rows.iter().filter(|(rep, day, _)| day_in(rep, *day)).map(|(_, _, v)| v).sum()))
            .collect();
        q.custom = self
            .custom
            .iter()
            .map(|(name, rows)| {
                let mine: Vec<f64> = rows.iter().filter(|(rep, day, _)| day_in(rep, *day)).map(|(_, _, v)| *v).collect();
                (name.clone(), (!mine.is_empty()).then(|| mine.iter().sum()))
            })
            .collect();
        q
    }
}

fn add(sum: &mut Totals, totals: &Totals) {
    for (a, b) in sum.iter_mut().zip(totals) {
        *a += b;
    }
}

/// The customers of a scope: one rep's sorted keys, or the bitmap of a union.
#[derive(Debug, Clone)]
pub(crate) enum CustomerSet {
    Keys(Vec<u32>),
    Bits(CustomerBits),
}

impl CustomerSet {
    fn len(&self) -> u64 {
        match self {
            CustomerSet::Keys(keys) => keys.len() as u64,
            CustomerSet::Bits(bits) => bits.len(),
        }
    }

    fn common(&self, other: &CustomerSet) -> u64 {
        match (self, other) {
            (CustomerSet::Keys(a), CustomerSet::Keys(b)) => common_sorted(a, b),
            (CustomerSet::Bits(a), CustomerSet::Bits(b)) => a.common(b),
            (CustomerSet::Keys(keys), CustomerSet::Bits(bits)) | (CustomerSet::Bits(bits), CustomerSet::Keys(keys)) => {
                let mut mine = CustomerBits::default();
                mine.extend(keys.iter().copied());
                mine.common(bits)
            }
        }
    }
}

/// The base quantities of one scope and period.
#[derive(Debug, Clone)]
pub(crate) struct Quantities {
    pub totals: Totals,
    pub has_data: bool,
    pub contacted: Option<CustomerSet>,
    pub won: Option<CustomerSet>,
    pub previous_won: Option<CustomerSet>,
    pub won_at_end: Option<CustomerSet>,
    pub responses: Vec<f64>,
    pub filtered: Vec<(Filtered, f64)>,
    pub custom: Vec<(String, Option<f64>)>,
}

impl Quantities {
    /// The value of a base quantity; `None` when there is no data for it.
    pub fn value(&self, base: &Base) -> Option<f64> {
        match base {
            Base::Measure(m) => self.has_data.then(|| self.totals[*m as usize] as f64),
            Base::ContactedCustomers => self.has_data.then(|| self.contacted.as_ref().map(|b| b.len() as f64)).flatten(),
            Base::WonCustomers => self.has_data.then(|| self.won.as_ref().map(|b| b.len() as f64)).flatten(),
            Base::PreviousWonCustomers => self.previous_won.as_ref().map(|b| b.len() as f64),
            Base::RetainedCustomers => match (&self.previous_won, &self.won_at_end) {
                (Some(previous), Some(now)) => Some(previous.common(now) as f64),
                _ => None,
            },
            Base::MedianResponseMinutes => salescope_core::stats::median(&self.responses),
            Base::Filtered(f) => self.has_data.then(|| self.filtered.iter().find(|(g, _)| g == f).map(|(_, v)| *v)).flatten(),
            Base::Custom(name) => self.custom.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v),
        }
    }

    pub fn evaluate(&self, kpi: &KpiDef) -> Option<f64> {
        kpi.formula.eval(&|base| self.value(base))
    }
}

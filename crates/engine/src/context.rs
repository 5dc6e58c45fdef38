//! What every computation needs to know about the organisation, loaded once per request.

use crate::{EngineError, Result};
use salescope_core::calendar::WorkCalendar;
use salescope_core::fxhash::FxHashMap;
use salescope_core::i18n::Lang;
use salescope_core::kpi::{self, Direction, KpiDef, Unit};
use salescope_core::period::{Granularity, Period, PeriodKind};
use salescope_core::scope::{Scope, TeamTree};
use salescope_core::time::Day;
use salescope_store::{Db, Membership, OrgStructure, RepInfo, TargetRow};
use std::collections::BTreeSet;

pub struct Context {
    pub structure: OrgStructure,
    /// Each rep's memberships, in `structure.memberships` order.
    memberships: FxHashMap<String, Vec<Membership>>,
    pub tree: TeamTree,
    pub catalogue: Vec<KpiDef>,
    pub calendar: WorkCalendar,
    pub targets: Vec<TargetRow>,
    /// The organisation's retention window (setting `retention.window_days`).
    pub retention_window_days: i32,
}

/// Roles whose figures are compared with each other: the people who sell.
pub fn sells(role: &str) -> bool {
    matches!(role, "rep" | "team_lead")
}

impl Context {
    pub async fn load(db: &Db) -> Result<Context> {
        let (structure, measures, custom_kpis, overrides, targets, settings) = tokio::try_join!(
            db.org_structure(),
            db.custom_measure_names(),
            db.custom_kpi_rows(),
            db.calendar_overrides(),
            db.targets(),
            db.settings()
        )?;
        let tree = TeamTree::new(structure.teams.iter().cloned());
        let mut catalogue = kpi::builtins();
        for row in custom_kpis {
            let unit = Unit::from_id(&row.unit).unwrap_or(Unit::Count);
            let direction = Direction::from_id(&row.direction).unwrap_or(Direction::HigherIsBetter);
            let def =
                kpi::custom(&row.id, &row.name_en, &row.name_zh, unit, direction, &row.formula, &|name| measures.iter().any(|m| m == name))
                    .map_err(|error| EngineError::Formula { kpi: row.id.clone(), error })?;
            catalogue.push(def);
        }
        let mut calendar = WorkCalendar::china();
        for (day, kind, name) in overrides {
            match kind.as_str() {
                "holiday" => calendar.set_holiday(day, &name),
                "workday" => calendar.set_make_up_workday(day),
                _ => calendar.clear(day),
            }
        }
        let mut memberships: FxHashMap<String, Vec<Membership>> = FxHashMap::default();
        for m in &structure.memberships {
            memberships.entry(m.rep_id.clone()).or_default().push(m.clone());
        }
        Ok(Context { structure, memberships, tree, catalogue, calendar, targets, retention_window_days: settings.retention_window_days })
    }

    pub fn kpi(&self, id: &str) -> Result<&KpiDef> {
        self.catalogue.iter().find(|k| k.id == id.trim()).ok_or_else(|| EngineError::UnknownKpi(id.trim().to_string()))
    }

    pub fn rep(&self, rep_id: &str) -> Option<&RepInfo> {
        self.structure.reps.iter().find(|r| r.rep_id == rep_id)
    }

    /// Checks that a scope names a known team or rep.
    pub fn check_scope(&self, scope: &Scope) -> Result<()> {
        match scope {
            Scope::Org => Ok(()),
            Scope::Team(team) if self.tree.contains(team) => Ok(()),
            Scope::Team(team) => Err(EngineError::UnknownTeam(team.clone())),
            Scope::Rep(rep) if self.rep(rep).is_some() => Ok(()),
            Scope::Rep(rep) => Err(EngineError::UnknownRep(rep.clone())),
        }
    }

    pub fn memberships_of(&self, rep_id: &str) -> &[Membership] {
        self.memberships.get(rep_id).map_or(&[], Vec::as_slice)
    }

    /// The team a rep was in on a day.
    pub fn team_on(&self, rep_id: &str, day: Day) -> Option<&str> {
        membership_on(self.memberships_of(rep_id), day).map(|m| m.team.as_str())
    }

    /// Whether a rep belonged to the scope on a day (a rep with no team history belongs to the
    /// organisation always).
    pub fn rep_in_scope_on(&self, scope: &Scope, rep_id: &str, day: Day) -> bool {
        self.scope_test(scope).rep(rep_id).on(day)
    }

    /// Whether reps belonged to a scope, for many questions: the scope's teams are listed once,
    /// and [`ScopeTest::rep`] looks a rep's memberships up once for all the days asked about.
    pub fn scope_test<'a>(&'a self, scope: &'a Scope) -> ScopeTest<'a> {
        ScopeTest { ctx: self, scope, teams: self.scope_teams(scope) }
    }

    /// Teams of a scope (a team and its sub-teams), or `None` for org and rep scopes.
    pub fn scope_teams(&self, scope: &Scope) -> Option<BTreeSet<String>> {
        match scope {
            Scope::Team(team) => Some(self.tree.with_descendants(team)),
            _ => None,
        }
    }

    /// Reps who sell and were in the scope on some day of the period.
    pub fn sellers_in(&self, scope: &Scope, period: &Period) -> Vec<&RepInfo> {
        let teams = self.scope_teams(scope);
        self.structure
            .reps
            .iter()
            .filter(|r| sells(&r.role))
            .filter(|r| match (scope, &teams) {
                (Scope::Org, _) => true,
                (Scope::Rep(id), _) => *id == r.rep_id,
                (Scope::Team(_), Some(teams)) => {
                    self.memberships_of(&r.rep_id).iter().any(|m| teams.contains(&m.team) && overlaps(m, period))
                }
                (Scope::Team(_), None) => false,
            })
            .collect()
    }

    /// The target of a KPI for a scope and period: set for exactly that period, or derived
    /// from the target of a longer period that contains it — in proportion to working days for
    /// KPIs that add up over time, as it stands for rates and averages. A period across months
    /// that no target contains (a week from 31 March to 6 April) takes its part of each month's
    /// target: their sum for KPIs that add up, their mean weighted by working days for rates and
    /// averages; only when every part has one.
    pub fn target(&self, kpi: &KpiDef, scope: &Scope, period: &Period) -> Option<f64> {
        let scope_label = scope.label();
        let label = period.label();
        let mine: Vec<&TargetRow> = self.targets.iter().filter(|t| t.kpi == kpi.id && t.scope == scope_label).collect();
        if let Some(exact) = mine.iter().find(|t| t.period == label) {
            return Some(exact.value);
        }
        if period.kind == PeriodKind::Range && period.days() == 1 {
            return None;
        }
        if let Some(contained) = self.part_of_containing(kpi, &mine, period) {
            return Some(contained);
        }
        let parts = period.buckets(Granularity::Month);
        if parts.len() < 2 {
            return None;
        }
        let values: Vec<(f64, i64)> = parts
            .iter()
            .map(|part| self.part_of_containing(kpi, &mine, part).map(|v| (v, self.calendar.working_days(part.start, part.end))))
            .collect::<Option<_>>()?;
        if kpi.is_additive() {
            return Some(values.iter().map(|(v, _)| v).sum());
        }
        // A span without working days weighs its parts by calendar days instead.
        let weights: Vec<f64> = if values.iter().any(|(_, d)| *d > 0) {
            values.iter().map(|(_, d)| *d as f64).collect()
        } else {
            parts.iter().map(|p| p.days() as f64).collect()
        };
        Some(values.iter().zip(&weights).map(|((v, _), w)| v * w).sum::<f64>() / weights.iter().sum::<f64>())
    }

    /// The part of the smallest target period that contains `period` and is longer.
    fn part_of_containing(&self, kpi: &KpiDef, mine: &[&TargetRow], period: &Period) -> Option<f64> {
        let (outer, value) = mine
            .iter()
            .filter_map(|t| Period::parse(&t.period).ok().map(|p| (p, t.value)))
            .filter(|(p, _)| p.start <= period.start && period.end <= p.end && p.days() > period.days())
            .min_by_key(|(p, _)| p.days())?;
        if !kpi.is_additive() {
            return Some(value);
        }
        let outer_days = self.calendar.working_days(outer.start, outer.end);
        if outer_days == 0 {
            return None;
        }
        Some(value * self.calendar.working_days(period.start, period.end) as f64 / outer_days as f64)
    }
}

/// The days of a period a rep can sell in: from their hire date on.
pub(crate) fn own_part(rep: &RepInfo, period: &Period) -> Period {
    match rep.hire_date {
        Some(hired) if hired > period.start => Period::range(hired, period.end).unwrap_or(*period),
        _ => *period,
    }
}

fn overlaps(m: &Membership, period: &Period) -> bool {
    m.from.is_none_or(|f| f <= period.end) && m.to.is_none_or(|t| t > period.start)
}

pub struct ScopeTest<'a> {
    ctx: &'a Context,
    scope: &'a Scope,
    teams: Option<BTreeSet<String>>,
}

impl<'a> ScopeTest<'a> {
    pub fn rep(&self, rep_id: &str) -> RepInScope<'_> {
        let memberships = self.ctx.memberships_of(rep_id);
        match self.scope {
            Scope::Org if memberships.is_empty() => RepInScope::Always(true),
            Scope::Org => RepInScope::InATeam(memberships),
            Scope::Rep(id) => RepInScope::Always(id == rep_id),
            Scope::Team(_) => RepInScope::InTeams(memberships, self.teams.as_ref()),
        }
    }
}

/// One rep's belonging to a scope, asked day by day.
pub enum RepInScope<'a> {
    Always(bool),
    /// In the organisation while in some team.
    InATeam(&'a [Membership]),
    /// While the team they were in is one of these.
    InTeams(&'a [Membership], Option<&'a BTreeSet<String>>),
}

impl RepInScope<'_> {
    pub fn on(&self, day: Day) -> bool {
        match *self {
            RepInScope::Always(answer) => answer,
            RepInScope::InATeam(memberships) => membership_on(memberships, day).is_some(),
            RepInScope::InTeams(memberships, teams) => {
                membership_on(memberships, day).is_some_and(|m| teams.is_some_and(|teams| teams.contains(&m.team)))
            }
        }
    }
}

/// The membership of a rep's that covers a day.
fn membership_on(memberships: &[Membership], day: Day) -> Option<&Membership> {
    memberships.iter().find(|m| m.covers(day))
}

impl salescope_core::criterion::Vocabulary for Context {
    fn kpi_id(&self, name: &str) -> Option<String> {
        let name = name.trim();
        self.catalogue
            .iter()
            .find(|k| k.id == name || Lang::ALL.iter().any(|lang| k.name(*lang).eq_ignore_ascii_case(name)))
            .map(|k| k.id.clone())
    }

    fn scope_named(&self, name: &str) -> Option<Scope> {
        let name = name.trim();
        if let Some(team) = self.tree.teams().find(|t| *t == name) {
            return Some(Scope::Team(team.to_string()));
        }
        if let Some(rep) = self.rep(name) {
            return Some(Scope::Rep(rep.rep_id.clone()));
        }
        // A rep's name only when no other rep has it.
        let mut named = self.structure.reps.iter().filter(|r| r.name == name);
        match (named.next(), named.next()) {
            (Some(rep), None) => Some(Scope::Rep(rep.rep_id.clone())),
            _ => None,
        }
    }
}

//! Per-rep, per-day totals: the base measures every KPI is computed from.
//!
//! Each raw record contributes to the totals of one (rep, day); the store keeps those totals up
//! to date on ingest by adding the contribution of new records and subtracting that of the
//! previous version of changed ones. Every measure is an integer (money in cents, times in
//! seconds) so that adding and subtracting stays exact.

use crate::customers::Family;
use crate::fxhash::FxHashMap as HashMap;
use crate::time::Day;

macro_rules! measures {
    ($($variant:ident => $column:literal,)*) => {
        /// A base measure summed per rep and day.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Measure { $($variant),* }

        impl Measure {
            pub const ALL: &'static [Measure] = &[$(Measure::$variant),*];

            /// Column of the measure in the rollup table.
            pub fn column(self) -> &'static str {
                match self { $(Measure::$variant => $column),* }
            }
        }
    };
}

measures! {
    OutboundCalls => "outbound_calls",
    OutboundConnected => "outbound_connected",
    InboundCalls => "inbound_calls",
    InboundConnected => "inbound_connected",
    InboundResolvedFirstContact => "inbound_resolved_first_contact",
    TalkSeconds => "talk_seconds",
    ConnectedTalkSeconds => "connected_talk_seconds",
    ConnectedOver1Min => "connected_over_1min",
    ConnectedOver3Min => "connected_over_3min",
    ConnectedOver5Min => "connected_over_5min",
    ConnectedOver10Min => "connected_over_10min",
    DealsCreated => "deals_created",
    WonDeals => "won_deals",
    RevenueCents => "revenue_cents",
    WonCycleSeconds => "won_cycle_seconds",
    LostDeals => "lost_deals",
    NewCustomers => "new_customers",
    Emails => "emails",
    EmailsOpened => "emails_opened",
    EmailsClicked => "emails_clicked",
    EmailsReplied => "emails_replied",
    Sms => "sms",
    SmsClicked => "sms_clicked",
    SmsReplied => "sms_replied",
    Visits => "visits",
    Meetings => "meetings",
    Leads => "leads",
    LeadsResponded => "leads_responded",
    LeadResponseSeconds => "lead_response_seconds",
    Feedback => "feedback",
    CsatSum => "csat_sum",
    CsatCount => "csat_count",
    NpsPromoters => "nps_promoters",
    NpsPassives => "nps_passives",
    NpsDetractors => "nps_detractors",
    Complaints => "complaints",
    Reports => "reports",
    ReportedNewCustomers => "reported_new_customers",
    ReportedFollowups => "reported_followups",
    ReportedDealCents => "reported_deal_cents",
}

pub const MEASURE_COUNT: usize = Measure::ALL.len();

/// The totals of one rep on one day, indexed by `Measure as usize`.
pub type Totals = [i64; MEASURE_COUNT];

/// Rep id under which records that name no rep (some feedback and leads) are totalled: they
/// count for the organisation but for no team.
pub const UNATTRIBUTED: &str = "";

/// Accumulated changes to the totals, to be applied to the store in one step.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RollupDelta {
    rep_index: HashMap<String, u32>,
    reps: Vec<String>,
    /// (rep index, day) packed into one word → position in `totals`.
    slots: HashMap<u64, usize>,
    keys: Vec<(u32, Day)>,
    totals: Vec<Totals>,
    removes: bool,
    customers: CustomerLog,
    /// Calls and connected calls by (rep index, day, hour started): the best-time-to-call cells.
    hours: HashMap<(u32, Day, u8), HourTotals>,
}

/// Calls started in an hour of a day, and how many of them connected.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HourTotals {
    pub calls: i64,
    pub connected: i64,
}

/// The changes to one customer set: (rep, day, family, [(customer index, change in count)]).
pub type SetChange<'a> = (&'a str, Day, Family, Vec<(u32, i64)>);

/// Changes to the customer sets, logged as they come and combined once at the end.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct CustomerLog {
    index: HashMap<Box<str>, u32>,
    ids: Vec<Box<str>>,
    changes: Vec<MembershipChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MembershipChange {
    rep: u32,
    day: Day,
    family: Family,
    customer: u32,
    change: i64,
}

impl CustomerLog {
    fn intern(&mut self, customer: &str) -> u32 {
        match self.index.get(customer) {
            Some(&i) => i,
            None => {
                let i = self.ids.len() as u32;
                self.index.insert(customer.into(), i);
                self.ids.push(customer.into());
                i
            }
        }
    }

    fn log(&mut self, rep: u32, day: Day, family: Family, customer: &str, change: i64) {
        let customer = self.intern(customer);
        self.changes.push(MembershipChange { rep, day, family, customer, change });
    }
}

fn intern_rep(index: &mut HashMap<String, u32>, reps: &mut Vec<String>, rep: &str) -> u32 {
    match index.get(rep) {
        Some(&i) => i,
        None => {
            let i = reps.len() as u32;
            index.insert(rep.to_string(), i);
            reps.push(rep.to_string());
            i
        }
    }
}

impl RollupDelta {
    /// The position of a (rep, day) in `totals`, and the rep's index.
    fn slot(&mut self, rep: &str, day: Day) -> (usize, u32) {
        let rep_index = intern_rep(&mut self.rep_index, &mut self.reps, rep);
        let packed = (rep_index as u64) << 32 | day.0 as u32 as u64;
        let index = match self.slots.get(&packed) {
            Some(&i) => i,
            None => {
                self.slots.insert(packed, self.totals.len());
                self.keys.push((rep_index, day));
                self.totals.push([0; MEASURE_COUNT]);
                self.totals.len() - 1
            }
        };
        (index, rep_index)
    }

    pub fn add(&mut self, rep: &str, day: Day, measure: Measure, value: i64) {
        if value == 0 {
            return;
        }
        if value < 0 {
            self.removes = true;
        }
        let (slot, _) = self.slot(rep, day);
        self.totals[slot][measure as usize] += value;
    }

    /// The non-zero changes to the hour cells, as (rep, day, hour, totals), in that order.
    pub fn hour_entries(&self) -> Vec<(&str, Day, u8, HourTotals)> {
        let mut entries: Vec<(&str, Day, u8, HourTotals)> = self
            .hours
            .iter()
            .filter(|(_, t)| t.calls != 0 || t.connected != 0)
            .map(|((rep, day, hour), t)| (self.reps[*rep as usize].as_str(), *day, *hour, *t))
            .collect();
        entries.sort_unstable_by_key(|(rep, day, hour, _)| (*rep, *day, *hour));
        entries
    }

    /// Counts `customer` in (or, with a negative sign, out of) the rep's customer set of a day.
    pub fn member(&mut self, rep: &str, day: Day, family: Family, customer: &str, sign: i64) {
        let rep_index = intern_rep(&mut self.rep_index, &mut self.reps, rep);
        self.customers.log(rep_index, day, family, customer, sign);
    }

    /// The totals of one (rep, day), to add `sign` times several measures to with one lookup.
    pub fn entry(&mut self, rep: &str, day: Day, sign: i64) -> DayEntry<'_> {
        if sign < 0 {
            self.removes = true;
        }
        let (slot, rep_index) = self.slot(rep, day);
        DayEntry { totals: &mut self.totals[slot], customers: &mut self.customers, hours: &mut self.hours, rep: rep_index, day, sign }
    }

    /// The non-zero changes to customer sets: (rep, day, family, [(customer index, change)]);
    /// [`RollupDelta::customer_ids`] names the customers by index.
    pub fn membership_changes(&self) -> Vec<SetChange<'_>> {
        let mut log = self.customers.changes.clone();
        log.sort_unstable_by_key(|c| (c.rep, c.day, c.family, c.customer));
        let mut out: Vec<SetChange<'_>> = Vec::new();
        for change in log {
            let same_set = out.last().is_some_and(|(_, day, family, _)| *day == change.day && *family == change.family)
                && out.last().is_some_and(|(rep, _, _, _)| *rep == self.reps[change.rep as usize]);
            if !same_set {
                out.push((&self.reps[change.rep as usize], change.day, change.family, Vec::new()));
            }
            let Some((_, _, _, changes)) = out.last_mut() else { continue };
            match changes.last_mut() {
                Some((customer, total)) if *customer == change.customer => *total += change.change,
                _ => changes.push((change.customer, change.change)),
            }
        }
        for (_, _, _, changes) in &mut out {
            changes.retain(|(_, c)| *c != 0);
        }
        out.retain(|(_, _, _, changes)| !changes.is_empty());
        out
    }

    /// The customer ids of membership changes, by index.
    pub fn customer_ids(&self) -> &[Box<str>] {
        &self.customers.ids
    }

    /// Whether some contribution was taken out, so that totals may have dropped to zero.
    pub fn removes_anything(&self) -> bool {
        self.removes
    }

    pub fn is_empty(&self) -> bool {
        self.entries().next().is_none() && self.hours.values().all(|t| t.calls == 0 && t.connected == 0)
    }

    pub fn merge(&mut self, other: RollupDelta) {
        self.removes |= other.removes;
        for ((rep, day), totals) in other.keys.iter().zip(&other.totals) {
            let (slot, _) = self.slot(&other.reps[*rep as usize], *day);
            for (a, b) in self.totals[slot].iter_mut().zip(totals) {
                *a += b;
            }
        }
        // Translate the other delta's rep and customer indices once, then append its log.
        let reps: Vec<u32> = other.reps.iter().map(|r| intern_rep(&mut self.rep_index, &mut self.reps, r)).collect();
        for ((rep, day, hour), t) in &other.hours {
            let cell = self.hours.entry((reps[*rep as usize], *day, *hour)).or_default();
            cell.calls += t.calls;
            cell.connected += t.connected;
        }
        let customers: Vec<u32> = other.customers.ids.iter().map(|c| self.customers.intern(c)).collect();
        self.customers.changes.extend(other.customers.changes.into_iter().map(|c| MembershipChange {
            rep: reps[c.rep as usize],
            customer: customers[c.customer as usize],
            ..c
        }));
    }

    /// The non-zero changes, as (rep, day, totals).
    pub fn entries(&self) -> impl Iterator<Item = (&str, Day, &Totals)> {
        self.keys
            .iter()
            .zip(&self.totals)
            .map(|((rep, day), t)| (self.reps[*rep as usize].as_str(), *day, t))
            .filter(|(_, _, t)| t.iter().any(|v| *v != 0))
    }

    pub fn len(&self) -> usize {
        self.entries().count()
    }
}

/// One (rep, day) of a [`RollupDelta`].
pub struct DayEntry<'a> {
    totals: &'a mut Totals,
    customers: &'a mut CustomerLog,
    hours: &'a mut HashMap<(u32, Day, u8), HourTotals>,
    rep: u32,
    day: Day,
    sign: i64,
}

impl DayEntry<'_> {
    pub fn add(&mut self, measure: Measure, value: i64) {
        self.totals[measure as usize] += self.sign * value;
    }

    /// Counts `customer` in the rep's customer set of the day.
    pub fn member(&mut self, family: Family, customer: &str) {
        self.customers.log(self.rep, self.day, family, customer, self.sign);
    }

    /// Counts a call started at `hour` (0–23) of the day.
    pub fn call_hour(&mut self, hour: u32, connected: bool) {
        let cell = self.hours.entry((self.rep, self.day, hour.min(23) as u8)).or_default();
        cell.calls += self.sign;
        cell.connected += self.sign * i64::from(connected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_columns_are_unique() {
        let mut columns: Vec<_> = Measure::ALL.iter().map(|m| m.column()).collect();
        columns.sort_unstable();
        columns.dedup();
        assert_eq!(columns.len(), MEASURE_COUNT);
    }

    #[test]
    fn adding_and_removing_the_same_contribution_leaves_nothing() {
        let mut delta = RollupDelta::default();
        let day = Day(19_000);
        delta.add("R1", day, Measure::OutboundCalls, 1);
        delta.add("R1", day, Measure::OutboundCalls, -1);
        assert_eq!(delta.entries().count(), 0);
        assert!(delta.removes_anything());
    }

    #[test]
    fn merged_deltas_sum_per_rep_and_day() {
        let mut a = RollupDelta::default();
        let mut b = RollupDelta::default();
        a.add("R1", Day(1), Measure::RevenueCents, 500);
        b.add("R1", Day(1), Measure::RevenueCents, 250);
        b.add("R2", Day(1), Measure::WonDeals, 1);
        a.merge(b);
        let mut entries: Vec<_> =
            a.entries().map(|(r, d, t)| (r.to_string(), d, t[Measure::RevenueCents as usize], t[Measure::WonDeals as usize])).collect();
        entries.sort();
        assert_eq!(entries, vec![("R1".to_string(), Day(1), 750, 0), ("R2".to_string(), Day(1), 0, 1)]);
    }
}

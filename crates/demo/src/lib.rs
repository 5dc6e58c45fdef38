//! The demo organisation: a deterministic, realistic telesales company to explore Salescope with.
//!
//! Four teams under one sales centre; reps of varied skill and activity; customers in segments
//! with their own sales cycles; calls with weekday and hour connect patterns; deals moving
//! through stages; leads, e-mails, visits, customer feedback with Chinese comments; and the
//! reps' own daily reports — some breaking the entry rules and some inflated against the call
//! data, for the data-quality audit to find. Work stops for Chinese public holidays and slows
//! around the Spring Festival.
//!
//! The same seed, size and end date always give the same records. The output is text tables in
//! the import's canonical columns, so the demo is loaded through exactly the validation any
//! customer's data goes through. Nothing is recorded after the moment the demo is generated at
//! ([`DemoParams::now`]): no call that has not ended, no deal closed or stage entered later, no
//! daily report before the day's work is over. A later moment of the same day only adds records.
//!
//! **Architecture invariant:** pure generation; no I/O.

mod names;
pub mod training;
pub mod transcripts;

use salescope_core::calendar::WorkCalendar;
use salescope_core::random::Rng;
use salescope_core::records::{ActivityKind, DealStatus, Direction, Outcome, Role};
use salescope_core::schema::Kind;
use salescope_core::time::{Day, LocalDateTime};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoParams {
    pub seed: u64,
    /// Sales reps, team leads included (the manager and the trainer come on top).
    pub reps: usize,
    pub months: u32,
    /// Last day of the demo period (usually today).
    pub until: Day,
    /// The moment the demo is generated at, in the organisation's zone (the caller's clock: the
    /// demo is pure). Records after it do not exist yet; on a past `until` it changes nothing.
    pub now: LocalDateTime,
}

impl DemoParams {
    pub fn first_day(&self) -> Day {
        let (y, m, d) = self.until.ymd();
        let total = y * 12 + m as i32 - 1 - self.months as i32;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
        let day = d.min(salescope_core::time::days_in_month(year, month));
        Day::from_ymd(year, month, day).unwrap_or(self.until).plus_days(1)
    }

    /// Whether the records of `day` that carry a date but no time — daily reports, customer
    /// feedback, the custom measure — have been filed by [`DemoParams::now`]: once the day's work
    /// is over, at [`DAY_OVER_HOUR`].
    fn filed(&self, day: Day) -> bool {
        LocalDateTime::from_parts(day, DAY_OVER_HOUR, 0, 0) <= self.now
    }
}

/// When a day's work is over and its daily reports are filed: after the last hour calls are made
/// in (19:00–19:59).
pub const DAY_OVER_HOUR: u32 = 20;

pub const TEAMS: [&str; 4] = ["销售一部", "销售二部", "销售三部", "大客户部"];
pub const CENTRE: &str = "销售中心";
pub const STAGES: [&str; 4] = ["初步接触", "需求确认", "方案报价", "商务谈判"];
const SEGMENTS: [&str; 3] = ["小微企业", "中型企业", "大客户"];
const SOURCES: [&str; 5] = ["电话营销", "官网", "400热线", "转介绍", "展会"];
const CAMPAIGNS: [&str; 4] = ["老客户回访", "新品推广", "季末冲刺", "线索跟进"];

/// A table of one record kind, in the canonical field names, with rows produced on demand.
pub struct DemoTable {
    pub kind: Kind,
    pub headers: Vec<&'static str>,
    pub rows: Box<dyn Iterator<Item = Vec<String>> + Send>,
    pub len: usize,
}

/// Rule overrides the demo's daily sheets are loaded with: they come from the old spreadsheet
/// process, so entry-rule breaches are kept and flagged for the audit instead of refused.
pub const DAILY_REPORT_OVERRIDES: [&str; 2] = ["followup_without_notes=warning", "deal_amount_without_contract=warning"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Steady,
    /// Closes most deals in the last weeks of a quarter (过山车效应).
    Rollercoaster,
    /// Reports more follow-ups than the calls show.
    InflatesFollowups,
    /// Now and then reports deal amounts no deal backs.
    InflatesAmounts,
    /// Loses many deals at the quote stage.
    WeakAtQuotes,
}

#[derive(Debug, Clone)]
struct RepPlan {
    id: String,
    name: String,
    team: usize,
    role: Role,
    hire: Day,
    /// Latent ability, about N(0, 1): connect and win rates, deal size, customer satisfaction.
    skill: f64,
    /// Calls per working day.
    calls_per_day: f64,
    style: Style,
    /// Moved to another team on a day.
    moved: Option<(usize, Day)>,
    /// First customer index and size of the rep's book.
    book: (u32, u32),
}

impl RepPlan {
    fn team_on(&self, day: Day) -> usize {
        match self.moved {
            Some((team, from)) if day >= from => team,
            _ => self.team,
        }
    }

    fn sells(&self) -> bool {
        matches!(self.role, Role::Rep | Role::TeamLead)
    }
}

#[derive(Debug, Clone)]
struct CustomerPlan {
    name: String,
    segment: u8,
    industry: &'static str,
    region: &'static str,
    created: LocalDateTime,
}

#[derive(Debug, Clone)]
struct CallRow {
    rep: u16,
    customer: u32,
    direction: Direction,
    started: LocalDateTime,
    ring: u16,
    talk: u16,
    outcome: Outcome,
    fcr: Option<bool>,
    campaign: u8,
}

#[derive(Debug, Clone)]
struct DealRow {
    rep: u16,
    customer: u32,
    source: u8,
    created: LocalDateTime,
    status: DealStatus,
    amount_cents: i64,
    closed: Option<LocalDateTime>,
    loss_reason: Option<&'static str>,
    contract: Option<String>,
    /// Stage index and entry time, in order.
    stages: Vec<(u8, LocalDateTime)>,
}

#[derive(Debug, Clone)]
struct LeadRow {
    customer: u32,
    rep: u16,
    source: u8,
    created: LocalDateTime,
    responded: Option<LocalDateTime>,
}

#[derive(Debug, Clone)]
struct ActivityRow {
    rep: u16,
    customer: u32,
    kind: ActivityKind,
    at: LocalDateTime,
    opened: bool,
    clicked: bool,
    replied: bool,
}

#[derive(Debug, Clone)]
struct FeedbackRow {
    customer: u32,
    rep: u16,
    call: u32,
    date: Day,
    csat: u8,
    nps: u8,
    complaint: bool,
    comment: &'static str,
}

#[derive(Debug, Clone)]
struct ReportRow {
    rep: u16,
    date: Day,
    new_customers: i64,
    followups: i64,
    notes: Option<String>,
    amount_cents: i64,
    contracts: Option<String>,
    missed: Option<&'static str>,
    plan: String,
    /// Customers added on WeChat that day (微信加好友), the demo's custom measure.
    wechat_adds: i64,
}

/// The generated organisation.
pub struct Demo {
    pub params: DemoParams,
    reps: Vec<RepPlan>,
    customers: Vec<CustomerPlan>,
    calls: Vec<CallRow>,
    deals: Vec<DealRow>,
    leads: Vec<LeadRow>,
    activities: Vec<ActivityRow>,
    feedback: Vec<FeedbackRow>,
    reports: Vec<ReportRow>,
    /// Simulation state: the day until which each customer has a deal open, won deals per
    /// (rep, close day) for the daily reports, and the last contract number issued.
    deal_until: Vec<i32>,
    won_by_day: BTreeMap<(u16, Day), Vec<(i64, String)>>,
    contracts_issued: u32,
    courses: Vec<training::CoursePlan>,
    /// Per rep: (from day, added chance of winning a deal) planted by the training calendar.
    win_lifts: Vec<Vec<(Day, f64)>>,
}

/// Multiplier of activity and outcomes around the Spring Festival: the weeks before the holiday
/// wind down, the week after restarts slowly.
fn festival_factor(day: Day, calendar: &WorkCalendar) -> f64 {
    let Some(festival) = calendar.next_holiday("春节", day.plus_days(-30)) else { return 1.0 };
    let offset = day.0 - festival.0;
    match offset {
        -14..=-8 => 0.8,
        -7..=-1 => 0.55,
        0..=16 => 0.65,
        17..=24 => 0.85,
        _ => 1.0,
    }
}

/// Share of calls that connect, by ISO weekday and hour (before the rep's own skill).
fn connect_base(weekday: u32, hour: u32) -> f64 {
    let by_hour = match hour {
        9 => 0.26,
        10 | 11 => 0.42,
        12 | 13 => 0.2,
        14 | 15 => 0.36,
        16 => 0.44,
        17 => 0.38,
        18..=20 => 0.47,
        _ => 0.3,
    };
    let by_day = match weekday {
        1 => 0.85,
        2..=4 => 1.05,
        5 => 0.95,
        _ => 0.7,
    };
    by_hour * by_day
}

/// Hours calls are made in, with their weights: mornings and afternoons, a few after work.
const CALL_HOURS: [(u32, f64); 11] =
    [(9, 8.0), (10, 12.0), (11, 11.0), (12, 3.0), (13, 4.0), (14, 11.0), (15, 12.0), (16, 10.0), (17, 8.0), (18, 3.0), (19, 2.0)];

fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

impl Demo {
    pub fn generate(params: DemoParams) -> Demo {
        let root = Rng::new(params.seed);
        let calendar = WorkCalendar::china();
        let first = params.first_day();
        let mut reps = plan_reps(&params, &mut root.derive("reps"));
        let mut customers = plan_customers(&mut reps, &mut root.derive("customers"), first);
        let courses = training::plan_courses(&reps, first, params.until, &calendar, &mut root.derive("training"));
        let win_lifts = training::win_lifts(&courses, reps.len());
        let mut demo = Demo {
            params,
            reps,
            customers: Vec::new(),
            calls: Vec::new(),
            deals: Vec::new(),
            leads: Vec::new(),
            activities: Vec::new(),
            feedback: Vec::new(),
            reports: Vec::new(),
            deal_until: vec![i32::MIN; customers.len()],
            won_by_day: BTreeMap::new(),
            contracts_issued: 0,
            courses,
            win_lifts,
        };
        demo.simulate(&mut customers, &calendar, &root);
        demo.customers = customers;
        demo
    }

    fn simulate(&mut self, customers: &mut Vec<CustomerPlan>, calendar: &WorkCalendar, root: &Rng) {
        let mut rng = root.derive("days");
        let until = self.params.until;
        let first = self.params.first_day();
        let mut contacted = vec![false; customers.len()];

        for n in first.0..=until.0 {
            let day = Day(n);
            if !calendar.is_working_day(day) {
                continue;
            }
            let season = festival_factor(day, calendar);
            let weekday = day.iso_weekday();
            self.inbound_leads(day, season, customers, &mut contacted, calendar, &mut rng);
            for r in 0..self.reps.len() {
                let rep = self.reps[r].clone();
                if !rep.sells() || rep.hire > day {
                    continue;
                }
                let skill = ramped_skill(&rep, day);
                let calls_today = rng.poisson(rep.calls_per_day * season * if weekday == 1 { 1.1 } else { 1.0 });
                let (mut first_contacts, mut followups) = (0i64, 0i64);
                for _ in 0..calls_today {
                    let (book_start, book_len) = rep.book;
                    let customer = book_start + rng.range(0, book_len as i64 - 1) as u32;
                    let hour = CALL_HOURS[rng.weighted(&CALL_HOURS.map(|(_, w)| w))].0;
                    let started = LocalDateTime::from_parts(day, hour, rng.range(0, 59) as u32, rng.range(0, 59) as u32);
                    let inbound = rng.chance(0.08);
                    let p_connect =
                        if inbound { 0.96 } else { clamp01(connect_base(weekday, hour) * (1.0 + 0.12 * skill) * (0.85 + 0.15 * season)) };
                    let outcome = if rng.chance(p_connect) {
                        Outcome::Connected
                    } else {
                        *rng.pick(&[Outcome::NoAnswer, Outcome::NoAnswer, Outcome::Busy, Outcome::Voicemail, Outcome::Failed])
                            .unwrap_or(&Outcome::NoAnswer)
                    };
                    let connected = outcome == Outcome::Connected;
                    let talk = if connected { (150.0 * (0.55 * rng.normal() + 0.08 * skill).exp()).clamp(8.0, 3600.0) as u16 } else { 0 };
                    let fcr = inbound.then(|| connected && rng.chance(clamp01(0.74 + 0.06 * skill)));
                    let call_index = self.calls.len() as u32;
                    self.calls.push(CallRow {
                        rep: r as u16,
                        customer,
                        direction: if inbound { Direction::Inbound } else { Direction::Outbound },
                        started,
                        ring: rng.range(if connected { 3 } else { 15 }, if connected { 25 } else { 45 }) as u16,
                        talk,
                        outcome,
                        fcr,
                        campaign: rng.range(0, CAMPAIGNS.len() as i64 - 1) as u8,
                    });
                    if !connected {
                        continue;
                    }
                    let c = customer as usize;
                    if contacted[c] {
                        followups += (!inbound) as i64;
                    } else {
                        contacted[c] = true;
                        first_contacts += 1;
                    }
                    if rng.chance(0.04) {
                        self.feedback_for(call_index, r as u16, customer, day, skill, &mut rng);
                    }
                    let segment = customers[c].segment as usize;
                    let p_deal = [0.045, 0.03, 0.02][segment] * (1.0 + 0.25 * skill).max(0.2) * season;
                    if self.deal_until[c] < day.0 && rng.chance(p_deal) {
                        self.add_deal(r as u16, customer, segment, 0, started, skill, calendar, &mut rng);
                    }
                }
                self.activities_for(r as u16, &rep, day, &mut rng);
                let won_today = self.won_by_day.remove(&(r as u16, day)).unwrap_or_default();
                self.daily_report(r as u16, &rep, day, first_contacts, followups, &won_today, &mut rng);
            }
        }
    }

    /// Opens a deal and schedules its end: won or lost on its close day, or still open when
    /// the close day lies after the demo period.
    #[allow(clippy::too_many_arguments)]
    fn add_deal(
        &mut self,
        rep: u16,
        customer: u32,
        segment: usize,
        source: u8,
        created: LocalDateTime,
        skill: f64,
        calendar: &WorkCalendar,
        rng: &mut Rng,
    ) {
        let deal = self.open_deal(rep, customer, segment, source, created, skill, rng, calendar);
        self.deal_until[customer as usize] = deal.closed.map_or(i32::MAX, |t| t.day().0);
        self.visit_during(&deal, segment);
        if let (DealStatus::Won, Some(closed), Some(contract)) = (deal.status, deal.closed, &deal.contract) {
            self.won_by_day.entry((rep, closed.day())).or_default().push((deal.amount_cents, contract.clone()));
        }
        self.deals.push(deal);
    }

    /// Mid-size and enterprise deals that end won were visited more often (half of them) than
    /// those that end lost (a fifth): win/loss finds the visit. Drawn from a stream of its own per
    /// deal so the rest of the organisation does not change with it.
    fn visit_during(&mut self, deal: &DealRow, segment: usize) {
        let Some(closed) = deal.closed.filter(|_| segment >= 1) else { return };
        let mut rng = Rng::new(self.params.seed).derive(&format!("visit {}", self.deals.len()));
        if !rng.chance(if deal.status == DealStatus::Won { 0.5 } else { 0.2 }) {
            return;
        }
        let day = LocalDateTime(deal.created.0 + (closed.0 - deal.created.0) / 2).day();
        let at = LocalDateTime::from_parts(day, rng.range(9, 17) as u32, rng.range(0, 59) as u32, 0).clamp(deal.created, closed);
        let row = ActivityRow {
            rep: deal.rep,
            customer: deal.customer,
            kind: ActivityKind::Visit,
            at,
            opened: false,
            clicked: false,
            replied: false,
        };
        self.activities.push(row);
    }

    fn inbound_leads(
        &mut self,
        day: Day,
        season: f64,
        customers: &mut Vec<CustomerPlan>,
        contacted: &mut Vec<bool>,
        calendar: &WorkCalendar,
        rng: &mut Rng,
    ) {
        let sellers: Vec<usize> = (0..self.reps.len()).filter(|&r| self.reps[r].sells() && self.reps[r].hire <= day).collect();
        if sellers.is_empty() {
            return;
        }
        let count = rng.poisson(0.45 * sellers.len() as f64 * season);
        for _ in 0..count {
            let source = 1 + rng.weighted(&[5.0, 3.0, 2.0, 1.5]) as u8;
            let segment = rng.weighted(&[6.0, 3.0, 1.0]) as u8;
            let customer = customers.len() as u32;
            let created = LocalDateTime::from_parts(day, rng.range(8, 20) as u32, rng.range(0, 59) as u32, 0);
            customers.push(CustomerPlan {
                name: names::company(rng),
                segment,
                industry: names::industry(rng),
                region: names::region(rng),
                created,
            });
            contacted.push(false);
            self.deal_until.push(i32::MIN);
            // Enterprise leads go to the key-account team first.
            let pool: Vec<usize> = if segment == 2 {
                let key_accounts: Vec<usize> = sellers.iter().copied().filter(|&r| self.reps[r].team_on(day) == 3).collect();
                if key_accounts.is_empty() { sellers.clone() } else { key_accounts }
            } else {
                sellers.clone()
            };
            let r = pool[rng.range(0, pool.len() as i64 - 1) as usize];
            let skill = ramped_skill(&self.reps[r], day);
            let responded = rng.chance(0.92).then(|| {
                let minutes = (25.0 * (0.9 * rng.normal() - 0.35 * skill).exp()).clamp(1.0, 2880.0);
                LocalDateTime(created.0 + (minutes * 60.0) as i64)
            });
            self.leads.push(LeadRow { customer, rep: r as u16, source, created, responded });
            // Inbound interest converts to deals far more often than cold calls do.
            if let Some(responded) = responded.filter(|t| t.day() <= self.params.until)
                && rng.chance(0.35)
            {
                self.add_deal(r as u16, customer, segment as usize, source, responded, skill, calendar, rng);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn open_deal(
        &mut self,
        rep: u16,
        customer: u32,
        segment: usize,
        source: u8,
        created: LocalDateTime,
        skill: f64,
        rng: &mut Rng,
        calendar: &WorkCalendar,
    ) -> DealRow {
        let plan = &self.reps[rep as usize];
        let source = if source == 0 && rng.chance(0.18) { 3 } else { source };
        let median_cycle = [9.0, 24.0, 55.0][segment];
        let cycle_days = (median_cycle * (0.45 * rng.normal()).exp()).clamp(1.0, 240.0);
        let mut closed_day = created.day().plus_days(cycle_days.round() as i32);
        if plan.style == Style::Rollercoaster {
            closed_day = quarter_end_push(closed_day, rng);
        }
        while !calendar.is_working_day(closed_day) {
            closed_day = closed_day.plus_days(1);
        }
        let closed =
            LocalDateTime::from_parts(closed_day, rng.range(9, 18) as u32, rng.range(0, 59) as u32, 0).max(LocalDateTime(created.0 + 1800));
        let referral_lift = if source == 3 { 0.15 } else { 0.0 };
        let trained_lift: f64 = self.win_lifts[rep as usize].iter().filter(|(from, _)| closed_day >= *from).map(|(_, lift)| lift).sum();
        let season_lift = training::spring_season_lift(closed_day, calendar);
        let p_win = clamp01([0.36, 0.27, 0.22][segment] + 0.07 * skill + referral_lift + trained_lift + season_lift);
        let won = rng.chance(p_win);
        let amount_cents = {
            let median = [8_000.0, 36_000.0, 160_000.0][segment] * (1.0 + 0.08 * skill);
            ((median * (0.5 * rng.normal()).exp()) / 100.0).round() as i64 * 10_000
        };
        // The stage where a lost deal stopped; the rep with a weak quote stage loses there.
        let weak_quotes = plan.style == Style::WeakAtQuotes;
        let last_stage = if won {
            STAGES.len() - 1
        } else if weak_quotes && rng.chance(0.6) {
            2
        } else {
            rng.weighted(&[4.0, 3.0, 2.0, 1.5])
        };
        let span = closed.0 - created.0;
        let mut stages = vec![(0u8, created)];
        for s in 1..=last_stage {
            let at = created.0 + span * s as i64 / (last_stage as i64 + 1);
            stages.push((s as u8, LocalDateTime(at)));
        }
        let until = self.params.until;
        if closed_day > until {
            // Still open: keep the stages already reached.
            stages.retain(|(_, at)| at.day() <= until);
            return DealRow {
                rep,
                customer,
                source,
                created,
                status: DealStatus::Open,
                amount_cents,
                closed: None,
                loss_reason: None,
                contract: None,
                stages,
            };
        }
        let (status, loss_reason, contract) = if won {
            self.contracts_issued += 1;
            let number = format!("HT-{}-{:05}", closed_day.to_string().replace('-', ""), self.contracts_issued);
            (DealStatus::Won, None, Some(number))
        } else {
            (DealStatus::Lost, Some(*rng.pick(&names::LOSS_REASONS).unwrap_or(&"价格因素")), None)
        };
        DealRow { rep, customer, source, created, status, amount_cents, closed: Some(closed), loss_reason, contract, stages }
    }

    fn feedback_for(&mut self, call: u32, rep: u16, customer: u32, day: Day, skill: f64, rng: &mut Rng) {
        let csat = (3.7 + 0.45 * skill + 0.75 * rng.normal()).round().clamp(1.0, 5.0) as u8;
        let nps = (6.3 + 1.0 * skill + 1.2 * (csat as f64 - 3.7) + 1.4 * rng.normal()).round().clamp(0.0, 10.0) as u8;
        let complaint = csat <= 2 && rng.chance(0.45);
        let comment = names::comment(csat, rng);
        let date = day.plus_days(rng.range(0, 2) as i32).min(self.params.until);
        self.feedback.push(FeedbackRow { customer, rep, call, date, csat, nps, complaint, comment });
    }

    fn activities_for(&mut self, r: u16, rep: &RepPlan, day: Day, rng: &mut Rng) {
        let key_accounts = rep.team_on(day) == 3;
        let plan = [
            (ActivityKind::Email, 1.6),
            (ActivityKind::Sms, 2.2),
            (ActivityKind::Visit, if key_accounts { 0.45 } else { 0.04 }),
            (ActivityKind::Meeting, if key_accounts { 0.3 } else { 0.08 }),
        ];
        for (kind, mean) in plan {
            for _ in 0..rng.poisson(mean) {
                let at = LocalDateTime::from_parts(day, rng.range(9, 18) as u32, rng.range(0, 59) as u32, 0);
                let customer = rep.book.0 + rng.range(0, rep.book.1 as i64 - 1) as u32;
                let opened = kind == ActivityKind::Email && rng.chance(0.42);
                let clicked = opened && rng.chance(0.3) || kind == ActivityKind::Sms && rng.chance(0.06);
                let replied = matches!(kind, ActivityKind::Email | ActivityKind::Sms) && rng.chance(if opened { 0.18 } else { 0.03 });
                self.activities.push(ActivityRow { rep: r, customer, kind, at, opened, clicked, replied });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn daily_report(&mut self, r: u16, rep: &RepPlan, day: Day, first_contacts: i64, followups: i64, won: &[(i64, String)], rng: &mut Rng) {
        if rng.chance(0.05) {
            return; // Forgot to file.
        }
        let mut amount_cents: i64 = won.iter().map(|(a, _)| a).sum();
        let mut contracts: Vec<String> = won.iter().map(|(_, c)| c.clone()).collect();
        let mut reported_followups = followups;
        match rep.style {
            Style::InflatesFollowups => reported_followups = (followups as f64 * 1.8).round() as i64 + 2,
            Style::InflatesAmounts if amount_cents == 0 && rng.chance(0.12) => {
                amount_cents = rng.range(1, 5) * 500_000;
                contracts.push(format!("HT-{}-X{}", day.to_string().replace('-', ""), rng.range(100, 999)));
            }
            _ => {}
        }
        let notes = (reported_followups > 0 && !rng.chance(0.03)).then(|| names::followup_note(rng));
        let contracts = (!contracts.is_empty() && !rng.chance(0.02)).then(|| contracts.join(";"));
        let missed = (amount_cents < 500_000).then(|| *rng.pick(&names::MISSED_REASONS).unwrap_or(&"客户决策周期长"));
        let plan = names::plan(rng);
        let new_customers = (first_contacts as f64 * (0.9 + 0.2 * rng.unit())).round() as i64;
        self.reports.push(ReportRow {
            rep: r,
            date: day,
            new_customers,
            followups: reported_followups,
            notes,
            amount_cents,
            contracts,
            missed,
            plan,
            // About half the customers reached for the first time and a few followed up; fixed
            // arithmetic rather than the random stream, so the rest of the demo is unchanged.
            wechat_adds: (first_contacts * 5 + followups + (r as i64 + day.0 as i64) % 4) / 10,
        });
    }

    /// The deals, calls, customers, leads, activities, feedback and reports as they stand at
    /// [`DemoParams::now`]: what had not happened yet is left out, a deal that closes later is
    /// still open in the stages it had reached, a lead answered later is not answered yet. Each
    /// record keeps its place (and so its id), so a later moment only adds records and closes deals.
    fn as_of_now(&self) -> Generated {
        let now = self.params.now;
        let call_over = |c: &CallRow| LocalDateTime(c.started.0 + i64::from(call_duration(c))) <= now;
        let calls: Vec<u32> = (0..self.calls.len() as u32).filter(|&i| call_over(&self.calls[i as usize])).collect();
        let call_kept = {
            let mut kept = vec![false; self.calls.len()];
            calls.iter().for_each(|&i| kept[i as usize] = true);
            kept
        };
        let deals = (0..self.deals.len()).filter_map(|i| self.deals[i].as_of(now).map(|deal| (i, deal))).collect();
        let leads = (0..self.leads.len())
            .filter(|&i| self.leads[i].created <= now)
            .map(|i| (i, LeadRow { responded: self.leads[i].responded.filter(|t| *t <= now), ..self.leads[i].clone() }))
            .collect();
        Generated {
            customers: (0..self.customers.len()).filter(|&i| self.customers[i].created <= now).collect(),
            calls,
            deals,
            leads,
            activities: (0..self.activities.len()).filter(|&i| self.activities[i].at <= now).collect(),
            feedback: (0..self.feedback.len())
                .filter(|&i| call_kept[self.feedback[i].call as usize] && self.params.filed(self.feedback[i].date))
                .collect(),
            reports: (0..self.reports.len()).filter(|&i| self.params.filed(self.reports[i].date)).collect(),
        }
    }

    /// The tables to import, in dependency order (reps before the records that name them).
    pub fn tables(self) -> Vec<DemoTable> {
        let generated = Arc::new(self.as_of_now());
        let demo = Arc::new(self);
        let rep_id = |d: &Demo, r: u16| d.reps[r as usize].id.clone();
        let customer_id = |c: u32| format!("K{:06}", c + 1);
        let mut tables = Vec::new();

        const REP_HEADERS: [&str; 8] = ["rep_id", "name", "team", "parent_team", "hire_date", "email", "role", "team_from"];
        let rep_row = |rep: &RepPlan, team: usize, from: Option<Day>| {
            let parent = if team == TEAMS.len() { String::new() } else { CENTRE.to_string() };
            let email = format!("{}@salescope.demo", rep.id.to_lowercase());
            let from = from.map(|d| d.to_string()).unwrap_or_default();
            vec![rep.id.clone(), rep.name.clone(), team_name_of(team), parent, rep.hire.to_string(), email, rep.role.id().into(), from]
        };
        let hired: Vec<Vec<String>> = demo.reps.iter().map(|r| rep_row(r, r.team, None)).collect();
        tables.push(table(Kind::Reps, &REP_HEADERS, hired.len(), hired.into_iter()));
        // Transfers come as a later update of the rep, as an HR export would bring them.
        let moves: Vec<Vec<String>> = demo.reps.iter().filter_map(|r| r.moved.map(|(team, from)| rep_row(r, team, Some(from)))).collect();
        tables.push(table(Kind::Reps, &REP_HEADERS, moves.len(), moves.into_iter()));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Customers,
            &["customer_id", "name", "segment", "industry", "region", "created_at"],
            generated.customers.len(),
            (0..generated.customers.len()).map(move |n| {
                let i = g.customers[n];
                let c = &d.customers[i];
                vec![
                    customer_id(i as u32),
                    c.name.clone(),
                    SEGMENTS[c.segment as usize].into(),
                    c.industry.into(),
                    c.region.into(),
                    c.created.to_string(),
                ]
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Calls,
            &[
                "call_id",
                "rep_id",
                "customer_id",
                "direction",
                "started_at",
                "ring_seconds",
                "talk_seconds",
                "duration_seconds",
                "outcome",
                "resolved_first_contact",
                "campaign",
            ],
            generated.calls.len(),
            (0..generated.calls.len()).map(move |n| {
                let i = g.calls[n];
                let c = &d.calls[i as usize];
                let duration = call_duration(c);
                vec![
                    call_id(i),
                    rep_id(&d, c.rep),
                    customer_id(c.customer),
                    c.direction.id().into(),
                    c.started.to_string(),
                    c.ring.to_string(),
                    c.talk.to_string(),
                    duration.to_string(),
                    c.outcome.id().into(),
                    c.fcr.map(|v| if v { "yes" } else { "no" }.to_string()).unwrap_or_default(),
                    CAMPAIGNS[c.campaign as usize].into(),
                ]
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Activities,
            &["activity_id", "rep_id", "customer_id", "kind", "at", "opened", "clicked", "replied"],
            generated.activities.len(),
            (0..generated.activities.len()).map(move |n| {
                let i = g.activities[n];
                let a = &d.activities[i];
                let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
                vec![
                    format!("A{:07}", i + 1),
                    rep_id(&d, a.rep),
                    customer_id(a.customer),
                    a.kind.id().into(),
                    a.at.to_string(),
                    yes_no(a.opened),
                    yes_no(a.clicked),
                    yes_no(a.replied),
                ]
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Leads,
            &["lead_id", "customer_id", "rep_id", "source", "segment", "created_at", "first_response_at", "status"],
            generated.leads.len(),
            (0..generated.leads.len()).map(move |n| {
                let (i, l) = &g.leads[n];
                let i = *i;
                let status = if l.responded.is_some() { "已跟进" } else { "待跟进" };
                vec![
                    format!("L{:06}", i + 1),
                    customer_id(l.customer),
                    rep_id(&d, l.rep),
                    SOURCES[l.source as usize].into(),
                    SEGMENTS[d.customers[l.customer as usize].segment as usize].into(),
                    l.created.to_string(),
                    l.responded.map(|t| t.to_string()).unwrap_or_default(),
                    status.into(),
                ]
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Deals,
            &[
                "deal_id",
                "rep_id",
                "customer_id",
                "segment",
                "source",
                "created_at",
                "status",
                "amount",
                "stage",
                "closed_at",
                "loss_reason",
                "contract_no",
            ],
            generated.deals.len(),
            (0..generated.deals.len()).map(move |n| {
                let (i, x) = &g.deals[n];
                let i = *i;
                let stage = x.stages.last().map(|(s, _)| STAGES[*s as usize]).unwrap_or(STAGES[0]);
                vec![
                    deal_id(i),
                    rep_id(&d, x.rep),
                    customer_id(x.customer),
                    SEGMENTS[d.customers[x.customer as usize].segment as usize].into(),
                    SOURCES[x.source as usize].into(),
                    x.created.to_string(),
                    x.status.id().into(),
                    salescope_core::values::format_cents(x.amount_cents),
                    stage.into(),
                    x.closed.map(|t| t.to_string()).unwrap_or_default(),
                    x.loss_reason.unwrap_or_default().into(),
                    x.contract.clone().unwrap_or_default(),
                ]
            }),
        ));

        let g = Arc::clone(&generated);
        let stage_rows = generated.deals.iter().map(|(_, x)| x.stages.len()).sum();
        tables.push(table(
            Kind::DealStages,
            &["deal_id", "stage", "entered_at"],
            stage_rows,
            (0..generated.deals.len()).flat_map(move |n| {
                let (i, deal) = &g.deals[n];
                let i = *i;
                let stages = deal.stages.clone();
                stages.into_iter().map(move |(s, at)| vec![deal_id(i), STAGES[s as usize].to_string(), at.to_string()])
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Feedback,
            &["feedback_id", "customer_id", "rep_id", "call_id", "date", "csat", "nps", "complaint", "comment"],
            generated.feedback.len(),
            (0..generated.feedback.len()).map(move |n| {
                let i = g.feedback[n];
                let f = &d.feedback[i];
                vec![
                    format!("F{:06}", i + 1),
                    customer_id(f.customer),
                    rep_id(&d, f.rep),
                    call_id(f.call),
                    f.date.to_string(),
                    f.csat.to_string(),
                    f.nps.to_string(),
                    if f.complaint { "是" } else { "否" }.into(),
                    f.comment.into(),
                ]
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::DailyReports,
            &[
                "rep_id",
                "date",
                "new_customers",
                "followups",
                "followup_notes",
                "deal_amount",
                "contract_nos",
                "missed_reason",
                "next_day_plan",
            ],
            generated.reports.len(),
            (0..generated.reports.len()).map(move |n| {
                let r = &d.reports[g.reports[n]];
                vec![
                    rep_id(&d, r.rep),
                    r.date.to_string(),
                    r.new_customers.to_string(),
                    r.followups.to_string(),
                    r.notes.clone().unwrap_or_default(),
                    salescope_core::values::format_cents(r.amount_cents),
                    r.contracts.clone().unwrap_or_default(),
                    r.missed.unwrap_or_default().into(),
                    r.plan.clone(),
                ]
            }),
        ));

        let (d, g) = (Arc::clone(&demo), Arc::clone(&generated));
        tables.push(table(
            Kind::Measures,
            &["measure", "rep_id", "date", "value"],
            generated.reports.len(),
            (0..generated.reports.len()).map(move |n| {
                let r = &d.reports[g.reports[n]];
                vec![WECHAT_ADDS.into(), rep_id(&d, r.rep), r.date.to_string(), r.wechat_adds.to_string()]
            }),
        ));
        let mut rng = Rng::new(demo.params.seed).derive("training records");
        for (kind, headers, rows) in training::training_rows(&demo.courses, &demo.reps, demo.params.now, &mut rng) {
            tables.push(table(kind, &headers, rows.len(), rows.into_iter()));
        }
        tables
    }
}

/// The records of [`Demo::tables`] that exist at [`DemoParams::now`], by their index in the
/// simulation (which names them); deals and leads as they stand then.
struct Generated {
    customers: Vec<usize>,
    calls: Vec<u32>,
    deals: Vec<(usize, DealRow)>,
    leads: Vec<(usize, LeadRow)>,
    activities: Vec<usize>,
    feedback: Vec<usize>,
    reports: Vec<usize>,
}

impl DealRow {
    /// The deal as it stands at `now`: none before it was created; still open, in the stages
    /// entered by then, when it closes later.
    fn as_of(&self, now: LocalDateTime) -> Option<DealRow> {
        if self.created > now {
            return None;
        }
        if self.closed.is_some_and(|closed| closed <= now) {
            return Some(self.clone());
        }
        let stages = self.stages.iter().copied().filter(|(_, at)| *at <= now).collect();
        Some(DealRow { status: DealStatus::Open, closed: None, loss_reason: None, contract: None, stages, ..self.clone() })
    }
}

/// Seconds from a call's start to its end: ringing, talk, and the wrap-up of the line.
fn call_duration(call: &CallRow) -> u32 {
    call.ring as u32 + call.talk as u32 + if call.talk > 0 { 4 } else { 1 }
}

/// The custom measure the demo imports, one value per rep and working day.
pub const WECHAT_ADDS: &str = "wechat_adds";

fn table(kind: Kind, headers: &[&'static str], len: usize, rows: impl Iterator<Item = Vec<String>> + Send + 'static) -> DemoTable {
    DemoTable { kind, headers: headers.to_vec(), rows: Box::new(rows), len }
}

fn call_id(i: u32) -> String {
    format!("C{:08}", i + 1)
}

fn deal_id(i: usize) -> String {
    format!("D{:06}", i + 1)
}

/// Skill on a day: new hires ramp up over their first six months.
fn ramped_skill(rep: &RepPlan, day: Day) -> f64 {
    let tenure = (day.0 - rep.hire.0).max(0) as f64;
    let ramp = (0.5 + tenure / 360.0).min(1.0);
    rep.skill * ramp - 1.5 * (1.0 - ramp)
}

fn team_name_of(team: usize) -> String {
    TEAMS.get(team).map_or(CENTRE, |t| t).to_string()
}

/// Moves a close date into the last ten days of its quarter, as a rep who sprints at quarter end.
fn quarter_end_push(day: Day, rng: &mut Rng) -> Day {
    let (y, m, _) = day.ymd();
    let quarter_end_month = (m - 1) / 3 * 3 + 3;
    let last = Day::from_ymd(y, quarter_end_month, salescope_core::time::days_in_month(y, quarter_end_month)).unwrap_or(day);
    if rng.chance(0.8) { last.plus_days(-(rng.range(0, 9) as i32)) } else { day }
}

fn plan_reps(params: &DemoParams, rng: &mut Rng) -> Vec<RepPlan> {
    let first = params.first_day();
    let mut names = names::PersonNames::new(rng.derive("names"));
    let mut reps = Vec::new();
    let per_team = params.reps.div_ceil(TEAMS.len()).max(1);
    for i in 0..params.reps {
        let team = (i / per_team).min(TEAMS.len() - 1);
        let lead = i % per_team == 0;
        let skill = rng.normal();
        let mut hire = first.plus_days(-(rng.range(120, 1500) as i32));
        // A few join during the period and ramp up.
        if !lead && rng.chance(0.1) {
            hire = first.plus_days(rng.range(30, (params.months as i64 * 30).max(31) - 30) as i32);
        }
        let style = match i {
            _ if lead => Style::Steady,
            5 => Style::Rollercoaster,
            6 => Style::WeakAtQuotes,
            9 => Style::InflatesFollowups,
            22 => Style::InflatesFollowups,
            30 => Style::InflatesAmounts,
            _ => Style::Steady,
        };
        let calls_per_day = if lead { 22.0 } else { (42.0 * (0.25 * rng.normal() + 0.05 * skill).exp()).clamp(20.0, 80.0) }
            * if team == 3 { 0.7 } else { 1.0 };
        reps.push(RepPlan {
            id: format!("R{:03}", i + 1),
            name: names.next(),
            team,
            role: if lead { Role::TeamLead } else { Role::Rep },
            hire,
            skill,
            calls_per_day,
            style,
            moved: None,
            book: (0, 0),
        });
    }
    // One experienced rep transfers from the first team to the second half-way through.
    if let Some(mover) = reps.iter_mut().find(|r| r.team == 0 && r.role == Role::Rep && r.hire < first) {
        mover.moved = Some((1, first.plus_days((params.months as i32 * 30) / 2)));
    }
    for (id, role) in [("M001", Role::Manager), ("T001", Role::Trainer)] {
        reps.push(RepPlan {
            id: id.into(),
            name: names.next(),
            team: TEAMS.len(),
            role,
            hire: first.plus_days(-2000),
            skill: 0.0,
            calls_per_day: 0.0,
            style: Style::Steady,
            moved: None,
            book: (0, 0),
        });
    }
    reps
}

fn plan_customers(reps: &mut [RepPlan], rng: &mut Rng, first: Day) -> Vec<CustomerPlan> {
    let mut customers = Vec::new();
    for rep in reps.iter_mut().filter(|r| r.sells()) {
        let size = if rep.team == 3 { 260 } else { 520 };
        rep.book = (customers.len() as u32, size);
        for _ in 0..size {
            let weights = if rep.team == 3 { [1.0, 4.0, 5.0] } else { [7.0, 2.6, 0.4] };
            let segment = rng.weighted(&weights) as u8;
            let created = LocalDateTime::from_parts(first.plus_days(-(rng.range(1, 700) as i32)), rng.range(9, 18) as u32, 0, 0);
            customers.push(CustomerPlan {
                name: names::company(rng),
                segment,
                industry: names::industry(rng),
                region: names::region(rng),
                created,
            });
        }
    }
    customers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The end of `day`: the demo of a day that is over.
    fn end_of(day: Day) -> LocalDateTime {
        LocalDateTime::from_parts(day, 23, 59, 59)
    }

    fn small(seed: u64) -> DemoParams {
        let until = Day::from_ymd(2025, 3, 31).expect("date");
        DemoParams { seed, reps: 8, months: 2, until, now: end_of(until) }
    }

    fn fingerprint(demo: Demo) -> Vec<(Kind, usize, Vec<Vec<String>>)> {
        demo.tables().into_iter().map(|t| (t.kind, t.len, t.rows.take(50).collect())).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_organisation() {
        assert_eq!(fingerprint(Demo::generate(small(7))), fingerprint(Demo::generate(small(7))));
        assert_ne!(fingerprint(Demo::generate(small(7))), fingerprint(Demo::generate(small(8))));
    }

    #[test]
    fn the_period_spans_the_requested_months() {
        let until = Day::from_ymd(2025, 6, 30).expect("date");
        let p = DemoParams { seed: 1, reps: 4, months: 12, until, now: end_of(until) };
        assert_eq!(p.first_day().to_string(), "2024-07-01");
        let p = DemoParams { months: 1, until: Day::from_ymd(2025, 3, 31).expect("date"), ..p };
        assert_eq!(p.first_day().to_string(), "2025-03-01");
    }

    #[test]
    fn table_lengths_match_their_rows() {
        for t in Demo::generate(small(3)).tables() {
            let (kind, len) = (t.kind, t.len);
            let rows: Vec<Vec<String>> = t.rows.collect();
            assert_eq!(rows.len(), len, "{kind}");
            assert!(rows.iter().all(|r| r.len() == t.headers.len()), "{kind}");
        }
    }

    #[test]
    fn no_calls_fall_on_holidays_and_the_spring_festival_is_quieter() {
        let until = Day::from_ymd(2025, 3, 31).expect("date");
        let demo = Demo::generate(DemoParams { seed: 11, reps: 12, months: 4, until, now: end_of(until) });
        let calendar = WorkCalendar::china();
        assert!(demo.calls.iter().all(|c| calendar.is_working_day(c.started.day())));
        let per_day = |from: Day, to: Day| {
            let calls = demo.calls.iter().filter(|c| (from..=to).contains(&c.started.day())).count() as f64;
            calls / calendar.working_days(from, to) as f64
        };
        let d = |m, day| Day::from_ymd(2025, m, day).expect("date");
        let before_festival = per_day(d(1, 20), d(2, 7));
        let march = per_day(d(3, 3), d(3, 28));
        assert!(before_festival < 0.8 * march, "{before_festival} vs {march}");
    }

    /// A table read out: its kind, headers and rows.
    type Rows = (Kind, Vec<&'static str>, Vec<Vec<String>>);

    /// The tables of a demo generated on Wednesday 26 March 2025 at `hour:minute`.
    fn on_26_march_at(hour: u32, minute: u32) -> (Day, LocalDateTime, Vec<Rows>) {
        let today = Day::from_ymd(2025, 3, 26).expect("date");
        let now = LocalDateTime::from_parts(today, hour, minute, 0);
        let demo = Demo::generate(DemoParams { seed: 5, reps: 12, months: 3, until: today, now });
        (today, now, demo.tables().into_iter().map(|t| (t.kind, t.headers, t.rows.collect())).collect())
    }

    fn column<'a>(tables: &'a [Rows], kind: Kind, name: &str) -> Vec<(&'a Vec<String>, &'a str)> {
        tables
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .flat_map(|(_, headers, rows)| {
                let at = headers.iter().position(|h| *h == name).expect("column");
                rows.iter().map(move |row| (row, row[at].as_str()))
            })
            .collect()
    }

    /// "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD" sort as text in time order.
    fn is_time(text: &str) -> bool {
        let b = text.as_bytes();
        b.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':'
    }

    fn is_date(text: &str) -> bool {
        let b = text.as_bytes();
        b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    }

    /// A call's end, in seconds of its day: start plus duration.
    fn call_end(row: &[String]) -> i64 {
        let start = &row[4];
        let part = |range: std::ops::Range<usize>| start[range].parse::<i64>().expect("number");
        part(11..13) * 3600 + part(14..16) * 60 + part(17..19) + row[7].parse::<i64>().expect("duration")
    }

    #[test]
    fn at_4_48_nothing_in_the_tables_lies_after_now() {
        let (today, now, tables) = on_26_march_at(4, 48);
        let (now_text, today_text) = (now.to_string(), today.to_string());
        for (kind, headers, rows) in &tables {
            for row in rows {
                for (header, cell) in headers.iter().zip(row) {
                    assert!(!is_time(cell) || *cell <= now_text, "{kind} {header} = {cell}, after {now_text}");
                    assert!(!is_date(cell) || *cell <= today_text, "{kind} {header} = {cell}, after {today_text}");
                }
            }
        }
        // Today's daily reports, feedback and custom measure are filed once the day's work is over.
        for (kind, name) in [(Kind::DailyReports, "date"), (Kind::Feedback, "date"), (Kind::Measures, "date")] {
            assert!(column(&tables, kind, name).iter().all(|(_, day)| *day < today_text.as_str()), "{kind} dated today at 04:48");
        }
        assert!(column(&tables, Kind::Calls, "started_at").iter().all(|(_, at)| !at.starts_with(&today_text)), "no calls before 04:48");
        // A deal with no close time is open, whatever it will become.
        for (row, closed) in column(&tables, Kind::Deals, "closed_at") {
            assert_eq!(closed.is_empty(), row[6] == "open", "{row:?}");
        }
        // Yesterday is whole: its daily reports are there.
        let yesterday = today.plus_days(-1).to_string();
        assert!(column(&tables, Kind::DailyReports, "date").iter().any(|(_, day)| *day == yesterday));
    }

    #[test]
    fn at_19_00_the_days_calls_are_there_up_to_then_and_its_reports_after_the_day_is_over() {
        let (today, _, at_seven) = on_26_march_at(19, 0);
        let (_, _, day_over) = on_26_march_at(23, 59);
        let today_text = today.to_string();
        let calls_today = |tables: &[Rows]| -> Vec<Vec<String>> {
            column(tables, Kind::Calls, "started_at")
                .into_iter()
                .filter(|(_, at)| at.starts_with(&today_text))
                .map(|(row, _)| row.clone())
                .collect()
        };
        let (by_seven, whole_day) = (calls_today(&at_seven), calls_today(&day_over));
        let seven = 19 * 3600;
        let ended_by_seven: Vec<Vec<String>> = whole_day.iter().filter(|row| call_end(row) <= seven).cloned().collect();
        assert!(ended_by_seven.len() > 100, "a working day of 12 reps has its calls: {}", ended_by_seven.len());
        assert!(whole_day.len() > ended_by_seven.len(), "some calls are made after 19:00");
        assert_eq!(by_seven, ended_by_seven, "at 19:00 every call that had ended, with the same id and values");
        let filed_today = |tables: &[Rows]| column(tables, Kind::DailyReports, "date").iter().filter(|(_, day)| *day == today_text).count();
        assert_eq!(filed_today(&at_seven), 0, "the day's reports are filed at 20:00");
        assert!(filed_today(&day_over) > 0);
    }
}

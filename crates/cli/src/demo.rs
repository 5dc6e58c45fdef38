//! Loading the demo organisation through the import, and its summary.

use crate::progress;
use anyhow::Context;
use salescope_core::access::WriteScope;
use salescope_core::i18n::Lang;
use salescope_core::period::Compare;
use salescope_core::schema::Kind;
use salescope_demo::{DAILY_REPORT_OVERRIDES, Demo, DemoParams};
use salescope_import::{ImportOptions, Source, SourceFormat};
use salescope_store::Db;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// One demo account per role; the team lead and the rep are people of the demo organisation
/// (the first team lead, and the first rep of that lead's team). Returns (login, role, name).
pub async fn users(db: &Db) -> anyhow::Result<Vec<(String, String, String)>> {
    let structure = db.org_structure().await?;
    let lead = structure.reps.iter().find(|r| r.role == "team_lead").context("the demo has no team lead")?;
    let rep = structure.reps.iter().find(|r| r.role == "rep" && r.team == lead.team).context("the demo lead's team has no rep")?;
    Ok(salescope_app::accounts::demo_users(db, (&rep.rep_id, &rep.name), (&lead.rep_id, &lead.name, &lead.team)).await?)
}

/// Generates the demo organisation and imports it, kind by kind, with the same validation as
/// any file. Skips the work when the same demo is already in the store.
pub async fn load(db: &Db, params: DemoParams, lang: Lang, always_summarise: bool) -> anyhow::Result<()> {
    let marker = format!("seed={} reps={} months={} until={}", params.seed, params.reps, params.months, params.until);
    if db.internal("demo").await?.as_deref() == Some(marker.as_str()) {
        println!("{}", lang.format("demo.already", &[("params", &marker)]));
        if always_summarise {
            print_teams(db, lang).await?;
        }
        return Ok(());
    }
    let started = Instant::now();
    let now = params.now;
    let mut per_kind: BTreeMap<Kind, (u64, u64)> = BTreeMap::new();
    for table in Demo::generate(params).tables() {
        let kind = table.kind;
        let mut options = ImportOptions::new(kind, "demo", now);
        options.lang = lang;
        options.today = params.until;
        if kind == Kind::DailyReports {
            options.rule_overrides = DAILY_REPORT_OVERRIDES.iter().map(|s| s.to_string()).collect();
        }
        let source = Source::Rows {
            headers: table.headers.iter().map(|h| h.to_string()).collect(),
            rows: table.rows,
            format: SourceFormat::Generated,
            total_rows: table.len as u64,
        };
        let report = salescope_import::import(db, kind, source, &options, Arc::new(progress::Bar::rows(kind.id())))
            .await
            .map_err(|e| anyhow::anyhow!("loading the demo {kind}: {}", e.message(lang)))?;
        anyhow::ensure!(report.rejected == 0, "the demo's {kind} broke the entry rules:\n{}", report.render_text());
        let entry = per_kind.entry(kind).or_default();
        entry.0 += report.inserted + report.updated + report.unchanged;
        entry.1 += report.warned;
    }
    define_custom_kpis(db, lang).await?;
    let transcripts = load_transcripts(db, params, now, lang).await?;
    set_targets(db, params, lang).await?;
    db.set_internal("demo", &marker).await?;
    println!("{}", lang.format("demo.loaded", &[("seconds", &format!("{:.1}", started.elapsed().as_secs_f64()))]));
    println!("{}", lang.format("demo.period", &[("from", &params.first_day()), ("to", &params.until)]));
    println!("{}:", lang.tr("demo.records"));
    for (kind, (records, flagged)) in &per_kind {
        if *flagged > 0 {
            println!("  {:<14} {records:>9}  ({})", kind.id(), lang.format("demo.flagged", &[("count", flagged)]));
        } else {
            println!("  {:<14} {records:>9}", kind.id());
        }
    }
    println!("  {:<14} {transcripts:>9}", "transcripts");
    print_teams(db, lang).await
}

/// Transcribes recent conversations — of the connected calls of a minute or more in the last four
/// months, the latest 1,500 with a won outcome, 1,500 lost and 500 without — and imports them
/// through the transcript importer, as files of every format.
async fn load_transcripts(db: &Db, params: DemoParams, now: salescope_core::time::LocalDateTime, lang: Lang) -> anyhow::Result<u64> {
    use salescope_demo::transcripts::{CallToTranscribe, transcript_files};
    let candidates = db.conversations_since(params.until.plus_days(-120).start(), 60).await?;
    let latest = |outcome: Option<&str>, count: usize| {
        let matching: Vec<&(String, i64, Option<String>)> = candidates.iter().filter(|c| c.2.as_deref() == outcome).collect();
        matching[matching.len().saturating_sub(count)..]
            .iter()
            .map(|(call_id, talk_seconds, outcome)| CallToTranscribe {
                call_id: call_id.clone(),
                talk_seconds: *talk_seconds,
                won: outcome.as_deref().map(|o| o == "won"),
            })
            .collect::<Vec<_>>()
    };
    let mut calls = latest(Some("won"), 1_500);
    calls.extend(latest(Some("lost"), 1_500));
    calls.extend(latest(None, 500));
    calls.sort_by(|a, b| a.call_id.cmp(&b.call_id));
    let files = transcript_files(&calls, params.seed);
    let report = salescope_import::transcripts::import_transcripts(db, "demo", files, 0, now, &WriteScope::Everything, lang)
        .await
        .map_err(|e| anyhow::anyhow!("loading the demo transcripts: {}", e.message(lang)))?;
    anyhow::ensure!(report.rejected == 0, "the demo's transcripts were refused:\n{}", report.render_text());
    Ok(report.inserted + report.updated + report.unchanged)
}

/// Two KPIs an administrator would add: the conversion of leads from the website, and how many
/// of the customers reached were added on WeChat (the demo's custom measure).
async fn define_custom_kpis(db: &Db, lang: Lang) -> anyhow::Result<()> {
    use salescope_store::CustomKpiRow;
    let custom = [
        ("online_conversion", "Website lead conversion", "官网线索转化率", "won_deals[source=官网] / leads[source=官网] * 100"),
        ("wechat_add_rate", "WeChat add rate", "微信添加率", "wechat_adds / contacted_customers * 100"),
    ];
    for (id, name_en, name_zh, formula) in custom {
        let row = CustomKpiRow {
            id: id.into(),
            name_en: name_en.into(),
            name_zh: name_zh.into(),
            unit: "percent".into(),
            direction: "higher".into(),
            formula: formula.into(),
        };
        salescope_engine::custom::define(db, row).await.map_err(crate::args::fail(lang))?;
    }
    Ok(())
}

/// Sets the targets a sales manager would: for each team and month of the demo (and the next),
/// 10 % above the team's run rate per working day, so that holidays lower the month's target;
/// each team's month split among its reps by their share of the last complete month (new
/// hires and reps who sold nothing get the floor, docs/kpis.md); the organisation's the sum of
/// its teams'. Raises two improvement actions, then runs the daily
/// routine: reps behind pace go on daily tracking and the action that fell due is checked.
async fn set_targets(db: &Db, params: DemoParams, lang: Lang) -> anyhow::Result<()> {
    use salescope_core::period::{Period, PeriodKind};
    use salescope_core::scope::Scope;
    use salescope_engine::targets::{ShareBy, SplitInto, set, split};
    use salescope_engine::{Context, KpiQuery, kpis::kpi_report_with};
    let fail = crate::args::fail::<salescope_engine::EngineError>(lang);
    let ctx = Context::load(db).await.map_err(&fail)?;
    let Some(span) = Period::range(params.first_day(), params.until) else { return Ok(()) };
    let mut months = span.covering(PeriodKind::Month);
    months.push(Period::month_of(Period::month_of(params.until).end.plus_days(1)));
    months.sort_by_key(|m| m.start);
    months.dedup();
    let span_working_days = ctx.calendar.working_days(span.start, span.end).max(1) as f64;
    let selling_teams: Vec<String> = ctx
        .tree
        .teams()
        .filter(|t| ctx.tree.children(t).is_empty() && !ctx.sellers_in(&Scope::Team(t.to_string()), &span).is_empty())
        .map(str::to_string)
        .collect();
    let mut org_totals = vec![0.0; months.len()];
    let mut team_rates = Vec::new();
    for team in &selling_teams {
        let scope = Scope::Team(team.clone());
        let query = KpiQuery {
            kpis: vec!["revenue".into(), "new_customers".into(), "connect_rate".into()],
            scope: scope.clone(),
            period: span,
            by: None,
            today: params.until,
            compare: Compare::ToDate,
            lang,
        };
        let report = kpi_report_with(db, &ctx, &query).await.map_err(&fail)?;
        let per_day = |i: usize| report.values[i].value.unwrap_or(0.0) / span_working_days;
        let sellers = ctx.sellers_in(&scope, &span).len().max(1) as f64;
        let weeks = (span.end.0 - span.start.0 + 1) as f64 / 7.0;
        let weekly_new_per_rep = report.values[1].value.unwrap_or(0.0) / sellers / weeks;
        team_rates.push((team.clone(), weekly_new_per_rep, report.values[2].value.unwrap_or(0.0)));
        for (i, month) in months.iter().enumerate() {
            let working_days = ctx.calendar.working_days(month.start, month.end) as f64;
            let revenue = (per_day(0) * working_days * 1.1 / 10_000.0).round() * 10_000.0;
            let new_customers = (per_day(1) * working_days * 1.1).ceil();
            set(db, &ctx, "revenue", &scope, month, revenue).await.map_err(&fail)?;
            set(db, &ctx, "new_customers", &scope, month, new_customers).await.map_err(&fail)?;
            org_totals[i] += revenue;
        }
    }
    for (month, total) in months.iter().zip(org_totals) {
        set(db, &ctx, "revenue", &Scope::Org, month, total).await.map_err(&fail)?;
    }
    let ctx = Context::load(db).await.map_err(&fail)?;
    for team in &selling_teams {
        for month in &months {
            split(db, &ctx, "revenue", &Scope::Team(team.clone()), month, SplitInto::Reps, &ShareBy::LastPeriod, params.until)
                .await
                .map_err(&fail)?;
        }
    }
    raise_actions(db, &team_rates, params.until, lang).await?;
    salescope_engine::routine::run_daily(db, params.until).await.map_err(&fail)?;
    Ok(())
}

/// Two actions a sales manager would raise (问题分析与改进表): six weeks ago, for the team
/// winning the fewest new customers per rep, a stretch of 15 % due two weeks ago — so the
/// routine checks it against the data; last week, for the team connecting the fewest calls,
/// three points more, due in three weeks.
async fn raise_actions(db: &Db, team_rates: &[(String, f64, f64)], until: salescope_core::time::Day, lang: Lang) -> anyhow::Result<()> {
    use salescope_engine::actions::{NewAction, create};
    let fail = crate::args::fail::<salescope_engine::EngineError>(lang);
    let fewest = |by: fn(&(String, f64, f64)) -> f64| team_rates.iter().min_by(|a, b| by(a).total_cmp(&by(b))).cloned();
    let (Some((slow_team, weekly_new, _)), Some((quiet_team, _, connect_rate))) = (fewest(|t| t.1), fewest(|t| t.2)) else {
        return Ok(());
    };
    let actions = [
        NewAction {
            raised_on: Some(until.plus_days(-42)),
            problem: "新客户开发数量连续两周低于团队平均".into(),
            people: format!("{slow_team}全体"),
            cause_category: "ability".into(),
            cause_kind: "subjective".into(),
            cause: "新客户开拓话术不熟练，首次通话转化低".into(),
            measures: "每周两次话术演练，老员工一对一带教".into(),
            owner: format!("{slow_team}主管"),
            deadline: until.plus_days(-14),
            criterion: format!("new_customers per rep per week >= {:.1} for team:{slow_team}", weekly_new * 1.15),
        },
        NewAction {
            raised_on: Some(until.plus_days(-7)),
            problem: "接通率偏低，有效通话不足".into(),
            people: format!("{quiet_team}全体"),
            cause_category: "strategy".into(),
            cause_kind: "objective".into(),
            cause: "外呼集中在客户忙碌时段".into(),
            measures: "按接通率热力图调整外呼时段，清洗无效号码".into(),
            owner: format!("{quiet_team}主管"),
            deadline: until.plus_days(21),
            criterion: format!("connect_rate >= {:.0} for team:{quiet_team}", connect_rate + 3.0),
        },
    ];
    let ctx = salescope_engine::Context::load(db).await.map_err(&fail)?;
    for action in actions {
        create(db, &ctx, action, until).await.map_err(&fail)?;
    }
    Ok(())
}

async fn print_teams(db: &Db, lang: Lang) -> anyhow::Result<()> {
    println!("{}:", lang.tr("demo.per_team"));
    for team in db.team_totals().await? {
        println!(
            "  {:<8} {:>3} {}  {:>8} {}  {:>6} {}  {}",
            team.team,
            team.reps,
            lang.tr("demo.reps"),
            team.calls,
            lang.tr("demo.calls"),
            team.won_deals,
            lang.tr("demo.won_deals"),
            salescope_core::format::money(team.revenue_cents as f64 / 100.0),
        );
    }
    Ok(())
}

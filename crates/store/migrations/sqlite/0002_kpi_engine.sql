-- Salescope schema, version 2: what the KPI engine reads and what managers write.

-- Month totals per rep, the sum of rollup_rep_day over the month (month = year * 12 + month - 1).
CREATE TABLE rollup_rep_month (
    rep_id TEXT NOT NULL,
    month  INTEGER NOT NULL,
    outbound_calls INTEGER NOT NULL DEFAULT 0,
    outbound_connected INTEGER NOT NULL DEFAULT 0,
    inbound_calls INTEGER NOT NULL DEFAULT 0,
    inbound_connected INTEGER NOT NULL DEFAULT 0,
    inbound_resolved_first_contact INTEGER NOT NULL DEFAULT 0,
    talk_seconds INTEGER NOT NULL DEFAULT 0,
    connected_talk_seconds INTEGER NOT NULL DEFAULT 0,
    connected_over_1min INTEGER NOT NULL DEFAULT 0,
    connected_over_3min INTEGER NOT NULL DEFAULT 0,
    connected_over_5min INTEGER NOT NULL DEFAULT 0,
    connected_over_10min INTEGER NOT NULL DEFAULT 0,
    deals_created INTEGER NOT NULL DEFAULT 0,
    won_deals INTEGER NOT NULL DEFAULT 0,
    revenue_cents INTEGER NOT NULL DEFAULT 0,
    won_cycle_seconds INTEGER NOT NULL DEFAULT 0,
    lost_deals INTEGER NOT NULL DEFAULT 0,
    new_customers INTEGER NOT NULL DEFAULT 0,
    emails INTEGER NOT NULL DEFAULT 0,
    emails_opened INTEGER NOT NULL DEFAULT 0,
    emails_clicked INTEGER NOT NULL DEFAULT 0,
    emails_replied INTEGER NOT NULL DEFAULT 0,
    sms INTEGER NOT NULL DEFAULT 0,
    sms_clicked INTEGER NOT NULL DEFAULT 0,
    sms_replied INTEGER NOT NULL DEFAULT 0,
    visits INTEGER NOT NULL DEFAULT 0,
    meetings INTEGER NOT NULL DEFAULT 0,
    leads INTEGER NOT NULL DEFAULT 0,
    leads_responded INTEGER NOT NULL DEFAULT 0,
    lead_response_seconds INTEGER NOT NULL DEFAULT 0,
    feedback INTEGER NOT NULL DEFAULT 0,
    csat_sum INTEGER NOT NULL DEFAULT 0,
    csat_count INTEGER NOT NULL DEFAULT 0,
    nps_promoters INTEGER NOT NULL DEFAULT 0,
    nps_passives INTEGER NOT NULL DEFAULT 0,
    nps_detractors INTEGER NOT NULL DEFAULT 0,
    complaints INTEGER NOT NULL DEFAULT 0,
    reports INTEGER NOT NULL DEFAULT 0,
    reported_new_customers INTEGER NOT NULL DEFAULT 0,
    reported_followups INTEGER NOT NULL DEFAULT 0,
    reported_deal_cents INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rep_id, month)
) WITHOUT ROWID;
CREATE INDEX rollup_rep_month_month ON rollup_rep_month (month);

-- A small integer per customer id, for exact distinct-customer counts over any range.
CREATE TABLE customer_keys (
    customer_id TEXT PRIMARY KEY,
    key         INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;

-- The customers a rep reached (family 1: connected calls) or won (family 2: won deals) each day:
-- sorted (key, count) pairs of little-endian u32. And per month, the sorted keys alone.
CREATE TABLE customer_sets_day (
    rep_id  TEXT NOT NULL,
    day     INTEGER NOT NULL,
    family  INTEGER NOT NULL,
    members BLOB NOT NULL,
    PRIMARY KEY (rep_id, day, family)
) WITHOUT ROWID;
CREATE INDEX customer_sets_day_day ON customer_sets_day (family, day);

CREATE TABLE customer_sets_month (
    rep_id  TEXT NOT NULL,
    month   INTEGER NOT NULL,
    family  INTEGER NOT NULL,
    members BLOB NOT NULL,
    PRIMARY KEY (rep_id, month, family)
) WITHOUT ROWID;
CREATE INDEX customer_sets_month_month ON customer_sets_month (family, month);

CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX deals_closed ON deals (closed_at);
CREATE INDEX deals_created ON deals (created_at);
CREATE INDEX daily_reports_day ON daily_reports (day);

-- Measures that only arrive by import (`salescope import measure NAME`), per rep and day.
CREATE TABLE custom_measures (
    name   TEXT NOT NULL,
    rep_id TEXT NOT NULL,
    day    INTEGER NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (name, rep_id, day)
) WITHOUT ROWID;

CREATE TABLE custom_kpis (
    id        TEXT PRIMARY KEY,
    name_en   TEXT NOT NULL,
    name_zh   TEXT NOT NULL,
    unit      TEXT NOT NULL,
    direction TEXT NOT NULL,
    formula   TEXT NOT NULL
);

-- Targets per KPI, scope (org, team:NAME, rep:ID) and period label (2024-07, 2024-Q3, …).
CREATE TABLE targets (
    kpi    TEXT NOT NULL,
    scope  TEXT NOT NULL,
    period TEXT NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (kpi, scope, period)
);

-- Days that differ from the built-in calendar: kind 'holiday' or 'workday'.
CREATE TABLE calendar_days (
    day  INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);

-- Reps put on daily tracking (升级为每日跟踪) and taken off again.
CREATE TABLE tracking (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    rep_id      TEXT NOT NULL,
    kpi         TEXT NOT NULL,
    period      TEXT NOT NULL,
    started_on  INTEGER NOT NULL,
    ended_on    INTEGER,
    attainment  REAL,
    reason      TEXT NOT NULL
);
CREATE INDEX tracking_rep ON tracking (rep_id);

-- What people write on the review sheets: main problem, next-week focus, highlights, …
CREATE TABLE review_notes (
    sheet  TEXT NOT NULL,
    scope  TEXT NOT NULL,
    period TEXT NOT NULL,
    field  TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (sheet, scope, period, field)
);

-- Problems and improvement actions (问题分析与改进表).
CREATE TABLE actions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    raised_on      INTEGER NOT NULL,
    problem        TEXT NOT NULL,
    people         TEXT NOT NULL,
    cause_category TEXT NOT NULL,
    cause_kind     TEXT NOT NULL,
    cause          TEXT NOT NULL,
    measures       TEXT NOT NULL,
    owner          TEXT NOT NULL,
    deadline       INTEGER NOT NULL,
    criterion      TEXT NOT NULL,
    status         TEXT NOT NULL,
    evidence       TEXT,
    checked_on     INTEGER
);

-- Daily reports a team lead checked in the audit sample (防止形式化录入).
CREATE TABLE audit_checks (
    rep_id     TEXT NOT NULL,
    day        INTEGER NOT NULL,
    checked_by TEXT NOT NULL,
    result     TEXT NOT NULL,
    note       TEXT NOT NULL,
    PRIMARY KEY (rep_id, day)
);

-- Weighted KPI sets per role, for composite scores.
CREATE TABLE scorecards (
    role   TEXT NOT NULL,
    kpi    TEXT NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (role, kpi)
);

-- Salescope schema, version 2: what the KPI engine reads and what managers write.

-- Month totals per rep, the sum of rollup_rep_day over the month (month = year * 12 + month - 1).
CREATE TABLE rollup_rep_month (
    rep_id TEXT COLLATE "C" NOT NULL,
    month  BIGINT NOT NULL,
    outbound_calls BIGINT NOT NULL DEFAULT 0,
    outbound_connected BIGINT NOT NULL DEFAULT 0,
    inbound_calls BIGINT NOT NULL DEFAULT 0,
    inbound_connected BIGINT NOT NULL DEFAULT 0,
    inbound_resolved_first_contact BIGINT NOT NULL DEFAULT 0,
    talk_seconds BIGINT NOT NULL DEFAULT 0,
    connected_talk_seconds BIGINT NOT NULL DEFAULT 0,
    connected_over_1min BIGINT NOT NULL DEFAULT 0,
    connected_over_3min BIGINT NOT NULL DEFAULT 0,
    connected_over_5min BIGINT NOT NULL DEFAULT 0,
    connected_over_10min BIGINT NOT NULL DEFAULT 0,
    deals_created BIGINT NOT NULL DEFAULT 0,
    won_deals BIGINT NOT NULL DEFAULT 0,
    revenue_cents BIGINT NOT NULL DEFAULT 0,
    won_cycle_seconds BIGINT NOT NULL DEFAULT 0,
    lost_deals BIGINT NOT NULL DEFAULT 0,
    new_customers BIGINT NOT NULL DEFAULT 0,
    emails BIGINT NOT NULL DEFAULT 0,
    emails_opened BIGINT NOT NULL DEFAULT 0,
    emails_clicked BIGINT NOT NULL DEFAULT 0,
    emails_replied BIGINT NOT NULL DEFAULT 0,
    sms BIGINT NOT NULL DEFAULT 0,
    sms_clicked BIGINT NOT NULL DEFAULT 0,
    sms_replied BIGINT NOT NULL DEFAULT 0,
    visits BIGINT NOT NULL DEFAULT 0,
    meetings BIGINT NOT NULL DEFAULT 0,
    leads BIGINT NOT NULL DEFAULT 0,
    leads_responded BIGINT NOT NULL DEFAULT 0,
    lead_response_seconds BIGINT NOT NULL DEFAULT 0,
    feedback BIGINT NOT NULL DEFAULT 0,
    csat_sum BIGINT NOT NULL DEFAULT 0,
    csat_count BIGINT NOT NULL DEFAULT 0,
    nps_promoters BIGINT NOT NULL DEFAULT 0,
    nps_passives BIGINT NOT NULL DEFAULT 0,
    nps_detractors BIGINT NOT NULL DEFAULT 0,
    complaints BIGINT NOT NULL DEFAULT 0,
    reports BIGINT NOT NULL DEFAULT 0,
    reported_new_customers BIGINT NOT NULL DEFAULT 0,
    reported_followups BIGINT NOT NULL DEFAULT 0,
    reported_deal_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (rep_id, month)
);
CREATE INDEX rollup_rep_month_month ON rollup_rep_month (month);

-- A small integer per customer id, for exact distinct-customer counts over any range.
CREATE TABLE customer_keys (
    customer_id TEXT COLLATE "C" PRIMARY KEY,
    key         BIGINT NOT NULL UNIQUE
);

-- The customers a rep reached (family 1: connected calls) or won (family 2: won deals) each day:
-- sorted (key, count) pairs of little-endian u32. And per month, the sorted keys alone.
CREATE TABLE customer_sets_day (
    rep_id  TEXT COLLATE "C" NOT NULL,
    day     BIGINT NOT NULL,
    family  BIGINT NOT NULL,
    members BYTEA NOT NULL,
    PRIMARY KEY (rep_id, day, family)
);
CREATE INDEX customer_sets_day_day ON customer_sets_day (family, day);

CREATE TABLE customer_sets_month (
    rep_id  TEXT COLLATE "C" NOT NULL,
    month   BIGINT NOT NULL,
    family  BIGINT NOT NULL,
    members BYTEA NOT NULL,
    PRIMARY KEY (rep_id, month, family)
);
CREATE INDEX customer_sets_month_month ON customer_sets_month (family, month);

CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX deals_closed ON deals (closed_at);
CREATE INDEX deals_created ON deals (created_at);
CREATE INDEX daily_reports_day ON daily_reports (day);

-- Measures that only arrive by import (`salescope import measure NAME`), per rep and day.
CREATE TABLE custom_measures (
    name   TEXT COLLATE "C" NOT NULL,
    rep_id TEXT COLLATE "C" NOT NULL,
    day    BIGINT NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (name, rep_id, day)
);

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
    value  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (kpi, scope, period)
);

-- Days that differ from the built-in calendar: kind 'holiday' or 'workday'.
CREATE TABLE calendar_days (
    day  BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);

-- Reps put on daily tracking (升级为每日跟踪) and taken off again.
CREATE TABLE tracking (
    id          BIGSERIAL PRIMARY KEY,
    rep_id      TEXT NOT NULL,
    kpi         TEXT NOT NULL,
    period      TEXT NOT NULL,
    started_on  BIGINT NOT NULL,
    ended_on    BIGINT,
    attainment  DOUBLE PRECISION,
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
    id             BIGSERIAL PRIMARY KEY,
    raised_on      BIGINT NOT NULL,
    problem        TEXT NOT NULL,
    people         TEXT NOT NULL,
    cause_category TEXT NOT NULL,
    cause_kind     TEXT NOT NULL,
    cause          TEXT NOT NULL,
    measures       TEXT NOT NULL,
    owner          TEXT NOT NULL,
    deadline       BIGINT NOT NULL,
    criterion      TEXT NOT NULL,
    status         TEXT NOT NULL,
    evidence       TEXT,
    checked_on     BIGINT
);

-- Daily reports a team lead checked in the audit sample (防止形式化录入).
CREATE TABLE audit_checks (
    rep_id     TEXT NOT NULL,
    day        BIGINT NOT NULL,
    checked_by TEXT NOT NULL,
    result     TEXT NOT NULL,
    note       TEXT NOT NULL,
    PRIMARY KEY (rep_id, day)
);

-- Weighted KPI sets per role, for composite scores.
CREATE TABLE scorecards (
    role   TEXT NOT NULL,
    kpi    TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (role, kpi)
);

-- Salescope schema, version 1: raw records, per-rep daily totals, organisation settings.
-- Times are local wall-clock seconds in the organisation's zone; days are day numbers from
-- 1970-01-01; money is in cents; flags lists the warning rules a record broke (NULL: none). See ARCHITECTURE.md. External ids sort bytewise
-- (COLLATE "C"), as they do on SQLite.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    name   TEXT PRIMARY KEY,
    parent TEXT
);

CREATE TABLE reps (
    rep_id      TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    team        TEXT NOT NULL,
    parent_team TEXT,
    hire_date   BIGINT,
    email       TEXT,
    role        TEXT NOT NULL,
    team_from   BIGINT,
    flags       TEXT
);

-- Which team a rep belonged to when: team KPIs count a day for the team the rep was in that day.
CREATE TABLE rep_team_history (
    rep_id     TEXT NOT NULL,
    team       TEXT NOT NULL,
    valid_from BIGINT,
    valid_to   BIGINT
);
CREATE INDEX rep_team_history_rep ON rep_team_history (rep_id);

CREATE TABLE customers (
    customer_id TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT,
    segment     TEXT,
    industry    TEXT,
    region      TEXT,
    created_at  BIGINT,
    flags       TEXT
);

CREATE TABLE calls (
    call_id                TEXT COLLATE "C" PRIMARY KEY,
    rep_id                 TEXT NOT NULL,
    customer_id            TEXT,
    direction              TEXT NOT NULL,
    started_at             BIGINT NOT NULL,
    ring_seconds           BIGINT,
    talk_seconds           BIGINT NOT NULL,
    duration_seconds       BIGINT,
    outcome                TEXT NOT NULL,
    disposition            TEXT,
    resolved_first_contact BOOLEAN,
    campaign               TEXT,
    flags                  TEXT
);

CREATE TABLE activities (
    activity_id TEXT COLLATE "C" PRIMARY KEY,
    rep_id      TEXT NOT NULL,
    customer_id TEXT,
    kind        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    opened      BOOLEAN,
    clicked     BOOLEAN,
    replied     BOOLEAN,
    flags       TEXT
);

CREATE TABLE leads (
    lead_id           TEXT COLLATE "C" PRIMARY KEY,
    customer_id       TEXT,
    rep_id            TEXT,
    source            TEXT,
    segment           TEXT,
    created_at        BIGINT NOT NULL,
    first_response_at BIGINT,
    status            TEXT,
    flags             TEXT
);

CREATE TABLE deals (
    deal_id      TEXT COLLATE "C" PRIMARY KEY,
    rep_id       TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    segment      TEXT,
    source       TEXT,
    created_at   BIGINT NOT NULL,
    status       TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    stage        TEXT,
    closed_at    BIGINT,
    loss_reason  TEXT,
    contract_no  TEXT,
    flags        TEXT
);
CREATE INDEX deals_customer ON deals (customer_id);

CREATE TABLE deal_stages (
    deal_id    TEXT NOT NULL,
    stage      TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    flags      TEXT,
    PRIMARY KEY (deal_id, stage, entered_at)
);

CREATE TABLE feedback (
    feedback_id TEXT COLLATE "C" PRIMARY KEY,
    customer_id TEXT,
    rep_id      TEXT,
    call_id     TEXT,
    day         BIGINT NOT NULL,
    csat        BIGINT,
    nps         BIGINT,
    complaint   BOOLEAN,
    comment     TEXT,
    flags       TEXT
);

CREATE TABLE daily_reports (
    rep_id            TEXT NOT NULL,
    day               BIGINT NOT NULL,
    new_customers     BIGINT NOT NULL,
    followups         BIGINT NOT NULL,
    followup_notes    TEXT,
    deal_amount_cents BIGINT NOT NULL,
    contract_nos      TEXT,
    missed_reason     TEXT,
    next_day_plan     TEXT,
    flags             TEXT,
    PRIMARY KEY (rep_id, day)
);

-- One row of every completed import, for the audit trail.
CREATE TABLE import_runs (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    finished_at BIGINT NOT NULL,
    strict      BOOLEAN NOT NULL,
    rows_read   BIGINT NOT NULL,
    inserted    BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    unchanged   BIGINT NOT NULL,
    rejected    BIGINT NOT NULL,
    warned      BIGINT NOT NULL
);

-- Per-rep daily totals, kept exact on every ingest (see salescope_core::rollup).
-- rep_id '' holds records that name no rep: they count for the organisation only.
CREATE TABLE rollup_rep_day (
    rep_id TEXT NOT NULL,
    day    BIGINT NOT NULL,
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
    PRIMARY KEY (rep_id, day)
);
CREATE INDEX rollup_rep_day_day ON rollup_rep_day (day);

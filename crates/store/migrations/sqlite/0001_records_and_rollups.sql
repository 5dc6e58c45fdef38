-- Salescope schema, version 1: raw records, per-rep daily totals, organisation settings.
-- Times are local wall-clock seconds in the organisation's zone; days are day numbers from
-- 1970-01-01; money is in cents; flags lists the warning rules a record broke (NULL: none). See ARCHITECTURE.md.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    name   TEXT PRIMARY KEY,
    parent TEXT
);

CREATE TABLE reps (
    rep_id      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    team        TEXT NOT NULL,
    parent_team TEXT,
    hire_date   INTEGER,
    email       TEXT,
    role        TEXT NOT NULL,
    team_from   INTEGER,
    flags       TEXT
) WITHOUT ROWID;

-- Which team a rep belonged to when: team KPIs count a day for the team the rep was in that day.
CREATE TABLE rep_team_history (
    rep_id     TEXT NOT NULL,
    team       TEXT NOT NULL,
    valid_from INTEGER,
    valid_to   INTEGER
);
CREATE INDEX rep_team_history_rep ON rep_team_history (rep_id);

CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    name        TEXT,
    segment     TEXT,
    industry    TEXT,
    region      TEXT,
    created_at  INTEGER,
    flags       TEXT
) WITHOUT ROWID;

CREATE TABLE calls (
    call_id                TEXT PRIMARY KEY,
    rep_id                 TEXT NOT NULL,
    customer_id            TEXT,
    direction              TEXT NOT NULL,
    started_at             INTEGER NOT NULL,
    ring_seconds           INTEGER,
    talk_seconds           INTEGER NOT NULL,
    duration_seconds       INTEGER,
    outcome                TEXT NOT NULL,
    disposition            TEXT,
    resolved_first_contact INTEGER,
    campaign               TEXT,
    flags                  TEXT
) WITHOUT ROWID;

CREATE TABLE activities (
    activity_id TEXT PRIMARY KEY,
    rep_id      TEXT NOT NULL,
    customer_id TEXT,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    opened      INTEGER,
    clicked     INTEGER,
    replied     INTEGER,
    flags       TEXT
) WITHOUT ROWID;

CREATE TABLE leads (
    lead_id           TEXT PRIMARY KEY,
    customer_id       TEXT,
    rep_id            TEXT,
    source            TEXT,
    segment           TEXT,
    created_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    status            TEXT,
    flags             TEXT
) WITHOUT ROWID;

CREATE TABLE deals (
    deal_id      TEXT PRIMARY KEY,
    rep_id       TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    segment      TEXT,
    source       TEXT,
    created_at   INTEGER NOT NULL,
    status       TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    stage        TEXT,
    closed_at    INTEGER,
    loss_reason  TEXT,
    contract_no  TEXT,
    flags        TEXT
) WITHOUT ROWID;
CREATE INDEX deals_customer ON deals (customer_id);

CREATE TABLE deal_stages (
    deal_id    TEXT NOT NULL,
    stage      TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    flags      TEXT,
    PRIMARY KEY (deal_id, stage, entered_at)
) WITHOUT ROWID;

CREATE TABLE feedback (
    feedback_id TEXT PRIMARY KEY,
    customer_id TEXT,
    rep_id      TEXT,
    call_id     TEXT,
    day         INTEGER NOT NULL,
    csat        INTEGER,
    nps         INTEGER,
    complaint   INTEGER,
    comment     TEXT,
    flags       TEXT
) WITHOUT ROWID;

CREATE TABLE daily_reports (
    rep_id            TEXT NOT NULL,
    day               INTEGER NOT NULL,
    new_customers     INTEGER NOT NULL,
    followups         INTEGER NOT NULL,
    followup_notes    TEXT,
    deal_amount_cents INTEGER NOT NULL,
    contract_nos      TEXT,
    missed_reason     TEXT,
    next_day_plan     TEXT,
    flags             TEXT,
    PRIMARY KEY (rep_id, day)
) WITHOUT ROWID;

-- One row of every completed import, for the audit trail.
CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    strict      INTEGER NOT NULL,
    rows_read   INTEGER NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    warned      INTEGER NOT NULL
);

-- Per-rep daily totals, kept exact on every ingest (see salescope_core::rollup).
-- rep_id '' holds records that name no rep: they count for the organisation only.
CREATE TABLE rollup_rep_day (
    rep_id TEXT NOT NULL,
    day    INTEGER NOT NULL,
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
    PRIMARY KEY (rep_id, day)
) WITHOUT ROWID;
CREATE INDEX rollup_rep_day_day ON rollup_rep_day (day);

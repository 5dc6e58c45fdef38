-- Calls per rep, day and hour started (in the organisation's zone), and how many connected: the
-- cells of the best-time-to-call heatmap, kept on ingest like the daily totals.
CREATE TABLE rollup_rep_hour (
    rep_id    TEXT NOT NULL,
    day       BIGINT NOT NULL,
    hour      BIGINT NOT NULL,
    calls     BIGINT NOT NULL DEFAULT 0,
    connected BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (rep_id, day, hour)
);

-- Calls per rep, day and hour started (in the organisation's zone), and how many connected: the
-- cells of the best-time-to-call heatmap, kept on ingest like the daily totals.
CREATE TABLE rollup_rep_hour (
    rep_id    TEXT NOT NULL,
    day       INTEGER NOT NULL,
    hour      INTEGER NOT NULL,
    calls     INTEGER NOT NULL DEFAULT 0,
    connected INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rep_id, day, hour)
);

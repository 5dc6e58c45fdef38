-- The hour cells are only ever found by their key: keep them in the key's own B-tree, as the
-- other rollup tables are, instead of a rowid table plus an index on the key. An import then
-- writes one B-tree per cell instead of two.
CREATE TABLE rollup_rep_hour_keyed (
    rep_id    TEXT NOT NULL,
    day       INTEGER NOT NULL,
    hour      INTEGER NOT NULL,
    calls     INTEGER NOT NULL DEFAULT 0,
    connected INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rep_id, day, hour)
) WITHOUT ROWID;
INSERT INTO rollup_rep_hour_keyed (rep_id, day, hour, calls, connected)
    SELECT rep_id, day, hour, calls, connected FROM rollup_rep_hour;
DROP TABLE rollup_rep_hour;
ALTER TABLE rollup_rep_hour_keyed RENAME TO rollup_rep_hour;

-- Coaching tasks: a rep's gap turned into work with an owner and a due date, 1:1 notes, and a
-- follow-up that measures the gap again (kind and name identify it: stage_conversion/接触 …).
CREATE TABLE coaching_tasks (
    id          BIGSERIAL PRIMARY KEY,
    rep_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    label       TEXT NOT NULL,
    baseline    DOUBLE PRECISION NOT NULL,
    team_median DOUBLE PRECISION NOT NULL,
    owner       TEXT NOT NULL,
    due         BIGINT NOT NULL,
    notes       TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_on  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    latest      DOUBLE PRECISION,
    measured_on BIGINT
);

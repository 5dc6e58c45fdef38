-- Training records (SPEC C6): courses, their sessions, sign-ins, assessment scores and the
-- attendees' feedback. Scores are 0–100 (assessments) and 1–5 (feedback); cost is in cents.

CREATE TABLE courses (
    course_id         TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    topic             TEXT,
    content           TEXT,
    trainer           TEXT,
    format            TEXT,
    audience          TEXT,
    assessment_method TEXT,
    pass_score        DOUBLE PRECISION,
    cost              BIGINT,
    hours             DOUBLE PRECISION,
    target_kpis       TEXT,
    flags             TEXT
);

CREATE TABLE training_sessions (
    session_id TEXT PRIMARY KEY,
    course_id  TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    hours      DOUBLE PRECISION,
    place      TEXT,
    trainer    TEXT,
    flags      TEXT
);
CREATE INDEX training_sessions_course ON training_sessions (course_id);

CREATE TABLE training_attendance (
    session_id   TEXT NOT NULL,
    rep_id       TEXT NOT NULL,
    signed_in_at BIGINT,
    attended     BOOLEAN NOT NULL,
    flags        TEXT,
    PRIMARY KEY (session_id, rep_id)
);

CREATE TABLE training_assessments (
    course_id TEXT NOT NULL,
    rep_id    TEXT NOT NULL,
    phase     TEXT NOT NULL,
    score     DOUBLE PRECISION NOT NULL,
    taken_on  BIGINT,
    passed    BOOLEAN,
    flags     TEXT,
    PRIMARY KEY (course_id, rep_id, phase)
);

CREATE TABLE training_feedback (
    session_id   TEXT NOT NULL,
    rep_id       TEXT NOT NULL,
    content      BIGINT,
    trainer      BIGINT,
    practice     BIGINT,
    organisation BIGINT,
    comment      TEXT,
    flags        TEXT,
    PRIMARY KEY (session_id, rep_id)
);

-- The assumptions of a course's ROI as last saved on its page (JSON), so the report is repeatable.
CREATE TABLE course_roi_assumptions (
    course_id   TEXT PRIMARY KEY,
    assumptions TEXT NOT NULL
);

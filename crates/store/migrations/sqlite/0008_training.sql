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
    pass_score        REAL,
    cost              INTEGER,
    hours             REAL,
    target_kpis       TEXT,
    flags             TEXT
) WITHOUT ROWID;

CREATE TABLE training_sessions (
    session_id TEXT PRIMARY KEY,
    course_id  TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    hours      REAL,
    place      TEXT,
    trainer    TEXT,
    flags      TEXT
) WITHOUT ROWID;
CREATE INDEX training_sessions_course ON training_sessions (course_id);

CREATE TABLE training_attendance (
    session_id   TEXT NOT NULL,
    rep_id       TEXT NOT NULL,
    signed_in_at INTEGER,
    attended     INTEGER NOT NULL,
    flags        TEXT,
    PRIMARY KEY (session_id, rep_id)
) WITHOUT ROWID;

CREATE TABLE training_assessments (
    course_id TEXT NOT NULL,
    rep_id    TEXT NOT NULL,
    phase     TEXT NOT NULL,
    score     REAL NOT NULL,
    taken_on  INTEGER,
    passed    INTEGER,
    flags     TEXT,
    PRIMARY KEY (course_id, rep_id, phase)
) WITHOUT ROWID;

CREATE TABLE training_feedback (
    session_id   TEXT NOT NULL,
    rep_id       TEXT NOT NULL,
    content      INTEGER,
    trainer      INTEGER,
    practice     INTEGER,
    organisation INTEGER,
    comment      TEXT,
    flags        TEXT,
    PRIMARY KEY (session_id, rep_id)
) WITHOUT ROWID;

-- The assumptions of a course's ROI as last saved on its page (JSON), so the report is repeatable.
CREATE TABLE course_roi_assumptions (
    course_id   TEXT PRIMARY KEY,
    assumptions TEXT NOT NULL
);

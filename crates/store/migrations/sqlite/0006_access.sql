-- People who log in. A rep or team lead account names the rep record it belongs to; a team
-- lead's or manager's `team` bounds what they see (a manager without one sees everything).
CREATE TABLE users (
    login         TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    rep_id        TEXT,
    team          TEXT,
    lang          TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Logged-in browsers. Only a hash of the cookie's token is kept; `csrf` is the token every
-- form and state-changing request of the session must carry.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    login      TEXT NOT NULL REFERENCES users (login),
    csrf       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_login ON sessions (login);

-- Tokens for the ingestion API, stored hashed; `id` is the public prefix shown in lists.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    login      TEXT NOT NULL REFERENCES users (login),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Who changed what, when: targets, imports, records, users and actions, with the values
-- before and after as JSON.
CREATE TABLE change_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    login      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    action     TEXT NOT NULL,
    before_value TEXT,
    after_value  TEXT
);
CREATE INDEX change_log_by_time ON change_log (at);

-- A counter per kind of data that readers keep in memory: bumped in the transaction that changes
-- it, so every process (the server, an import from the command line) sees the change.
CREATE TABLE data_versions (
    name    TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

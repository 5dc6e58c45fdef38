-- Configured sales processes: pipelines (one per product line) and their stages in order, with
-- zh/en names, milestones (one per line) and entry criteria. Empty: the learned order applies.
CREATE TABLE pipelines (
    pipeline_id TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    name_en     TEXT NOT NULL,
    name_zh     TEXT NOT NULL
);

CREATE TABLE pipeline_stages (
    pipeline_id    TEXT NOT NULL REFERENCES pipelines (pipeline_id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    stage          TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    name_zh        TEXT NOT NULL,
    milestones     TEXT NOT NULL,
    entry_criteria TEXT NOT NULL,
    PRIMARY KEY (pipeline_id, stage)
);

-- Call transcripts (C8): the turns as JSON, and the call's behaviour metrics computed on import.
CREATE TABLE transcripts (
    call_id                        TEXT PRIMARY KEY,
    source                         TEXT NOT NULL,
    basis                          TEXT NOT NULL,
    turns                          TEXT NOT NULL,
    talk_ratio                     REAL,
    longest_monologue_seconds      REAL,
    longest_customer_story_seconds REAL,
    interactivity_per_minute       REAL,
    patience_seconds               REAL,
    questions                      BIGINT NOT NULL,
    customer_sentiment_start       REAL,
    key_messages                   TEXT NOT NULL,
    objections                     TEXT NOT NULL,
    objections_raised              BIGINT NOT NULL,
    objections_answered            BIGINT NOT NULL,
    filler_words                   BIGINT NOT NULL,
    competitor_mentions            BIGINT NOT NULL,
    customer_sentiment_end         REAL,
    imported_at                    BIGINT NOT NULL
) WITHOUT ROWID;

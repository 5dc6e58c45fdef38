-- Call transcripts (C8): the turns as JSON, and the call's behaviour metrics computed on import.
CREATE TABLE transcripts (
    call_id                        TEXT COLLATE "C" PRIMARY KEY,
    source                         TEXT NOT NULL,
    basis                          TEXT NOT NULL,
    turns                          TEXT NOT NULL,
    talk_ratio                     DOUBLE PRECISION,
    longest_monologue_seconds      DOUBLE PRECISION,
    longest_customer_story_seconds DOUBLE PRECISION,
    interactivity_per_minute       DOUBLE PRECISION,
    patience_seconds               DOUBLE PRECISION,
    questions                      BIGINT NOT NULL,
    customer_sentiment_start       DOUBLE PRECISION,
    key_messages                   TEXT NOT NULL,
    objections                     TEXT NOT NULL,
    objections_raised              BIGINT NOT NULL,
    objections_answered            BIGINT NOT NULL,
    filler_words                   BIGINT NOT NULL,
    competitor_mentions            BIGINT NOT NULL,
    customer_sentiment_end         DOUBLE PRECISION,
    imported_at                    BIGINT NOT NULL
);

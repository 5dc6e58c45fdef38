-- The forecast category a rep puts an open deal in (CRM style: pipeline, best_case, commit); a
-- deal without one counts as pipeline. Closed deals need none: they are closed.
CREATE TABLE deal_forecast_categories (
    deal_id  TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    set_by   TEXT NOT NULL,
    set_at   BIGINT NOT NULL
);

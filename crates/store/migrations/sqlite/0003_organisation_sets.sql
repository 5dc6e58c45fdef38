-- The organisation's customers per month (the union of every rep's month set), as a bitmap of
-- customer keys (little-endian u64 words), so that the organisation's distinct-customer KPIs
-- read one row per month.
CREATE TABLE customer_sets_org_month (
    month   INTEGER NOT NULL,
    family  INTEGER NOT NULL,
    members BLOB NOT NULL,
    PRIMARY KEY (month, family)
) WITHOUT ROWID;

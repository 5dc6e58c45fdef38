-- Daily tracking keeps the threshold a rep fell below, so that the reason can be shown in the
-- reader's language; `reason` holds a code (`below_threshold`).
ALTER TABLE tracking ADD COLUMN threshold REAL;

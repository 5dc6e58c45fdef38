-- A form that edits a record says when it was last saved and by whom: the newest change of one
-- subject, found without scanning the log.
CREATE INDEX change_log_by_subject ON change_log (entity, subject, id);

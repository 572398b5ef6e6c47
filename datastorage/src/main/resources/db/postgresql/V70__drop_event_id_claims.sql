-- audit_event_ids held every stored event id, claimed by each batch before its insert. audit_log
-- holds the same ids under its UNIQUE event_id, so the claim was a second unique check: one more
-- row, index entry and WAL record per event. A batch now inserts its events in id order and
-- appends its leaves; an id another batch stored fails the attempt (a unique violation on the
-- day's primary key or on audit_log.event_id), and the batch runs again after reading the log's
-- leaves of its ids (PostgresBatchWriter, docs/storage.md).
DROP TABLE audit_event_ids;

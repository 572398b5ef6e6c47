-- The index set revisited for ingest speed (docs/storage.md, "SQLite ingest"): every index is one
-- more b-tree write per ingested row, and each query the API offers must still read through one.

-- Every lookup by event_id first learns the event's date from audit_log (whose event_id is UNIQUE)
-- and then reads audit_events through the UNIQUE (event_date, event_id) key, so this index was
-- never chosen by a query; it only cost a write per row.
DROP INDEX audit_events_event_id;

-- The keyset order is (event_timestamp, event_id): with event_id in the index, a page without a
-- filter, or filtered only on event_category or event_outcome (which have no index of their own),
-- is read in index order and stops after limit + 1 rows, instead of SQLite sorting every matching
-- row; and a page with since/until needs no sort of the range either. Same number of writes per
-- row as the index it replaces.
CREATE INDEX audit_events_timestamp_id ON audit_events (event_timestamp, event_id);
DROP INDEX audit_events_timestamp;

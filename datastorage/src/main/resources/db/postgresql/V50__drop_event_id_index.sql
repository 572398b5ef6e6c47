-- audit_events_event_id served GET /events/{id} before the log existed. Every lookup by id now
-- goes through audit_log (event_id UNIQUE there), which names the event's date, so the primary key
-- (event_date, event_id) finds the row in one partition: the index was maintained on every insert
-- and read by nothing. docs/decisions.md has the measurement.
DROP INDEX IF EXISTS audit_events_event_id;

-- The embedded store: the same columns and semantics as the PostgreSQL schema (db/postgresql).
-- Timestamps are INTEGER microseconds since the epoch (UTC): exact, and they sort correctly.
-- event_id and parent_event_id are lowercase canonical UUID text, which sorts like PostgreSQL's uuid.
-- ingest_seq is the rowid (AUTOINCREMENT: increasing, never reused).
CREATE TABLE audit_events (
    ingest_seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_date      TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    version         TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    event_category  TEXT    NOT NULL,
    event_action    TEXT    NOT NULL,
    event_outcome   TEXT    NOT NULL CHECK (event_outcome IN ('success', 'failure', 'pending')),
    event_timestamp INTEGER NOT NULL,
    correlation_id  TEXT    NOT NULL,
    actor_type      TEXT    NOT NULL,
    actor_id        TEXT    NOT NULL,
    resource_type   TEXT    NOT NULL,
    resource_id     TEXT    NOT NULL,
    event_data      TEXT    NOT NULL CHECK (json_valid(event_data)),
    actor_ip        TEXT,
    resource_name   TEXT,
    parent_event_id TEXT,
    namespace       TEXT,
    cluster_id      TEXT,
    severity        TEXT,
    duration_ms     INTEGER,
    error_code      TEXT,
    error_message   TEXT,
    trace_id        TEXT,
    span_id         TEXT,
    ingested_at     INTEGER NOT NULL,
    ingested_by     TEXT,
    UNIQUE (event_date, event_id)
) STRICT;

CREATE INDEX audit_events_event_id ON audit_events (event_id);
CREATE INDEX audit_events_correlation ON audit_events (correlation_id, event_timestamp);
CREATE INDEX audit_events_type ON audit_events (event_type, event_timestamp);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, event_timestamp);
CREATE INDEX audit_events_actor ON audit_events (actor_id, event_timestamp);
CREATE INDEX audit_events_timestamp ON audit_events (event_timestamp);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed');
END;

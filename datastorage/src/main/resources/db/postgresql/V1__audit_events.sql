-- audit_events: append-only, range-partitioned by month on event_date, the UTC day of
-- event_timestamp (computed by the application on insert: a partition key cannot be a generated
-- column). The primary key must contain the partition key, hence (event_date, event_id); a resent
-- event has the same timestamp, so the same event_date, so it is still a duplicate.
-- Monthly partitions audit_events_YYYY_MM are created ahead by the application (at start-up and
-- daily); rows outside them land in audit_events_default. Retention drops whole partitions.

CREATE SEQUENCE audit_events_ingest_seq AS bigint;

CREATE TABLE audit_events (
    event_date      date        NOT NULL,
    event_id        uuid        NOT NULL,
    version         text        NOT NULL,
    event_type      text        NOT NULL,
    event_category  text        NOT NULL,
    event_action    text        NOT NULL,
    event_outcome   text        NOT NULL CHECK (event_outcome IN ('success', 'failure', 'pending')),
    event_timestamp timestamptz NOT NULL,
    correlation_id  text        NOT NULL,
    actor_type      text        NOT NULL,
    actor_id        text        NOT NULL,
    resource_type   text        NOT NULL,
    resource_id     text        NOT NULL,
    event_data      jsonb       NOT NULL,
    actor_ip        text,
    resource_name   text,
    parent_event_id uuid,
    namespace       text,
    cluster_id      text,
    severity        text,
    duration_ms     bigint,
    error_code      text,
    error_message   text,
    trace_id        text,
    span_id         text,
    ingested_at     timestamptz NOT NULL,
    ingest_seq      bigint      NOT NULL DEFAULT nextval('audit_events_ingest_seq'),
    ingested_by     text,
    PRIMARY KEY (event_date, event_id)
) PARTITION BY RANGE (event_date);

ALTER SEQUENCE audit_events_ingest_seq OWNED BY audit_events.ingest_seq;

CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;

-- The query paths of GET /api/v1/audit/events (DESIGN §4); each ends in event_timestamp so a
-- filtered keyset page is an index range scan. event_id alone serves GET /events/{id}, which
-- does not know the event's date.
CREATE INDEX audit_events_correlation ON audit_events (correlation_id, event_timestamp);
CREATE INDEX audit_events_type ON audit_events (event_type, event_timestamp);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, event_timestamp);
CREATE INDEX audit_events_actor ON audit_events (actor_id, event_timestamp);
CREATE INDEX audit_events_timestamp ON audit_events (event_timestamp);
CREATE INDEX audit_events_event_id ON audit_events (event_id);

CREATE FUNCTION audit_events_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING HINT = 'retention drops whole partitions';
END;
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

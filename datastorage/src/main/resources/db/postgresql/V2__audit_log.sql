-- audit_log: one row per stored event, in commit order. log_index is contiguous from 0 (no gap,
-- no reuse): a batch takes a transaction-scoped advisory lock just before it appends its leaves,
-- so batches append one after another in the order they commit. event_id is unique here across
-- the whole store, which audit_events (partitioned by event_date) cannot enforce: a second
-- event under a stored id is a duplicate or a conflict, never a second row.
-- leaf is the canonical encoding of the stored event (audit-api LeafEncoding), leaf_hash its
-- RFC 6962 leaf hash. Retention drops partitions of audit_events but keeps these rows, so the
-- log stays verifiable after events are pruned.

CREATE TABLE audit_log (
    log_index  bigint NOT NULL PRIMARY KEY CHECK (log_index >= 0),
    event_id   uuid   NOT NULL UNIQUE,
    event_date date   NOT NULL,
    leaf       bytea  NOT NULL,
    leaf_hash  bytea  NOT NULL CHECK (length(leaf_hash) = 32)
);

-- audit_event_ids: every event id ever stored. A batch claims its new ids here first, in id
-- order, with ON CONFLICT DO NOTHING: two batches that send the same id at the same moment then
-- wait for each other on this unique index (in one order, so never in a deadlock), and the later
-- one sees the id as stored. Only then are the events inserted in parallel with other batches,
-- and the log lock is taken just for the append.
CREATE TABLE audit_event_ids (
    event_id uuid NOT NULL PRIMARY KEY
);

CREATE FUNCTION audit_log_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_event_ids_append_only
    BEFORE UPDATE OR DELETE ON audit_event_ids
    FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_event_ids_no_truncate
    BEFORE TRUNCATE ON audit_event_ids
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();

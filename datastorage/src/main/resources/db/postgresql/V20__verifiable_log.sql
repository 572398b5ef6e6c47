-- The verifiable log's own tables (docs/verifiable-log.md). audit_log holds the leaves; these hold
-- the Merkle tree built over them, the signed checkpoints and the signed retention records.
-- DataStorage only ever INSERTs and SELECTs here; the triggers stop honest code from changing a
-- row, and the signatures (made with a key the database never sees) expose dishonest changes.

-- Every complete subtree: the 2^level leaves from node_index << level. Level 0 is a copy of the
-- leaf hash as it was when the tree grew over it, so a later rewrite of audit_log can be located.
CREATE TABLE log_tree_node (
    level       SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 62),
    node_index  BIGINT   NOT NULL CHECK (node_index >= 0),
    hash        BYTEA    NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, node_index)
);

-- A signed checkpoint (C2SP signed-note text) per tree size and signing key.
CREATE TABLE log_checkpoint (
    tree_size     BIGINT NOT NULL CHECK (tree_size >= 0),
    key_id        TEXT   NOT NULL,
    root_hash     BYTEA  NOT NULL CHECK (octet_length(root_hash) = 32),
    note          TEXT   NOT NULL,
    published_at  BIGINT NOT NULL, -- microseconds since the epoch
    PRIMARY KEY (tree_size, key_id)
);

-- A signed note per month removed by retention: which month, how many log entries lost their events.
CREATE TABLE log_retention_record (
    month        TEXT   NOT NULL,
    key_id       TEXT   NOT NULL,
    entries      BIGINT NOT NULL CHECK (entries >= 0),
    note         TEXT   NOT NULL,
    recorded_at  BIGINT NOT NULL, -- microseconds since the epoch
    PRIMARY KEY (month, key_id)
);

CREATE FUNCTION log_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER log_tree_node_append_only BEFORE UPDATE OR DELETE ON log_tree_node
    FOR EACH ROW EXECUTE FUNCTION log_reject_change();
CREATE TRIGGER log_checkpoint_append_only BEFORE UPDATE OR DELETE ON log_checkpoint
    FOR EACH ROW EXECUTE FUNCTION log_reject_change();
CREATE TRIGGER log_retention_record_append_only BEFORE UPDATE OR DELETE ON log_retention_record
    FOR EACH ROW EXECUTE FUNCTION log_reject_change();

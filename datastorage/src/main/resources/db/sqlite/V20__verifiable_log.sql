-- The verifiable log's own tables, as in db/postgresql/V20__verifiable_log.sql; timestamps are
-- microseconds since the epoch, as in audit_events.

CREATE TABLE log_tree_node (
    level       INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62),
    node_index  INTEGER NOT NULL CHECK (node_index >= 0),
    hash        BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
) STRICT, WITHOUT ROWID;

CREATE TABLE log_checkpoint (
    tree_size     INTEGER NOT NULL CHECK (tree_size >= 0),
    key_id        TEXT    NOT NULL,
    root_hash     BLOB    NOT NULL CHECK (length(root_hash) = 32),
    note          TEXT    NOT NULL,
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (tree_size, key_id)
) STRICT;

CREATE TABLE log_retention_record (
    month        TEXT    NOT NULL,
    key_id       TEXT    NOT NULL,
    entries      INTEGER NOT NULL CHECK (entries >= 0),
    note         TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL,
    PRIMARY KEY (month, key_id)
) STRICT;

CREATE TRIGGER log_tree_node_no_update BEFORE UPDATE ON log_tree_node
BEGIN SELECT RAISE(ABORT, 'log_tree_node is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER log_tree_node_no_delete BEFORE DELETE ON log_tree_node
BEGIN SELECT RAISE(ABORT, 'log_tree_node is append-only: DELETE is not allowed'); END;
CREATE TRIGGER log_checkpoint_no_update BEFORE UPDATE ON log_checkpoint
BEGIN SELECT RAISE(ABORT, 'log_checkpoint is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER log_checkpoint_no_delete BEFORE DELETE ON log_checkpoint
BEGIN SELECT RAISE(ABORT, 'log_checkpoint is append-only: DELETE is not allowed'); END;
CREATE TRIGGER log_retention_record_no_update BEFORE UPDATE ON log_retention_record
BEGIN SELECT RAISE(ABORT, 'log_retention_record is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER log_retention_record_no_delete BEFORE DELETE ON log_retention_record
BEGIN SELECT RAISE(ABORT, 'log_retention_record is append-only: DELETE is not allowed'); END;

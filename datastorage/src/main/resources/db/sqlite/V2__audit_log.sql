-- audit_log: one row per stored event, in commit order (see db/postgresql/V2__audit_log.sql).
-- SQLite has one writer, so appending under the writer lock keeps log_index contiguous.
CREATE TABLE audit_log (
    log_index  INTEGER NOT NULL PRIMARY KEY CHECK (log_index >= 0),
    event_id   TEXT    NOT NULL UNIQUE,
    event_date TEXT    NOT NULL,
    leaf       BLOB    NOT NULL,
    leaf_hash  BLOB    NOT NULL CHECK (length(leaf_hash) = 32)
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;

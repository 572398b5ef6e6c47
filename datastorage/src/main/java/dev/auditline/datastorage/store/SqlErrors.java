package dev.auditline.datastorage.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import org.sqlite.SQLiteException;

/**
 * What a {@link SQLException} means for the request that caused it. Taking every error for "the
 * database is down" answered {@code 503} to a value the database refused, so a client retried a
 * request that can never succeed; taking every error for the client's fault would hide outages.
 * A pure function of the exception's SQLState (or SQLite result code), tested over both.
 */
final class SqlErrors {
    /** The meaning of one error, and so the answer. */
    enum Kind {
        /** A value of the request was refused (data exception, constraint): {@code 400}. */
        REQUEST,
        /** The database cannot be reached or has no resources now: {@code 503}. */
        UNAVAILABLE,
        /** The database is busy (locked, a conflicting transaction): {@code 503}, retry soon. */
        BUSY,
        /** A fault of the server itself (bad SQL, internal error): {@code 500}, logged. */
        INTERNAL
    }

    private SqlErrors() {}

    static Kind classify(SQLException e) {
        if (e instanceof SQLiteException sqlite) {
            return sqlite(sqlite.getResultCode().code & 0xff);
        }
        String state = e.getSQLState();
        if (state == null || state.length() != 5) {
            // a pool timeout (Hikari gives no state when no connection attempt failed) or a driver
            // that lost its connection without saying which way: the database, not the request
            return e instanceof SQLTransientConnectionException
                            || e instanceof SQLNonTransientConnectionException
                            || e instanceof SQLRecoverableException
                            || e instanceof SQLTimeoutException
                            || state == null
                    ? Kind.UNAVAILABLE
                    : Kind.INTERNAL;
        }
        return sqlState(state);
    }

    /** PostgreSQL's (and the SQL standard's) SQLState classes. */
    static Kind sqlState(String state) {
        switch (state) {
            case "57P01", "57P02", "57P03", "57014", "25006" -> {
                return Kind.UNAVAILABLE; // shut down, crashed, starting; statement timeout; read-only standby
            }
            case "55P03" -> {
                return Kind.BUSY; // lock not available
            }
            default -> {
                // by class below
            }
        }
        return switch (state.substring(0, 2)) {
            case "22", "23" -> Kind.REQUEST; // data exception, integrity constraint violation
            case "08", "53", "58" -> Kind.UNAVAILABLE; // connection, insufficient resources, system error
            case "40" -> Kind.BUSY; // serialization failure, deadlock: the same work succeeds on retry
            default -> Kind.INTERNAL; // syntax (42), internal (XX), and anything unexpected
        };
    }

    /** SQLite's primary result codes (the low byte of an extended code). */
    static Kind sqlite(int primary) {
        return switch (primary) {
            case 5, 6 -> Kind.BUSY; // SQLITE_BUSY, SQLITE_LOCKED
            case 18, 19, 20 -> Kind.REQUEST; // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH
                // PERM, ABORT, NOMEM, READONLY, INTERRUPT, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL,
                // NOLFS, AUTH, NOTADB: the file or the machine, not the request
            case 3, 4, 7, 8, 9, 10, 11, 13, 14, 15, 22, 23, 26 -> Kind.UNAVAILABLE;
            default -> Kind.INTERNAL; // SQLITE_ERROR (bad SQL), INTERNAL, SCHEMA, MISUSE, RANGE, …
        };
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.datastorage.store.SqlErrors.Kind;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

class SqlErrorsTest {

    @ParameterizedTest(name = "SQLState {0} is {1}")
    @CsvSource({
        "22008, REQUEST", // datetime field overflow
        "22003, REQUEST", // numeric value out of range
        "22P02, REQUEST", // invalid text representation
        "22021, REQUEST", // character not in repertoire
        "23505, REQUEST", // unique violation
        "23514, REQUEST", // check violation
        "08001, UNAVAILABLE", // cannot connect
        "08006, UNAVAILABLE", // connection failure
        "08003, UNAVAILABLE", // connection does not exist
        "57P01, UNAVAILABLE", // admin shutdown
        "57P02, UNAVAILABLE", // crash shutdown
        "57P03, UNAVAILABLE", // cannot connect now (starting up)
        "57014, UNAVAILABLE", // statement timeout
        "25006, UNAVAILABLE", // read-only transaction: a standby after failover
        "53300, UNAVAILABLE", // too many connections
        "53100, UNAVAILABLE", // disk full
        "58030, UNAVAILABLE", // I/O error
        "40001, BUSY", // serialization failure
        "40P01, BUSY", // deadlock
        "55P03, BUSY", // lock not available
        "42601, INTERNAL", // syntax error: our SQL
        "42P01, INTERNAL", // undefined table
        "XX000, INTERNAL", // internal error
        "0A000, INTERNAL", // feature not supported
    })
    void classifiesSqlStates(String state, Kind kind) {
        assertThat(SqlErrors.classify(new SQLException("x", state))).isEqualTo(kind);
    }

    @ParameterizedTest(name = "SQLite {0} is {1}")
    @CsvSource({
        "SQLITE_BUSY, BUSY",
        "SQLITE_BUSY_SNAPSHOT, BUSY",
        "SQLITE_LOCKED, BUSY",
        "SQLITE_LOCKED_SHAREDCACHE, BUSY",
        "SQLITE_TOOBIG, REQUEST",
        "SQLITE_MISMATCH, REQUEST",
        "SQLITE_CONSTRAINT_CHECK, REQUEST",
        "SQLITE_CANTOPEN, UNAVAILABLE",
        "SQLITE_IOERR_READ, UNAVAILABLE",
        "SQLITE_FULL, UNAVAILABLE",
        "SQLITE_CORRUPT, UNAVAILABLE",
        "SQLITE_NOTADB, UNAVAILABLE",
        "SQLITE_READONLY, UNAVAILABLE",
        "SQLITE_NOMEM, UNAVAILABLE",
        "SQLITE_ERROR, INTERNAL",
        "SQLITE_MISUSE, INTERNAL",
        "SQLITE_RANGE, INTERNAL",
    })
    void classifiesSqliteResultCodes(SQLiteErrorCode code, Kind kind) {
        assertThat(SqlErrors.classify(new SQLiteException("x", code))).isEqualTo(kind);
    }

    @org.junit.jupiter.api.Test
    void aPoolTimeoutWithoutStateIsAnOutage() {
        assertThat(SqlErrors.classify(new SQLTransientConnectionException("pool - Connection is not available")))
                .isEqualTo(Kind.UNAVAILABLE);
        assertThat(SqlErrors.classify(new SQLException("no state"))).isEqualTo(Kind.UNAVAILABLE);
        assertThat(SqlErrors.classify(new SQLException("odd state", "XYZ"))).isEqualTo(Kind.INTERNAL);
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.auditline.api.AuditEvent;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a batch reports when the connection dies under it: the error that ended it, not the rollback's. */
class PostgresBatchWriterErrorTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void aRollbackThatFailsTooIsKeptAsSuppressedByTheErrorThatEndedTheBatch() {
        AtomicInteger rollbacks = new AtomicInteger();
        Connection dead = (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "prepareStatement" -> throw new SQLException("terminating connection", "08006");
                        case "rollback" -> {
                            rollbacks.incrementAndGet();
                            throw new SQLException("This connection has been closed.", "08003");
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
        List<AuditEvent> batch = List.of(TestEvents.event("dead", NOW));

        Throwable thrown = catchThrowable(
                () -> PostgresBatchWriter.store(dead, batch, PostgresBatchWriter.clientLeaves(batch), null, NOW));

        assertThat(thrown).isInstanceOf(SQLException.class).hasMessage("terminating connection");
        assertThat(((SQLException) thrown).getSQLState()).isEqualTo("08006");
        assertThat(thrown.getSuppressed()).singleElement().satisfies(r -> assertThat(((SQLException) r).getSQLState())
                .isEqualTo("08003"));
        assertThat(rollbacks).hasValue(1);
    }

    /**
     * A deadlock that no newly stored id explains (the other transaction has not committed yet)
     * runs the batch again, at most {@link PostgresBatchWriter#DEADLOCK_RETRIES} times, then fails
     * with the deadlock ({@code 503}): bounded, never a loop.
     */
    @Test
    void aDeadlockThatNoStoredIdExplainsIsRetriedABoundedNumberOfTimes() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        Connection deadlocking = (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "prepareStatement" -> {
                            String sql = (String) args[0];
                            if (sql.contains("nextval")) { // the first statement of an attempt
                                attempts.incrementAndGet();
                                throw new SQLException("deadlock detected", "40P01");
                            }
                            reads.incrementAndGet(); // the read of stored leaves: none stored
                            return emptyQuery();
                        }
                        case "rollback" -> {
                            return null;
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
        List<AuditEvent> batch = List.of(TestEvents.event("deadlock", NOW));

        Throwable thrown = catchThrowable(() ->
                PostgresBatchWriter.store(deadlocking, batch, PostgresBatchWriter.clientLeaves(batch), null, NOW));

        assertThat(thrown).isInstanceOf(SQLException.class);
        assertThat(((SQLException) thrown).getSQLState()).isEqualTo("40P01");
        assertThat(attempts).hasValue(1 + PostgresBatchWriter.DEADLOCK_RETRIES);
        assertThat(reads).hasValue(1 + PostgresBatchWriter.DEADLOCK_RETRIES);
    }

    /** A statement whose query finds no row. */
    private static PreparedStatement emptyQuery() {
        ResultSet none = (ResultSet) Proxy.newProxyInstance(
                ResultSet.class.getClassLoader(),
                new Class<?>[] {ResultSet.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "next" -> false;
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (PreparedStatement) Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "setObject", "close" -> null;
                    case "executeQuery" -> none;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.auditline.api.AuditEvent;
import java.lang.reflect.Proxy;
import java.sql.Connection;
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
}

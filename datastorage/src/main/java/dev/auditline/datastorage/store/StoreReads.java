package dev.auditline.datastorage.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * How a repository reads: a connection from its read pool, one piece of SQL work, and every
 * {@link SQLException} turned into the {@link StorageUnavailableException} the HTTP layer answers
 * {@code 503} for, with the store named in the message. Both repositories read the same way; only
 * their SQL dialect and pools differ, so the open/run/translate step lives here once.
 */
final class StoreReads {
    /** One piece of work on a borrowed connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    private final String storeName;
    private final DataSource readers;
    private final BooleanSupplier closed;

    /**
     * @param storeName how messages name the store, e.g. {@code PostgreSQL store host:5432/audit}
     * @param closed whether the repository was closed (reads then fail at once)
     */
    StoreReads(String storeName, DataSource readers, BooleanSupplier closed) {
        this.storeName = storeName;
        this.readers = readers;
        this.closed = closed;
    }

    /** Runs {@code work} on a read connection; {@code what} completes "cannot …" in the error. */
    <T> T read(String what, SqlWork<T> work) {
        ensureOpen();
        try (Connection c = readers.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw unavailable(what, e);
        }
    }

    void ensureOpen() {
        if (closed.getAsBoolean()) {
            throw new StorageUnavailableException(storeName + " is closed", null);
        }
    }

    StorageUnavailableException unavailable(String what, SQLException e) {
        return new StorageUnavailableException(storeName + ": cannot " + what + ": " + e.getMessage(), e);
    }
}

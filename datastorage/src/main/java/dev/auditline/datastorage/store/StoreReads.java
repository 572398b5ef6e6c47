package dev.auditline.datastorage.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * How a repository reads: a connection from its read pool, one piece of SQL work, and every
 * {@link SQLException} translated by its meaning ({@link SqlErrors}): a refused value becomes
 * {@link StorageRejectedException} ({@code 400}), an unreachable or busy database
 * {@link StorageUnavailableException} ({@code 503}), anything else an {@link IllegalStateException}
 * ({@code 500}, a fault of ours). Both repositories read the same way; only their SQL dialect and
 * pools differ, so the open/run/translate step lives here once.
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
            throw translate(what, e);
        }
    }

    /** The exception that says what {@code e} means for the request; see {@link SqlErrors}. */
    RuntimeException translate(String what, SQLException e) {
        String message = storeName + ": cannot " + what + ": " + e.getMessage();
        return switch (SqlErrors.classify(e)) {
            case REQUEST -> new StorageRejectedException(message, e);
            case UNAVAILABLE -> new StorageUnavailableException(message, e);
            case BUSY -> new StorageUnavailableException(message, e, true);
            case INTERNAL -> new IllegalStateException(message + " (SQLState " + e.getSQLState() + ")", e);
        };
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

package dev.auditline.datastorage.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.auditline.api.AuditEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The baseline of the log's cost: DataStorage's own PostgreSQL batch insert ({@link
 * PostgresBatchWriter#insertWithoutLog}: the same sequence values and binary {@code COPY}, with the
 * same conversion of each event in the timed code) in one transaction per batch, without the
 * leaves, the log lock and the log append. It lives in the store's package (in
 * the benchmarks module only) so it runs the product's code instead of a copy of it.
 */
public final class UnloggedInserts implements AutoCloseable {
    private final HikariDataSource pool;

    /** A pool like the repository's: {@code poolSize} connections to {@code config}'s URL. */
    public UnloggedInserts(StorageConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("bench-unlogged");
        hikari.setJdbcUrl(config.url());
        if (config.username() != null) {
            hikari.setUsername(config.username());
        }
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        this.pool = new HikariDataSource(hikari);
    }

    /** Stores {@code events} (ids not stored before) in one transaction; returns how many were stored. */
    public int insert(List<AuditEvent> events, String ingestedBy) throws SQLException {
        Instant ingestedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                int stored = PostgresBatchWriter.insertWithoutLog(c, events, ingestedBy, ingestedAt);
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}

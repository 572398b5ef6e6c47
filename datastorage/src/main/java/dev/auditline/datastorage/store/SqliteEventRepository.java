package dev.auditline.datastorage.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.auditline.api.AuditEvent;
import dev.auditline.spool.internal.InsecureDirectoryException;
import dev.auditline.spool.internal.OwnerOnly;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The embedded store: one SQLite file in WAL mode, for a zero-setup start and small single-node
 * installs. Same columns and semantics as {@link PostgresEventRepository}.
 *
 * <p>SQLite allows one writer at a time, so every batch goes through a single writer connection
 * guarded by a lock (the batches that queue for it meanwhile are committed together); readers use a small pool and, thanks to WAL, never wait for the writer.
 * Commits are fsynced ({@code synchronous=FULL}) because an acknowledged event must survive a
 * power loss, not just a process crash.
 */
public final class SqliteEventRepository implements EventRepository, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(SqliteEventRepository.class);

    /** How long a statement waits for a lock held by another connection: {@value} ms. */
    static final int BUSY_TIMEOUT_MS = 5_000;
    /**
     * The writer connection's page cache: {@value} KiB (SQLite's default is 2,000 KiB). Each
     * ingested row lands on a random leaf page of the time-ordered indexes; with the default cache
     * most of those pages must be read back from the file for every batch.
     */
    static final int WRITER_CACHE_KIB = 65_536;

    /**
     * The WAL size, in pages, after which a commit copies the log back into the database file:
     * {@value} (SQLite's default is 1,000). A checkpoint writes each page once however often it
     * changed, and the ingest batch that triggers it waits for it under the writer lock.
     */
    static final int WAL_AUTOCHECKPOINT_PAGES = 10_000;

    static final EventSql.Dialect DIALECT = new EventSql.Dialect() {
        @Override
        public Object timestampParam(Instant instant) {
            return EventSql.epochMicros(instant);
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) throws SQLException {
            return EventSql.fromEpochMicros(rs.getLong(column));
        }

        @Override
        public Object uuidParam(UUID id) {
            return id.toString();
        }

        @Override
        public UUID uuid(ResultSet rs, String column) throws SQLException {
            return UUID.fromString(rs.getString(column));
        }
    };

    private final String location;
    private final HikariDataSource readers;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final StoreReads reads;
    private final SqliteBatchWriter writer;

    private SqliteEventRepository(String location, Clock clock, HikariDataSource readers, Connection writer) {
        this.location = location;
        this.readers = readers;
        this.reads = new StoreReads("SQLite store " + location, readers, closed::get);
        this.writer = new SqliteBatchWriter(location, clock, reads, writer);
    }

    /**
     * Opens (creating the file and its directory when missing) and migrates the store.
     *
     * @throws StorageUnavailableException when the file cannot be created, opened or migrated
     */
    public static SqliteEventRepository open(StorageConfig config, Clock clock) {
        if (config.kind() != StorageConfig.Kind.SQLITE) {
            throw new IllegalArgumentException("storage.url is not a SQLite URL (got " + config + ")");
        }
        String jdbcUrl = config.jdbcUrl();
        prepareFiles(jdbcUrl);

        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        sqlite.setBusyTimeout(BUSY_TIMEOUT_MS);
        sqlite.setWalAutocheckpoint(WAL_AUTOCHECKPOINT_PAGES);
        SQLiteDataSource files = new SQLiteDataSource(sqlite);
        files.setUrl(jdbcUrl);

        try {
            Flyway.configure()
                    .dataSource(files)
                    .locations("classpath:db/sqlite")
                    .failOnMissingLocations(true)
                    .javaMigrations(new V4__Log_existing_events(false))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            throw new StorageUnavailableException(
                    "SQLite store " + jdbcUrl + ": migration failed: " + e.getMessage(), e);
        }

        HikariConfig pool = new HikariConfig();
        pool.setPoolName("auditline-sqlite");
        pool.setDataSource(files);
        pool.setMaximumPoolSize(config.poolSize());
        pool.setConnectionTimeout(config.connectionTimeout().toMillis());
        HikariDataSource readers = new HikariDataSource(pool);
        Connection writer;
        try {
            writer = files.getConnection();
            try (Statement s = writer.createStatement()) {
                // negative: in KiB, whatever the page size
                s.execute("PRAGMA cache_size = -" + WRITER_CACHE_KIB);
            }
        } catch (SQLException e) {
            readers.close();
            throw new StorageUnavailableException("SQLite store " + jdbcUrl + ": cannot open the writer connection", e);
        }
        log.info(
                "SQLite store at {}: WAL, synchronous=FULL, wal_autocheckpoint={} pages, one writer"
                        + " (cache {} KiB), {} reader connections",
                jdbcUrl,
                WAL_AUTOCHECKPOINT_PAGES,
                WRITER_CACHE_KIB,
                config.poolSize());
        return new SqliteEventRepository(jdbcUrl, clock, readers, writer);
    }

    /**
     * Stores a batch in one transaction and appends the leaves of the events stored now to
     * {@code audit_log}, through the single writer ({@link SqliteBatchWriter}); batches that wait
     * for the writer at the same time share one transaction and one commit (group commit), each
     * with the outcome it would have alone.
     */
    @Override
    public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        return writer.insertBatch(events, ingestedBy);
    }

    /** The writer, for tests of its group commit. */
    SqliteBatchWriter writer() {
        return writer;
    }

    @Override
    public Optional<AuditEvent> findById(UUID eventId) {
        return reads.read("read event " + eventId, c -> {
            try (PreparedStatement ps = c.prepareStatement(AuditLogSql.FIND_BY_ID)) {
                ps.setString(1, eventId.toString());
                ps.setString(2, eventId.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(EventSql.readEvent(rs, DIALECT)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public long logSize() {
        return reads.read("read the log size", AuditLogSql::logSize);
    }

    @Override
    public List<LogLeaf> readLeaves(long fromInclusive, int max) {
        return reads.read(
                "read the log from " + fromInclusive, c -> AuditLogSql.readLeaves(c, fromInclusive, max, DIALECT));
    }

    @Override
    public List<LogEntry> readLog(long afterExclusive, int max) {
        return readLog(afterExclusive, max, Long.MAX_VALUE);
    }

    @Override
    public List<LogEntry> readLog(long afterExclusive, int max, long maxBytes) {
        return reads.read(
                "read the log after " + afterExclusive,
                c -> AuditLogSql.readLog(c, afterExclusive, max, maxBytes, DIALECT));
    }

    @Override
    public OptionalLong logIndexOf(UUID eventId) {
        return reads.read("read the log index of " + eventId, c -> AuditLogSql.logIndexOf(c, eventId, DIALECT));
    }

    @Override
    public EventPage query(EventQuery query) {
        return reads.read("query events", c -> EventSql.queryPage(c, query, DIALECT));
    }

    /** Deletes the events of the months that ended on or before {@code cutoff}, append-only triggers kept. */
    @Override
    public List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
        List<YearMonth> months = writer.deleteMonthsBefore(cutoff);
        if (!months.isEmpty()) {
            log.info("SQLite store {}: retention removed the events of {}", location, months);
        }
        return months;
    }

    @Override
    public boolean isReady() {
        if (closed.get()) {
            return false;
        }
        try (Connection c = readers.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM audit_events LIMIT 1")) {
            ps.executeQuery().close();
            return true;
        } catch (SQLException | RuntimeException e) {
            log.debug("SQLite store {} is not ready", location, e);
            return false;
        }
    }

    /**
     * Publishes the reader pool (writes use one dedicated connection)'s usage (HikariCP's {@code hikaricp.connections.*} meters, tagged
     * {@code pool=auditline-sqlite}). Call at most once.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        readers.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        writer.close();
        readers.close();
        log.info("SQLite store {} closed", location);
    }

    /**
     * Creates the directory (0700) and the database file (0600) before SQLite does: SQLite creates
     * its {@code -wal} and {@code -shm} files with the database file's mode, so all three are then the
     * owner's alone. Refuses a directory other users may write to: they could replace the database.
     */
    private static void prepareFiles(String jdbcUrl) {
        String path = jdbcUrl.substring("jdbc:sqlite:".length());
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.startsWith(":") || path.startsWith("file:") || path.isEmpty()) {
            return;
        }
        Path database = Path.of(path).toAbsolutePath();
        Path parent = database.getParent();
        try {
            OwnerOnly.createDirectories(parent);
            OwnerOnly.checkNotWritableByOthers(parent, "storage.url (the directory of the SQLite file)");
            OwnerOnly.createFileIfMissing(database);
        } catch (InsecureDirectoryException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageUnavailableException(
                    "SQLite store " + jdbcUrl + ": cannot create the directory " + parent + ": " + e, e);
        }
    }
}

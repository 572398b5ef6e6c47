package dev.auditline.datastorage.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteException;

/**
 * The embedded store: one SQLite file in WAL mode, for a zero-setup start and small single-node
 * installs. Same columns and semantics as {@link PostgresEventRepository}.
 *
 * <p>SQLite allows one writer at a time, so every batch goes through a single writer connection
 * guarded by a lock; readers use a small pool and, thanks to WAL, never wait for the writer.
 * Commits are fsynced ({@code synchronous=FULL}) because an acknowledged event must survive a
 * power loss, not just a process crash.
 */
public final class SqliteEventRepository implements EventRepository, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(SqliteEventRepository.class);

    /** How long a statement waits for a lock held by another connection: {@value} ms. */
    static final int BUSY_TIMEOUT_MS = 5_000;
    /** A batch transaction refused as busy is run again up to this many times in all: {@value}. */
    static final int MAX_BUSY_ATTEMPTS = 20;

    private static final int SQLITE_BUSY = 5;

    private static final String INSERT = "INSERT INTO audit_events (event_date, "
            + String.join(", ", EventSql.EVENT_COLUMNS)
            + ", ingested_at, ingested_by) VALUES (?, "
            + "?, ".repeat(EventSql.EVENT_COLUMNS.size())
            + "?, ?)";

    private static final String STORED_LEAVES =
            "SELECT event_id, leaf FROM audit_log WHERE event_id IN (SELECT value FROM json_each(?))";

    /** The rows the writer inserted last, newest first: ingest_seq is the rowid, assigned in order. */
    private static final String INSERTED_SEQS =
            "SELECT event_id, ingest_seq FROM audit_events ORDER BY ingest_seq DESC LIMIT ?";

    private static final String APPEND_LOG =
            "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash) VALUES (?, ?, ?, ?, ?)";

    /** As in db/sqlite/V1__audit_events.sql; retention recreates it after deleting. */
    private static final String CREATE_DELETE_TRIGGER = "CREATE TRIGGER audit_events_no_delete"
            + " BEFORE DELETE ON audit_events BEGIN"
            + " SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed'); END";

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
    private final Clock clock;
    private final HikariDataSource readers;
    private final Object writeLock = new Object();
    private final Connection writer; // guarded by writeLock
    private final AtomicBoolean closed = new AtomicBoolean();
    private final StoreReads reads;

    private SqliteEventRepository(String location, Clock clock, HikariDataSource readers, Connection writer) {
        this.location = location;
        this.clock = clock;
        this.readers = readers;
        this.writer = writer;
        this.reads = new StoreReads("SQLite store " + location, readers, closed::get);
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
            writer.setAutoCommit(false);
        } catch (SQLException e) {
            readers.close();
            throw new StorageUnavailableException("SQLite store " + jdbcUrl + ": cannot open the writer connection", e);
        }
        log.info(
                "SQLite store at {}: WAL, synchronous=FULL, one writer, {} reader connections",
                jdbcUrl,
                config.poolSize());
        return new SqliteEventRepository(jdbcUrl, clock, readers, writer);
    }

    /**
     * Stores a batch in one transaction and appends the leaves of the events stored now to
     * {@code audit_log}. SQLite has one writer, so the time spent inside {@code writeLock} bounds
     * the ingest rate: everything that does not need the connection (the event_date, the UUID and
     * timestamp values, the event_data JSON text) is rendered before taking the lock, and inside it
     * the rows go through a single {@code executeBatch} instead of one {@code INSERT … RETURNING}
     * query each. The single writer also makes the log's indexes follow commit order.
     */
    @Override
    public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        // Outside the lock: each row's bound values except ingested_at and ingested_by.
        Map<UUID, PreparedRow> rows = new HashMap<>();
        for (AuditEvent e : events) {
            rows.computeIfAbsent(
                    e.eventId(),
                    id -> new PreparedRow(
                            EventSql.eventDate(e.eventTimestamp()).toString(), EventSql.eventValues(e, DIALECT)));
        }
        List<UUID> ids = BatchPlan.distinctIds(events);
        Instant ingestedAt;
        synchronized (writeLock) {
            ensureOpen();
            // The clock is read under the lock, as before, so batches get ingested_at in the order they are stored.
            ingestedAt = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
            if (events.isEmpty()) {
                return new InsertResult(Set.of(), ingestedAt);
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    BatchPlan plan = BatchPlan.of(events, storedLeaves(ids));
                    Set<UUID> created = new HashSet<>();
                    if (!plan.toInsert().isEmpty()) {
                        insertEvents(plan.toInsert(), rows, ingestedBy, ingestedAt);
                        created = appendLeaves(plan.toInsert(), ingestedBy, ingestedAt);
                    }
                    writer.commit();
                    return new InsertResult(created, plan.conflicts(), ingestedAt);
                } catch (SQLException e) {
                    rollbackQuietly();
                    if (!isBusy(e) || attempt >= MAX_BUSY_ATTEMPTS) {
                        throw unavailable("store a batch of " + events.size() + " events", e);
                    }
                    pauseBeforeRetry(attempt);
                }
            }
        }
    }

    /**
     * Whether SQLite refused a write because another connection wrote first. The batch transaction
     * starts with a read (which ids the log holds) and then writes; when the verifiable log's tree
     * writer committed in between, SQLite answers {@code SQLITE_BUSY_SNAPSHOT} at once, without the
     * busy timeout, and the only remedy is to roll back and run the transaction again.
     */
    private static void pauseBeforeRetry(int attempt) {
        try {
            // a few milliseconds, growing: long enough for the other writer's short transaction to end
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 1L << Math.min(attempt + 1, 8)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isBusy(SQLException e) {
        return e instanceof SQLiteException se && (se.getResultCode().code & 0xff) == SQLITE_BUSY;
    }

    /** The log's leaf of each of {@code ids} it holds; on the writer connection, under its lock. */
    private Map<UUID, byte[]> storedLeaves(List<UUID> ids) throws SQLException {
        // one JSON array parameter instead of one parameter per id; UUID text needs no escaping
        StringBuilder array = new StringBuilder(ids.size() * 39 + 2).append('[');
        for (UUID id : ids) {
            array.append(array.length() > 1 ? ",\"" : "\"").append(id).append('"');
        }
        Map<UUID, byte[]> leaves = new HashMap<>();
        try (PreparedStatement ps = writer.prepareStatement(STORED_LEAVES)) {
            ps.setString(1, array.append(']').toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.put(UUID.fromString(rs.getString(1)), rs.getBytes(2));
                }
            }
        }
        return leaves;
    }

    private void insertEvents(
            List<AuditEvent> events, Map<UUID, PreparedRow> rows, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        long ingestedAtMicros = EventSql.epochMicros(ingestedAt);
        try (PreparedStatement ps = writer.prepareStatement(INSERT)) {
            for (AuditEvent e : events) {
                PreparedRow row = rows.get(e.eventId());
                ps.setString(1, row.eventDate());
                int i = 2;
                for (Object value : row.values()) {
                    ps.setObject(i++, value);
                }
                ps.setLong(i, ingestedAtMicros);
                ps.setString(i + 1, ingestedBy);
                ps.addBatch();
            }
            // No ON CONFLICT: the plan holds only ids the log does not know, so a conflict here
            // (an event stored without its leaf) fails the batch instead of hiding it.
            ps.executeBatch();
        }
    }

    /**
     * Appends the leaves of the events just inserted, in batch order, after the log's last index;
     * reads back their {@code ingest_seq} first, which the leaf covers.
     */
    private Set<UUID> appendLeaves(List<AuditEvent> inserted, String ingestedBy, Instant ingestedAt)
            throws SQLException {
        Map<UUID, Long> seqs = new HashMap<>();
        try (PreparedStatement ps = writer.prepareStatement(INSERTED_SEQS)) {
            ps.setInt(1, inserted.size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.put(UUID.fromString(rs.getString(1)), rs.getLong(2));
                }
            }
        }
        long next = AuditLogSql.logSize(writer);
        try (PreparedStatement ps = writer.prepareStatement(APPEND_LOG)) {
            for (AuditEvent e : inserted) {
                Long seq = seqs.get(e.eventId());
                if (seq == null) {
                    throw new SQLException("event " + e.eventId() + " was inserted but cannot be read back");
                }
                byte[] leaf = LeafEncoding.encode(e.withIngestion(ingestedAt, seq, ingestedBy));
                ps.setLong(1, next++);
                ps.setString(2, e.eventId().toString());
                ps.setString(3, EventSql.eventDate(e.eventTimestamp()).toString());
                ps.setBytes(4, leaf);
                ps.setBytes(5, LeafEncoding.leafHash(leaf));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return seqs.keySet();
    }

    /** One event's event_date and {@link EventSql#eventValues}, rendered before taking the writer lock. */
    private record PreparedRow(String eventDate, Object[] values) {}

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

    /**
     * Deletes the events of the months that ended on or before {@code cutoff}. The append-only
     * triggers are dropped and recreated inside the same transaction, so no other change can slip
     * through while they are away.
     */
    @Override
    public List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
        // The first day after the last whole month that ended on or before the cutoff.
        LocalDate keepFrom = YearMonth.from(cutoff).atDay(1);
        List<YearMonth> months = new ArrayList<>();
        synchronized (writeLock) {
            ensureOpen();
            try (Statement s = writer.createStatement();
                    PreparedStatement select = writer.prepareStatement("SELECT DISTINCT substr(event_date, 1, 7)"
                            + " FROM audit_events WHERE event_date < ? ORDER BY 1");
                    PreparedStatement delete =
                            writer.prepareStatement("DELETE FROM audit_events WHERE event_date < ?")) {
                select.setString(1, keepFrom.toString());
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        months.add(YearMonth.parse(rs.getString(1)));
                    }
                }
                if (!months.isEmpty()) {
                    s.execute("DROP TRIGGER audit_events_no_delete");
                    delete.setString(1, keepFrom.toString());
                    delete.executeUpdate();
                    s.execute(CREATE_DELETE_TRIGGER);
                }
                writer.commit();
            } catch (SQLException e) {
                rollbackQuietly();
                throw unavailable("delete the events before " + keepFrom, e);
            }
        }
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
        synchronized (writeLock) {
            try {
                writer.close();
            } catch (SQLException e) {
                log.warn("SQLite store {}: closing the writer connection failed", location, e);
            }
        }
        readers.close();
        log.info("SQLite store {} closed", location);
    }

    private void ensureOpen() {
        reads.ensureOpen();
    }

    private void rollbackQuietly() {
        try {
            writer.rollback();
        } catch (SQLException e) {
            log.warn("SQLite store {}: rollback failed", location, e);
        }
    }

    private StorageUnavailableException unavailable(String what, SQLException e) {
        return reads.unavailable(what, e);
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

package dev.auditline.datastorage.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production store: PostgreSQL, table {@code audit_events} range-partitioned by month (see
 * {@code db/postgresql/V1__audit_events.sql}), append-only.
 *
 * <p>A batch is one {@code INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING
 * event_id} in autocommit mode: one statement, one round trip, atomic on its own, and the returned
 * ids are exactly the new events. {@code unnest} was chosen over a multi-row {@code VALUES} list and
 * over {@code COPY} into a staging table by measurement (docs/storage.md): it is as fast as the
 * fastest, and its 26 parameters do not grow with the batch, so no batch size ever hits the
 * protocol's 65535-parameter limit.
 *
 * <p>Monthly partitions ({@link PostgresPartitions}) are created at start-up and then daily, for
 * the current month and {@code partitions_ahead} more; events outside them land in the default
 * partition, never fail. Migrations run as the owner role when one is configured; the pool's
 * runtime role then may only INSERT and SELECT (docs/storage.md).
 * Every database error, including an unreachable server or an exhausted pool after
 * {@code connection_timeout}, surfaces as {@link StorageUnavailableException}; the pool replaces
 * broken connections by itself, so the store recovers without a restart once the server is back.
 */
public final class PostgresEventRepository implements EventRepository, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(PostgresEventRepository.class);

    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

    /** A role name the migrations may grant to unquoted (PostgreSQL's unquoted identifier rules). */
    private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_$]{0,62}");

    private static final String INSERT = buildInsert();

    /** Serializes appends to audit_log, so log indexes follow commit order. */
    static final long LOG_LOCK_KEY = 0x6175646974_6c6f67L;

    /** PostgreSQL's uuid order: the 16 bytes unsigned, as the canonical text sorts. */
    private static final Comparator<UUID> PG_UUID_ORDER = Comparator.comparing(UUID::toString);

    private static final String CLAIM_IDS = "INSERT INTO audit_event_ids (event_id)"
            + " SELECT u.id FROM unnest(?::uuid[]) WITH ORDINALITY AS u(id, ord) ORDER BY u.ord"
            + " ON CONFLICT DO NOTHING RETURNING event_id";

    private static final String STORED_LEAVES = "SELECT event_id, leaf FROM audit_log WHERE event_id = ANY(?)";

    private static final String APPEND_LOG = "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash)"
            + " SELECT (SELECT coalesce(max(log_index) + 1, 0) FROM audit_log) + u.ord - 1,"
            + " u.event_id, u.event_date, u.leaf, u.leaf_hash"
            + " FROM unnest(?::uuid[], ?::text[]::date[], ?::bytea[], ?::bytea[])"
            + " WITH ORDINALITY AS u(event_id, event_date, leaf, leaf_hash, ord)";

    static final EventSql.Dialect DIALECT = new EventSql.Dialect() {
        @Override
        public Object timestampParam(Instant instant) {
            return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) throws SQLException {
            return rs.getObject(column, OffsetDateTime.class).toInstant();
        }

        @Override
        public Object uuidParam(UUID id) {
            return id;
        }

        @Override
        public UUID uuid(ResultSet rs, String column) throws SQLException {
            return rs.getObject(column, UUID.class);
        }
    };

    private final HikariDataSource pool;
    private final Clock clock;
    private final String location;
    private final PostgresPartitions partitions;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresEventRepository(HikariDataSource pool, Clock clock, int partitionsAhead, String location) {
        this.pool = pool;
        this.clock = clock;
        this.location = location;
        this.partitions = new PostgresPartitions(pool, clock, partitionsAhead, location);
    }

    /**
     * Connects, migrates, creates the partitions due now and starts the daily partition task.
     *
     * @throws StorageUnavailableException when the server cannot be reached or migrated
     */
    public static PostgresEventRepository open(StorageConfig config, Clock clock) {
        if (config.kind() != StorageConfig.Kind.POSTGRESQL) {
            throw new IllegalArgumentException("storage.url is not a PostgreSQL URL (got " + config + ")");
        }
        String location = StorageConfig.maskUrl(config.url());
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("auditline-postgresql");
        hikari.setJdbcUrl(config.url());
        if (config.username() != null) {
            hikari.setUsername(config.username());
        }
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setConnectionTimeout(config.connectionTimeout().toMillis());
        // Hikari's floor is 250 ms, and validating must fit in the caller's wait.
        hikari.setValidationTimeout(
                Math.max(250, Math.min(1_000, config.connectionTimeout().toMillis() / 2)));
        // A connection attempt to a dead host must not outlive the caller's wait for a connection.
        hikari.addDataSourceProperty(
                "connectTimeout", Math.max(1, config.connectionTimeout().toSeconds()));
        hikari.addDataSourceProperty("tcpKeepAlive", true);
        // Last resort against a silently dropped connection: no legitimate statement of ours runs
        // this long, and without it a read would wait for the kernel's TCP timeout (minutes).
        hikari.addDataSourceProperty("socketTimeout", SOCKET_TIMEOUT.toSeconds());
        hikari.addDataSourceProperty("ApplicationName", "auditline-datastorage");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hikari);
        } catch (HikariPool.PoolInitializationException e) {
            throw new StorageUnavailableException(
                    "PostgreSQL store " + location + ": cannot connect: " + rootMessage(e), e);
        }
        try {
            migrate(config, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw new StorageUnavailableException(
                    "PostgreSQL store " + location + ": migration failed: " + rootMessage(e), e);
        }
        PostgresEventRepository repository =
                new PostgresEventRepository(pool, clock, config.partitionsAhead(), location);
        // The schema is migrated, so the store works even when this fails: events outside the
        // existing partitions land in the default one until the daily task succeeds.
        repository.partitions.start();
        log.info(
                "PostgreSQL store at {} (user {}, migrations as {}): pool_size={}, connection_timeout={}ms,"
                        + " partitions_ahead={}",
                location,
                config.username() == null ? "from URL" : config.username(),
                config.ownerUsername() == null ? "the same user" : config.ownerUsername(),
                config.poolSize(),
                config.connectionTimeout().toMillis(),
                config.partitionsAhead());
        return repository;
    }

    /**
     * Runs the migrations: as the owner ({@code storage.owner_credentials_file}) when one is
     * configured, else with the pool's (single-role) credentials. Every run ends with the
     * {@code afterMigrate} callback granting the runtime role its INSERT and SELECT rights.
     */
    private static void migrate(StorageConfig config, DataSource pool) {
        FluentConfiguration flyway = Flyway.configure()
                .locations("classpath:db/postgresql")
                .failOnMissingLocations(true)
                .javaMigrations(new V4__Log_existing_events(true))
                .placeholders(Map.of("runtime_role", runtimeRole(config)));
        if (config.ownerUsername() != null) {
            flyway.dataSource(config.jdbcUrl(), config.ownerUsername(), config.ownerPassword());
        } else {
            flyway.dataSource(pool);
        }
        flyway.load().migrate();
    }

    /** The runtime role to grant to: the storage user, or CURRENT_USER when the URL names it. */
    static String runtimeRole(StorageConfig config) {
        if (config.username() == null) {
            if (config.ownerUsername() != null) {
                throw new IllegalArgumentException("storage.credentials_file must name the runtime user when"
                        + " storage.owner_credentials_file is set");
            }
            return "CURRENT_USER";
        }
        if (!ROLE_NAME.matcher(config.username()).matches()) {
            throw new IllegalArgumentException(
                    "storage username must be a plain PostgreSQL role name ([a-z_][a-z0-9_$]*,"
                            + " at most 63 characters) (got \"" + config.username() + "\")");
        }
        return config.username();
    }

    /**
     * Stores a batch in one transaction: claims the batch's ids in {@code audit_event_ids} (in id
     * order; a batch that sends an id another uncommitted batch has claimed waits for it there),
     * looks up the log's leaves of the ids claimed before, inserts the events the {@link BatchPlan}
     * keeps (one {@code unnest} statement, in parallel with other batches), then takes {@link
     * #LOG_LOCK_KEY} and appends their leaves after the log's last index. The lock is held only
     * from the append to the commit, so log indexes follow commit order without a gap.
     */
    @Override
    public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        ensureOpen();
        Instant ingestedAt = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
        if (events.isEmpty()) {
            return new InsertResult(Set.of(), ingestedAt);
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                InsertResult result = insertInTransaction(c, events, ingestedBy, ingestedAt);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw unavailable("store a batch of " + events.size() + " events", e);
        }
    }

    private InsertResult insertInTransaction(
            Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt) throws SQLException {
        List<UUID> ids = BatchPlan.distinctIds(events);
        Set<UUID> claimed = claim(c, ids);
        List<UUID> known = ids.stream().filter(id -> !claimed.contains(id)).toList();
        BatchPlan plan = BatchPlan.of(events, known.isEmpty() ? Map.of() : storedLeaves(c, known));
        List<AuditEvent> toInsert = plan.toInsert();
        if (toInsert.isEmpty()) {
            return new InsertResult(Set.of(), plan.conflicts(), ingestedAt);
        }
        Map<UUID, Long> seqs = insertEvents(c, toInsert, ingestedBy, ingestedAt);
        if (seqs.size() != toInsert.size() || !claimed.containsAll(seqs.keySet())) {
            // an event row without its claim: written around this class, not by a batch
            throw new SQLException("audit_events holds an event that audit_event_ids does not: "
                    + toInsert.stream()
                            .map(AuditEvent::eventId)
                            .filter(id -> !seqs.containsKey(id))
                            .findFirst()
                            .orElse(null));
        }
        lockLog(c);
        int n = toInsert.size();
        UUID[] logIds = new UUID[n];
        String[] dates = new String[n];
        byte[][] leaves = new byte[n][];
        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            AuditEvent e = toInsert.get(i);
            byte[] leaf = LeafEncoding.encode(e.withIngestion(ingestedAt, seqs.get(e.eventId()), ingestedBy));
            logIds[i] = e.eventId();
            dates[i] = EventSql.eventDate(e.eventTimestamp()).toString();
            leaves[i] = leaf;
            hashes[i] = LeafEncoding.leafHash(leaf);
        }
        try (PreparedStatement ps = c.prepareStatement(APPEND_LOG)) {
            ps.setArray(1, c.createArrayOf("uuid", logIds));
            ps.setObject(2, dates);
            ps.setArray(3, c.createArrayOf("bytea", leaves));
            ps.setArray(4, c.createArrayOf("bytea", hashes));
            ps.executeUpdate();
        }
        return new InsertResult(seqs.keySet(), plan.conflicts(), ingestedAt);
    }

    /**
     * Claims the ids no committed batch has stored; returns those claimed now. Ids go in order, so
     * two batches waiting for each other's claims always wait in the same direction.
     */
    private static Set<UUID> claim(Connection c, List<UUID> ids) throws SQLException {
        UUID[] sorted = ids.toArray(new UUID[0]);
        Arrays.sort(sorted, PG_UUID_ORDER);
        Set<UUID> claimed = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(CLAIM_IDS)) {
            ps.setArray(1, c.createArrayOf("uuid", sorted));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return claimed;
    }

    private static void lockLog(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + LOG_LOCK_KEY + ")");
        }
    }

    /** The log's leaf of each of {@code ids} it holds. */
    private static Map<UUID, byte[]> storedLeaves(Connection c, List<UUID> ids) throws SQLException {
        Map<UUID, byte[]> leaves = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(STORED_LEAVES)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.put(rs.getObject(1, UUID.class), rs.getBytes(2));
                }
            }
        }
        return leaves;
    }

    /** Inserts the events (their ids claimed by this transaction); returns each one's {@code ingest_seq}. */
    private static Map<UUID, Long> insertEvents(
            Connection c, List<AuditEvent> events, String ingestedBy, Instant ingestedAt) throws SQLException {
        int columns = EventSql.EVENT_COLUMNS.size();
        int n = events.size();
        String[] dates = new String[n];
        String[][] values = new String[columns][n];
        for (int row = 0; row < n; row++) {
            AuditEvent e = events.get(row);
            dates[row] = EventSql.eventDate(e.eventTimestamp()).toString();
            Object[] v = EventSql.eventValues(e, TEXT_DIALECT);
            for (int col = 0; col < columns; col++) {
                values[col][row] = v[col] == null ? null : v[col].toString();
            }
        }
        Map<UUID, Long> seqs = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setObject(1, OffsetDateTime.ofInstant(ingestedAt, ZoneOffset.UTC));
            ps.setString(2, ingestedBy);
            // setObject(String[]) lets pgjdbc send text[] in binary; createArrayOf builds an escaped
            // array literal the server has to parse again, measurably slower for 1 KB event_data.
            ps.setObject(3, dates);
            for (int col = 0; col < columns; col++) {
                ps.setObject(4 + col, values[col]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.put(rs.getObject(1, UUID.class), rs.getLong(2));
                }
            }
        }
        return seqs;
    }

    @Override
    public Optional<AuditEvent> findById(UUID eventId) {
        ensureOpen();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(AuditLogSql.FIND_BY_ID)) {
            ps.setObject(1, eventId);
            ps.setObject(2, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(EventSql.readEvent(rs, DIALECT)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw unavailable("read event " + eventId, e);
        }
    }

    @Override
    public long logSize() {
        ensureOpen();
        try (Connection c = pool.getConnection()) {
            return AuditLogSql.logSize(c);
        } catch (SQLException e) {
            throw unavailable("read the log size", e);
        }
    }

    @Override
    public List<LogLeaf> readLeaves(long fromInclusive, int max) {
        ensureOpen();
        try (Connection c = pool.getConnection()) {
            return AuditLogSql.readLeaves(c, fromInclusive, max, DIALECT);
        } catch (SQLException e) {
            throw unavailable("read the log from " + fromInclusive, e);
        }
    }

    @Override
    public List<LogEntry> readLog(long afterExclusive, int max) {
        ensureOpen();
        try (Connection c = pool.getConnection()) {
            return AuditLogSql.readLog(c, afterExclusive, max, DIALECT);
        } catch (SQLException e) {
            throw unavailable("read the log after " + afterExclusive, e);
        }
    }

    @Override
    public OptionalLong logIndexOf(UUID eventId) {
        ensureOpen();
        try (Connection c = pool.getConnection()) {
            return AuditLogSql.logIndexOf(c, eventId, DIALECT);
        } catch (SQLException e) {
            throw unavailable("read the log index of " + eventId, e);
        }
    }

    @Override
    public EventPage query(EventQuery query) {
        ensureOpen();
        try (Connection c = pool.getConnection()) {
            return EventSql.queryPage(c, query, DIALECT);
        } catch (SQLException e) {
            throw unavailable("query events", e);
        }
    }

    @Override
    public boolean isReady() {
        if (closed.get()) {
            return false;
        }
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement()) {
            s.setQueryTimeout(2);
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('audit_events') IS NOT NULL")) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("PostgreSQL store {} is not ready: {}", location, e.toString());
            return false;
        }
    }

    /** Creates the partitions due now; see {@link PostgresPartitions#createAhead()}. */
    List<YearMonth> createPartitionsAhead() {
        ensureOpen();
        return partitions.createAhead();
    }

    /**
     * Publishes the pool's usage (HikariCP's {@code hikaricp.connections.*} meters, tagged
     * {@code pool=auditline-postgresql}). Call at most once.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
    }

    /**
     * Retention: drops the partition of every month that ended on or before {@code cutoff}; the
     * default partition is never dropped, and {@code audit_log} keeps the leaves.
     */
    @Override
    public List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
        ensureOpen();
        return partitions.dropMonthsBefore(cutoff);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        partitions.close();
        pool.close();
        log.info("PostgreSQL store {} closed", location);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new StorageUnavailableException("PostgreSQL store " + location + " is closed", null);
        }
    }

    private StorageUnavailableException unavailable(String what, SQLException e) {
        return new StorageUnavailableException(
                "PostgreSQL store " + location + ": cannot " + what + ": " + e.getMessage(), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }

    /** Every column as the text PostgreSQL casts from: the arrays of the unnest insert are text[]. */
    private static final EventSql.Dialect TEXT_DIALECT = new EventSql.Dialect() {
        @Override
        public Object timestampParam(Instant instant) {
            return instant.toString();
        }

        @Override
        public Instant timestamp(ResultSet rs, String column) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object uuidParam(UUID id) {
            return id.toString();
        }

        @Override
        public UUID uuid(ResultSet rs, String column) {
            throw new UnsupportedOperationException();
        }
    };

    private static String buildInsert() {
        List<String> columns = EventSql.EVENT_COLUMNS;
        StringBuilder sql = new StringBuilder("INSERT INTO audit_events (event_date, ")
                .append(String.join(", ", columns))
                .append(", ingested_at, ingested_by) SELECT u.event_date, ");
        for (String column : columns) {
            sql.append("u.").append(column).append(", ");
        }
        sql.append("?::timestamptz, ?::text FROM unnest(?::text[]::date[]");
        for (String column : columns) {
            String type = sqlType(column);
            sql.append(", ?::text[]").append(type.equals("text") ? "" : "::" + type + "[]");
        }
        sql.append(") AS u(event_date, ")
                .append(String.join(", ", columns))
                .append(") ON CONFLICT DO NOTHING RETURNING event_id, ingest_seq");
        return sql.toString();
    }

    private static String sqlType(String column) {
        return switch (column) {
            case "event_id", "parent_event_id" -> "uuid";
            case "event_timestamp" -> "timestamptz";
            case "event_data" -> "jsonb";
            case "duration_ms" -> "bigint";
            default -> "text";
        };
    }
}

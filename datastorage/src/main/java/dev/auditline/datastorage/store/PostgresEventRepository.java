package dev.auditline.datastorage.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.internal.Secrets;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production store: PostgreSQL, table {@code audit_events} range-partitioned by month (see
 * {@code db/postgresql/V1__audit_events.sql}), append-only.
 *
 * <p>A batch is one transaction ({@link PostgresBatchWriter}): its new events are written with
 * one binary {@code COPY}, and their leaves appended to the log ({@code
 * audit_log}, whose unique {@code event_id} keeps ids unique across partitions) at the next
 * contiguous indexes.
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
    private final StoreReads reads;

    private PostgresEventRepository(HikariDataSource pool, Clock clock, int partitionsAhead, String location) {
        this.pool = pool;
        this.clock = clock;
        this.location = location;
        this.partitions = new PostgresPartitions(pool, clock, partitionsAhead, location);
        this.reads = new StoreReads("PostgreSQL store " + location, pool, closed::get);
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
            migrate(config);
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
    private static void migrate(StorageConfig config) {
        FluentConfiguration flyway = Flyway.configure()
                .locations("classpath:db/postgresql")
                .failOnMissingLocations(true)
                .javaMigrations(new V4__Log_existing_events(true))
                .placeholders(Map.of("runtime_role", runtimeRole(config)));
        // Flyway opens connections of its own rather than borrowing from the pool: it holds
        // several at once (the migration, its lock, the callbacks), so a pool of 1 or 2 could not
        // migrate and DataStorage would not start at storage.pool_size below 3.
        if (config.ownerUsername() != null) {
            flyway.dataSource(config.jdbcUrl(), config.ownerUsername(), config.ownerPassword());
        } else {
            flyway.dataSource(config.jdbcUrl(), config.username(), config.password());
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
     * Stores a batch in one transaction ({@link PostgresBatchWriter#store}): inserts the events the
     * {@link BatchPlan} keeps (one binary {@code COPY}, in parallel with other batches), then
     * takes the log lock and appends their leaves after the log's last index. The lock is held only
     * from the append to the commit, so log indexes follow commit order without a gap. A batch
     * that meets an id another batch stored runs again knowing the stored ids.
     */
    @Override
    public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        ensureOpen();
        Instant ingestedAt = Instant.now(clock).truncatedTo(ChronoUnit.MICROS);
        if (events.isEmpty()) {
            return new InsertResult(Set.of(), ingestedAt);
        }
        // hashed before taking a connection: the pool's connections wait for nothing but SQL
        Map<AuditEvent, byte[]> clientLeaves = PostgresBatchWriter.clientLeaves(events);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                return PostgresBatchWriter.store(c, events, clientLeaves, ingestedBy, ingestedAt);
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // by its meaning, as reads are: a refused value is not an outage (which would spool)
            throw reads.translate("store a batch of " + events.size() + " events", e);
        }
    }

    @Override
    public Optional<AuditEvent> findById(UUID eventId) {
        return reads.read("read event " + eventId, c -> {
            try (PreparedStatement ps = c.prepareStatement(AuditLogSql.FIND_BY_ID)) {
                ps.setObject(1, eventId);
                ps.setObject(2, eventId);
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
        return reads.read("read the log after " + afterExclusive, c -> {
            c.setAutoCommit(false); // fetch FETCH_SIZE rows at a time, as in query()
            try {
                return AuditLogSql.readLog(c, afterExclusive, max, maxBytes, DIALECT);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        });
    }

    @Override
    public OptionalLong logIndexOf(UUID eventId) {
        return reads.read("read the log index of " + eventId, c -> AuditLogSql.logIndexOf(c, eventId, DIALECT));
    }

    @Override
    public EventPage query(EventQuery query) {
        return reads.read("query events", c -> {
            // pgjdbc reads a whole result into memory unless it runs inside a transaction; in one it
            // fetches FETCH_SIZE rows at a time, so a page cut by bytes stops after a few rows.
            c.setAutoCommit(false);
            try {
                return EventSql.queryPage(c, query, DIALECT);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        });
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
        reads.ensureOpen();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        // drivers and pools may quote the URL: masked like everything DataStorage prints
        return Secrets.mask(t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")");
    }
}

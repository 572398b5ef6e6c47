package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.bench.IngestLoadRun.Side;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * SQLite for an {@link IngestLoadRun}: DataStorage at its defaults (but {@code storage.pool_size}
 * {@code --pool-size}) on a file in a temporary directory, deleted at {@link #close()}, against
 * plain batched JDBC. SQLite allows one writer at a time: DataStorage serializes its batches through
 * one writer connection, and so does the baseline (the senders share one connection under a lock),
 * with the same pragmas (WAL, {@code synchronous=FULL}).
 */
final class SqliteIngestTarget implements IngestTarget {
    private final Path dir;
    private final DataStorage server;
    private final EventRepository repository;
    private final Connection writer;
    /** Guards {@link #writer}: the baseline's senders take turns, as SQLite's one writer requires. */
    private final Object writeLock = new Object();

    private final String insert = IngestEvents.insertSql("?");

    SqliteIngestTarget(IngestLoadRun.Options o) throws IOException, SQLException {
        this.dir = Files.createTempDirectory("auditline-bench-sqlite");
        Path file = dir.resolve("audit.db");
        DataStorageConfig config = DataStorageConfig.defaults()
                .withServer(ServerConfig.DEFAULT.withPort(0))
                .withStorage(StorageSettings.DEFAULT.withUrl("sqlite:" + file).withPoolSize(o.poolSize()));
        this.server = DataStorage.start(config, Clock.systemUTC());
        this.repository = EventRepositories.open(config.storage().toStorageConfig(), Clock.systemUTC());
        // the same pragmas as SqliteEventRepository: WAL, fsync on every commit
        SQLiteConfig pragmas = new SQLiteConfig();
        pragmas.setJournalMode(SQLiteConfig.JournalMode.WAL);
        pragmas.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        pragmas.setBusyTimeout(5_000);
        SQLiteDataSource files = new SQLiteDataSource(pragmas);
        files.setUrl("jdbc:sqlite:" + file);
        this.writer = files.getConnection();
        writer.setAutoCommit(false);
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public DataStorage server() {
        return server;
    }

    @Override
    public EventRepository repository() {
        return repository;
    }

    @Override
    public Function<AuditEvent, Object[]> rowOf() {
        return IngestEvents::sqliteRow;
    }

    @Override
    public List<Side> sides() {
        return List.of(Side.JDBC, Side.HTTP, Side.REPOSITORY);
    }

    @Override
    public void insertBaseline(Side side, List<Object[]> rows) throws SQLException {
        long ingestedAt = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        synchronized (writeLock) {
            try (PreparedStatement ps = writer.prepareStatement(insert)) {
                bindAll(ps, rows, ingestedAt);
                ps.executeBatch();
                writer.commit();
            }
        }
    }

    @Override
    public int insertUnlogged(List<AuditEvent> events) {
        throw new UnsupportedOperationException("UNLOGGED is a PostgreSQL side");
    }

    @Override
    public long countRows() throws SQLException {
        synchronized (writeLock) {
            try (Statement s = writer.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_events")) {
                rs.next();
                long n = rs.getLong(1);
                writer.commit();
                return n;
            }
        }
    }

    @Override
    public long postmasterPid() {
        return -1;
    }

    @Override
    public void close() throws IOException, SQLException {
        server.close();
        repository.close();
        synchronized (writeLock) {
            writer.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void bindAll(PreparedStatement ps, List<Object[]> rows, Object ingestedAt) throws SQLException {
        for (Object[] row : rows) {
            int i = 1;
            for (Object value : row) {
                ps.setObject(i++, value);
            }
            ps.setObject(i++, ingestedAt);
            ps.setString(i, IngestLoadRun.INGESTED_BY);
            ps.addBatch();
        }
    }
}

package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.bench.IngestLoadRun.Side;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.UnloggedInserts;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/**
 * PostgreSQL for an {@link IngestLoadRun}: DataStorage at its defaults in schema {@value
 * IngestLoadRun#SCHEMA} (dropped and created at the start, dropped at {@link #close()}), against the
 * three raw writers of {@link PostgresBaselines}.
 */
final class PostgresIngestTarget implements IngestTarget {
    private final BenchPostgres pg;
    private final DataStorage server;
    private final EventRepository repository;
    private final PostgresBaselines baselines;
    private final UnloggedInserts unlogged;
    private final long postmaster;

    PostgresIngestTarget(BenchPostgres pg, IngestLoadRun.Options o) throws SQLException {
        this.pg = pg;
        pg.recreateSchema(IngestLoadRun.SCHEMA);
        // DataStorage at its defaults (storage.pool_size 10 included); the baselines get a pool of
        // --pool-size, as many connections as senders by default, which is all they can use.
        int serverPool = StorageSettings.DEFAULT.poolSize();
        this.server = DataStorage.start(pg.dataStorage(IngestLoadRun.SCHEMA, serverPool), Clock.systemUTC());
        this.repository = EventRepositories.open(pg.storage(IngestLoadRun.SCHEMA, serverPool), Clock.systemUTC());
        this.baselines = new PostgresBaselines(pg, IngestLoadRun.SCHEMA, o.poolSize());
        // the same pool size as the repository's, so UNLOGGED differs from REPOSITORY only in the log
        this.unlogged = new UnloggedInserts(pg.storage(IngestLoadRun.SCHEMA, serverPool));
        this.postmaster = pg.postmasterPid();
    }

    @Override
    public String name() {
        return "postgresql";
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
        return IngestEvents::postgresRow;
    }

    @Override
    public List<Side> sides() {
        return List.of(Side.REWRITE, Side.HTTP, Side.UNNEST, Side.REPOSITORY, Side.UNLOGGED, Side.COPY);
    }

    @Override
    public void insertBaseline(Side side, List<Object[]> rows) throws SQLException {
        baselines.insert(PostgresBaselines.Method.valueOf(side.name()), rows);
    }

    @Override
    public int insertUnlogged(List<AuditEvent> events) throws SQLException {
        return unlogged.insert(events, IngestLoadRun.INGESTED_BY);
    }

    @Override
    public long countRows() throws SQLException {
        try (Connection c = pg.connect(IngestLoadRun.SCHEMA);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public long postmasterPid() {
        return postmaster;
    }

    @Override
    public void close() throws SQLException {
        server.close();
        repository.close();
        baselines.close();
        unlogged.close();
        try (Connection c = pg.connect("public");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + IngestLoadRun.SCHEMA + " CASCADE");
        }
    }
}

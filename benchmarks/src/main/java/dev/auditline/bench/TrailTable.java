package dev.auditline.bench;

import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The big table of the trail query run: {@code rows} events in schema {@value #SCHEMA}, made by
 * DataStorage's own migration and then filled straight in SQL ({@code INSERT … SELECT FROM
 * generate_series}), because ten million events through HTTP would take the better part of an
 * hour on a small machine and measure nothing this run is about.
 *
 * <p>The shape is a production trail's: {@code rows / eventsPerTrail} correlation ids ({@code
 * rr-0000042}), each a flow of {@code eventsPerTrail} events some 20 s apart, the flows' start
 * times spread evenly over the last {@code months} months, so every monthly partition holds data.
 * Rows are generated step-major (all flows' first events, then all second events, …), so a trail's
 * rows lie scattered over the heap as interleaved flows are in a real table, not packed into one
 * page. The indexes and the primary key are dropped for the load and rebuilt from their own
 * definitions afterwards (much faster than maintaining seven B-trees row by row), then the table is
 * vacuumed and analyzed. A marker table remembers what was loaded, so a rerun with the same
 * parameters reuses it.
 */
final class TrailTable {
    static final String SCHEMA = "bench_trail";
    private static final String MARKER = "bench_trail_loaded";
    private static final int CHUNK_ROWS = 500_000;
    private static final DateTimeFormatter PARTITION_SUFFIX = DateTimeFormatter.ofPattern("yyyy_MM");
    private static final String[] STEPS = {
        "requested",
        "approved",
        "planned",
        "started",
        "validated",
        "applied",
        "verified",
        "completed",
        "notified",
        "closed"
    };

    /** What was (or is to be) loaded; equal specs mean the table can be reused. */
    record Spec(long rows, int eventsPerTrail, int months, int eventDataBytes) {
        long trails() {
            return rows / eventsPerTrail;
        }

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "%,d rows = %,d correlation ids x %d events over %d months, event_data ~%d bytes",
                    rows,
                    trails(),
                    eventsPerTrail,
                    months,
                    eventDataBytes);
        }
    }

    private final BenchPostgres pg;
    private final Spec spec;

    TrailTable(BenchPostgres pg, Spec spec) {
        this.pg = pg;
        this.spec = spec;
        if (spec.rows() % spec.eventsPerTrail() != 0) {
            throw new IllegalArgumentException("--rows must be a multiple of --events-per-trail (got " + spec.rows()
                    + " and " + spec.eventsPerTrail() + ")");
        }
    }

    /** The correlation id of trail {@code n}, as the loader writes it. */
    static String correlationId(long n) {
        return String.format(Locale.ROOT, "rr-%07d", n);
    }

    /** Loads the table unless one with the same spec is there already (or {@code reload}). */
    void ensureLoaded(boolean reload) throws Exception {
        pg.createSchemaIfMissing(SCHEMA);
        if (!reload && loadedSpecMatches()) {
            System.out.println("reusing the loaded table: " + spec.describe());
            return;
        }
        long started = System.nanoTime();
        System.out.println("loading " + spec.describe());
        pg.recreateSchema(SCHEMA);
        try (EventRepository migrated = EventRepositories.open(pg.storage(SCHEMA, 4), Clock.systemUTC())) {
            // DataStorage's own migration and partitions: the table is exactly what production has
        }
        YearMonth current = YearMonth.now(ZoneOffset.UTC);
        YearMonth first = current.minusMonths(spec.months() - 1L);
        List<String> rebuild = new ArrayList<>();
        try (Connection c = pg.connect(SCHEMA);
                Statement s = c.createStatement()) {
            for (YearMonth m = first; m.isBefore(current); m = m.plusMonths(1)) {
                // past months' partitions, as the daily task would have created them back then
                s.execute("CREATE TABLE IF NOT EXISTS audit_events_" + m.format(PARTITION_SUFFIX)
                        + " PARTITION OF audit_events FOR VALUES FROM ('" + m.atDay(1) + "') TO ('"
                        + m.plusMonths(1).atDay(1) + "')");
            }
            rebuild.addAll(dropIndexes(s));
        }
        long loadStart = System.nanoTime();
        Instant from = first.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        // the last flow must end before now - 1 h, inside the current month's partition at the latest
        long spanSeconds =
                Instant.now().minusSeconds(3600).getEpochSecond() - from.getEpochSecond() - spec.eventsPerTrail() * 20L;
        ExecutorService loaders = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> chunks = new ArrayList<>();
            for (long lo = 0; lo < spec.rows(); lo += CHUNK_ROWS) {
                long chunkLo = lo;
                long chunkHi = Math.min(spec.rows(), lo + CHUNK_ROWS) - 1;
                chunks.add(loaders.submit(() -> {
                    insertChunk(chunkLo, chunkHi, from.getEpochSecond(), spanSeconds);
                    return null;
                }));
            }
            long done = 0;
            for (Future<?> f : chunks) {
                f.get();
                done = Math.min(spec.rows(), done + CHUNK_ROWS);
                System.out.printf(Locale.ROOT, "  %,d rows in %.0f s%n", done, (System.nanoTime() - loadStart) / 1e9);
            }
            long indexStart = System.nanoTime();
            // the primary key first and alone (ALTER TABLE locks the table), then the indexes two at a time
            execute(rebuild.get(0));
            List<Future<?>> builds = new ArrayList<>();
            for (String ddl : rebuild.subList(1, rebuild.size())) {
                builds.add(loaders.submit(() -> {
                    execute(ddl);
                    return null;
                }));
            }
            for (Future<?> f : builds) {
                f.get();
            }
            System.out.printf(
                    Locale.ROOT,
                    "  primary key and %d indexes rebuilt in %.0f s%n",
                    rebuild.size() - 1,
                    (System.nanoTime() - indexStart) / 1e9);
        } finally {
            loaders.shutdownNow();
        }
        long vacuumStart = System.nanoTime();
        execute("VACUUM (ANALYZE) audit_events");
        System.out.printf(Locale.ROOT, "  VACUUM (ANALYZE) in %.0f s%n", (System.nanoTime() - vacuumStart) / 1e9);
        try (Connection c = pg.connect(SCHEMA);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + MARKER
                    + " (rows bigint, events_per_trail int, months int, event_data_bytes int, loaded_at timestamptz)");
            s.execute("INSERT INTO " + MARKER + " VALUES (" + spec.rows() + ", " + spec.eventsPerTrail() + ", "
                    + spec.months() + ", " + spec.eventDataBytes() + ", now())");
        }
        System.out.printf(Locale.ROOT, "loaded in %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Row count per partition, for the report. */
    String partitionSizes() throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Connection c = pg.connect(SCHEMA);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT c.relname, c.reltuples::bigint,"
                        + " pg_size_pretty(pg_total_relation_size(c.oid)) FROM pg_inherits i"
                        + " JOIN pg_class c ON c.oid = i.inhrelid"
                        + " WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname")) {
            while (rs.next()) {
                out.append(String.format(
                        Locale.ROOT, "  %s: ~%,d rows, %s%n", rs.getString(1), rs.getLong(2), rs.getString(3)));
            }
        }
        return out.toString();
    }

    private boolean loadedSpecMatches() throws SQLException {
        try (Connection c = pg.connect(SCHEMA);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + MARKER + "') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return false;
                }
            }
            try (ResultSet rs =
                    s.executeQuery("SELECT rows, events_per_trail, months, event_data_bytes FROM " + MARKER)) {
                return rs.next() && new Spec(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4)).equals(spec);
            }
        }
    }

    /** Drops the primary key and every index of audit_events; returns the DDL that recreates them, key first. */
    private static List<String> dropIndexes(Statement s) throws SQLException {
        List<String> ddl = new ArrayList<>();
        String pkName = null;
        try (ResultSet rs = s.executeQuery("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                + " WHERE conrelid = 'audit_events'::regclass AND contype = 'p'")) {
            if (rs.next()) {
                pkName = rs.getString(1);
                ddl.add("ALTER TABLE audit_events ADD CONSTRAINT " + pkName + " " + rs.getString(2));
            }
        }
        List<String> indexes = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT indexname, indexdef FROM pg_indexes"
                + " WHERE schemaname = current_schema() AND tablename = 'audit_events' ORDER BY indexname")) {
            while (rs.next()) {
                if (!rs.getString(1).equals(pkName)) {
                    indexes.add(rs.getString(1));
                    // the definition of a partitioned index reads "ON ONLY": that would build no partition's index
                    ddl.add(rs.getString(2).replace(" ON ONLY ", " ON "));
                }
            }
        }
        if (pkName == null) {
            throw new IllegalStateException("audit_events has no primary key: not DataStorage's schema?");
        }
        s.execute("ALTER TABLE audit_events DROP CONSTRAINT " + pkName);
        for (String index : indexes) {
            s.execute("DROP INDEX " + index);
        }
        return ddl;
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = pg.connect(SCHEMA);
                Statement s = c.createStatement()) {
            s.execute("SET maintenance_work_mem = '512MB'");
            s.execute(sql);
        }
    }

    private void insertChunk(long lo, long hi, long fromEpochSecond, long spanSeconds) throws SQLException {
        try (Connection c = pg.connect(SCHEMA);
                PreparedStatement ps = c.prepareStatement(insertSql())) {
            try (Statement s = c.createStatement()) {
                // a lost load is simply reloaded: no need to wait for each commit's fsync
                s.execute("SET synchronous_commit = off");
            }
            int i = 1;
            ps.setInt(i++, Math.max(1, (spec.eventDataBytes() - 100) / 33));
            ps.setLong(i++, fromEpochSecond);
            ps.setLong(i++, spanSeconds);
            ps.setLong(i++, spec.trails());
            ps.setLong(i++, spec.trails());
            ps.setLong(i++, lo);
            ps.setLong(i, hi);
            ps.executeUpdate();
        }
    }

    private static String insertSql() {
        String steps = "ARRAY['" + String.join("','", STEPS) + "']";
        // g: row number; c: trail (correlation) number; k: step within the trail
        return "INSERT INTO audit_events (event_date, event_id, version, event_type, event_category, event_action,"
                + " event_outcome, event_timestamp, correlation_id, actor_type, actor_id, resource_type, resource_id,"
                + " event_data, namespace, cluster_id, severity, duration_ms, trace_id, span_id, ingested_at,"
                + " ingested_by)"
                + " SELECT (ts AT TIME ZONE 'UTC')::date, gen_random_uuid(), '1.0',"
                + " 'orchestrator.remediation.' || step, (ARRAY['orchestration','approval','execution','notification'])[1 + (c % 4)::int],"
                + " step, CASE WHEN h % 100 < 3 THEN 'failure' WHEN h % 100 < 10 THEN 'pending' ELSE 'success' END,"
                + " ts, 'rr-' || lpad(c::text, 7, '0'),"
                + " CASE WHEN k % 10 = 1 THEN 'user' ELSE 'service' END,"
                + " CASE WHEN k % 10 = 1 THEN 'user-' || (c % 500) ELSE 'svc-' || (c % 16) END,"
                + " 'remediation_request', 'rr-' || lpad(c::text, 7, '0'),"
                + " jsonb_build_object('step', k, 'approver', 'oncall-' || (c % 40), 'cluster', 'prod-eu-' || (c % 6),"
                + " 'attempt', 1 + h % 3, 'details', repeat(md5(g::text) || ' ', ?::int)),"
                + " 'remediation', 'prod-eu-' || (c % 6), CASE WHEN h % 100 < 3 THEN 'high' END, h % 5000,"
                + " md5(c::text), substr(md5(g::text), 1, 16), ts + interval '1 second', 'bench-loader'"
                + " FROM (SELECT g, c, k, (hashint8(g) & 2147483647) AS h, (" + steps + ")[1 + (k % 10)::int] AS step,"
                + " to_timestamp(? + ((hashint8(c) & 2147483647) % ?) + k * 20 + (hashint8(g + 1) & 2147483647) % 15) AS ts"
                + " FROM (SELECT g, g % ? AS c, g / ? AS k FROM generate_series(?::bigint, ?::bigint) AS g) AS rows)"
                + " AS gen";
    }
}

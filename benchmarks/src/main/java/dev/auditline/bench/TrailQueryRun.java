package dev.auditline.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Trail query load run: the latency of one correlation trail, {@code GET
 * /api/v1/audit/events?correlation_id=…} over HTTP from a real DataStorage on 127.0.0.1 (at its
 * defaults, access log on), and of the layers under it, against the big table of {@link TrailTable}
 * (10M rows by default).
 *
 * <p>Seven paths, measured in turn in the same loop, each query with its own random correlation id
 * of the whole table: the same SQL over plain JDBC in one fetch (the baseline) and, as the repository fetches, 16 rows
 * a round trip inside a read-only transaction; the repository
 * query alone; the JSON of the page that query returned, written
 * as the route writes it to a sink (no socket); the HTTP query with the JDK's {@code HttpClient}, as
 * built by default and with a direct executor (completions run on its selector thread); and
 * the HTTP query with {@link PlainHttpClient} (one blocking kept-alive socket on the calling thread),
 * so the server's part of the HTTP figure shows apart from the client's thread hand-overs. HTTP
 * times are send to last body byte (the client does not parse the JSON inside the timed span); the
 * first queries are checked to return the whole trail.
 *
 * <p>One client thread. By default a closed loop: each query waits for the previous one, so the
 * figures are service times, and a stall delays the queries behind it without being counted
 * (coordinated omission). With {@code --interval-us N} the run is paced instead: query {@code j} is
 * due at {@code start + j·N} µs, and its latency is measured from its due time, so a query held up by
 * a slow predecessor counts the wait, as an open-loop client at that rate would see it. Each round
 * also reports the JVM's garbage collections (count and total time, server and client share the JVM),
 * so a young-generation pause inside the tail shows, and the summary gives the bytes the whole JVM
 * allocated per query of each path.
 *
 * <p>Prints the plan of one query ({@code EXPLAIN ANALYZE, BUFFERS}) to show which index serves it,
 * once as a one-off statement (planned for its literal) and once as the prepared statement a warm
 * connection runs (pgjdbc prepares it on the server from its 5th use; PostgreSQL then keeps a
 * generic plan, so a warm query is not planned again). The measured queries are split into {@code
 * --rounds} equal rounds, whose p50 and p99 are printed one by one, so the spread shows next to the
 * whole run's percentiles.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.TrailQueryRun [--rows
 * 10000000] [--events-per-trail 50] [--months 6] [--event-data-bytes 400] [--queries 10000]
 * [--warmup 2000] [--rounds 5] [--reload false] [--pool-size 10] [--interval-us N] [--access-log
 * true]}
 */
public final class TrailQueryRun {
    private static final Set<String> FLAGS = Set.of(
            "rows",
            "events-per-trail",
            "months",
            "event-data-bytes",
            "queries",
            "warmup",
            "reload",
            "pool-size",
            "rounds",
            "interval-us",
            "access-log");

    private static final String[] PATHS = {
        "raw JDBC, same SQL, one fetch",
        "raw JDBC, 16 rows a fetch",
        "EventRepository.query (no HTTP)",
        "the page's JSON alone (no socket)",
        "HTTP, JDK HttpClient",
        "HTTP, JDK HttpClient, direct executor",
        "HTTP, plain socket client",
    };
    private static final int RAW_JDBC = 0;
    private static final int RAW_JDBC_FETCH_16 = 1;
    private static final int REPOSITORY = 2;
    private static final int JSON = 3;
    private static final int HTTP_JDK = 4;
    private static final int HTTP_JDK_DIRECT = 5;
    private static final int HTTP_PLAIN = 6;
    private static final ObjectWriter EVENT_WRITER =
            AuditJson.mapper().writerFor(AuditEvent.class).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    private TrailQueryRun() {}

    public static void main(String[] args) throws Exception {
        Flags f;
        TrailTable.Spec spec;
        try {
            f = new Flags(args, FLAGS);
            spec = new TrailTable.Spec(
                    f.positiveInt("rows", 10_000_000),
                    f.positiveInt("events-per-trail", 50),
                    f.positiveInt("months", 6),
                    f.positiveInt("event-data-bytes", 400));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int queries = f.positiveInt("queries", 10_000);
        int warmup = f.positiveInt("warmup", 2_000);
        int poolSize = f.positiveInt("pool-size", dev.auditline.datastorage.config.StorageSettings.DEFAULT.poolSize());
        int rounds = f.positiveInt("rounds", 5);
        long intervalMicros = f.string("interval-us", null) == null ? 0 : f.positiveInt("interval-us", 1);
        boolean accessLog = Boolean.parseBoolean(f.string("access-log", "true"));
        BenchPostgres pg = BenchPostgres.fromEnvironment();
        System.out.println(MachineInfo.describe(pg));
        long started = System.nanoTime();
        TrailTable table = new TrailTable(pg, spec);
        table.ensureLoaded(f.bool("reload"));
        System.out.print(table.partitionSizes());
        System.out.println(TrailPlans.explain(pg, TrailTable.correlationId(spec.trails() / 2)));
        System.out.println(TrailPlans.explainPrepared(pg, TrailTable.correlationId(spec.trails() / 3)));

        try (DataStorage server = DataStorage.start(
                        pg.dataStorage(TrailTable.SCHEMA, poolSize)
                                .withServer(ServerConfig.DEFAULT.withPort(0).withAccessLog(accessLog)),
                        Clock.systemUTC());
                EventRepository repository =
                        EventRepositories.open(pg.storage(TrailTable.SCHEMA, poolSize), Clock.systemUTC());
                PlainHttpClient plain = new PlainHttpClient("127.0.0.1", server.port());
                Connection raw = pg.connect(TrailTable.SCHEMA);
                PreparedStatement rawTrail = raw.prepareStatement("SELECT * FROM audit_events WHERE correlation_id = ?"
                        + " ORDER BY event_timestamp ASC, event_id ASC LIMIT " + (EventQuery.DEFAULT_LIMIT + 1));
                Connection rawInTransaction = pg.connect(TrailTable.SCHEMA);
                PreparedStatement rawTrail16 =
                        rawInTransaction.prepareStatement("SELECT * FROM audit_events WHERE correlation_id = ?"
                                + " ORDER BY event_timestamp ASC, event_id ASC LIMIT "
                                + (EventQuery.DEFAULT_LIMIT + 1))) {
            // as the repository reads: inside a read-only transaction, 16 rows a round trip
            rawInTransaction.setAutoCommit(false);
            rawInTransaction.setReadOnly(true);
            rawTrail16.setFetchSize(16);
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            // the same client with its completions run on its selector thread instead of handed to
            // its executor's threads: one thread hand-over fewer per exchange
            HttpClient httpDirect = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .executor(Runnable::run)
                    .build();
            String path = "/api/v1/audit/events?correlation_id=";
            String base = server.baseUrl() + path;
            SplittableRandom random = new SplittableRandom(42);
            Latencies[] whole = new Latencies[PATHS.length];
            Latencies[] round = new Latencies[PATHS.length];
            int perRound = Math.max(1, queries / rounds);
            for (int p = 0; p < PATHS.length; p++) {
                whole[p] = new Latencies(queries);
                round[p] = new Latencies(perRound);
            }
            long[] allocated = new long[PATHS.length];
            List<String> roundLines = new ArrayList<>();
            long measureStart = 0;
            long gcCountAtRound = 0;
            long gcMillisAtRound = 0;
            long intervalNanos = intervalMicros * 1_000L;
            long due = 0;
            for (int i = 0; i < warmup + queries; i++) {
                if (i == warmup) {
                    measureStart = System.nanoTime();
                    due = measureStart;
                    gcCountAtRound = JvmCounters.gcCount();
                    gcMillisAtRound = JvmCounters.gcMillis();
                }
                boolean measured = i >= warmup;
                boolean check = i < 20;
                long[] nanos = new long[PATHS.length];
                long[] bytes = new long[PATHS.length];

                String id = TrailTable.correlationId(random.nextLong(spec.trails()));
                long a0 = JvmCounters.allocatedBytes();
                long t0 = start(measured, intervalNanos, due);
                int rawRows = rawTrail(rawTrail, id);
                nanos[RAW_JDBC] = System.nanoTime() - t0;
                bytes[RAW_JDBC] = JvmCounters.allocatedBytes() - a0;
                due += intervalNanos;
                if (check && rawRows != spec.eventsPerTrail()) {
                    throw new IllegalStateException(
                            "raw JDBC returned " + rawRows + " rows for " + id + ", expected " + spec.eventsPerTrail());
                }

                id = TrailTable.correlationId(random.nextLong(spec.trails()));
                a0 = JvmCounters.allocatedBytes();
                t0 = start(measured, intervalNanos, due);
                rawRows = rawTrail(rawTrail16, id);
                rawInTransaction.commit();
                nanos[RAW_JDBC_FETCH_16] = System.nanoTime() - t0;
                bytes[RAW_JDBC_FETCH_16] = JvmCounters.allocatedBytes() - a0;
                due += intervalNanos;
                if (check && rawRows != spec.eventsPerTrail()) {
                    throw new IllegalStateException(
                            "raw JDBC returned " + rawRows + " rows for " + id + ", expected " + spec.eventsPerTrail());
                }

                id = TrailTable.correlationId(random.nextLong(spec.trails()));
                a0 = JvmCounters.allocatedBytes();
                t0 = start(measured, intervalNanos, due);
                EventPage page = repository.query(trail(id));
                long t1 = System.nanoTime();
                nanos[REPOSITORY] = t1 - t0;
                bytes[REPOSITORY] = JvmCounters.allocatedBytes() - a0;
                due += intervalNanos;
                if (check && page.events().size() != spec.eventsPerTrail()) {
                    throw new IllegalStateException("the repository returned "
                            + page.events().size() + " events for " + id + ", expected " + spec.eventsPerTrail());
                }
                // the page's JSON alone, as the route writes it (same mapper, one event at a time),
                // to a sink: what serialization costs without a socket
                a0 = JvmCounters.allocatedBytes();
                t0 = System.nanoTime();
                try (JsonGenerator g =
                        AuditJson.mapper().getFactory().createGenerator(OutputStream.nullOutputStream())) {
                    g.writeStartObject();
                    g.writeArrayFieldStart("events");
                    for (AuditEvent e : page.events()) {
                        EVENT_WRITER.writeValue(g, e);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                nanos[JSON] = System.nanoTime() - t0;
                bytes[JSON] = JvmCounters.allocatedBytes() - a0;

                id = TrailTable.correlationId(random.nextLong(spec.trails()));
                HttpRequest request = HttpRequest.newBuilder(
                                URI.create(base + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
                a0 = JvmCounters.allocatedBytes();
                t0 = start(measured, intervalNanos, due);
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                nanos[HTTP_JDK] = System.nanoTime() - t0;
                bytes[HTTP_JDK] = JvmCounters.allocatedBytes() - a0;
                due += intervalNanos;
                expectTrail(
                        response.statusCode(), response.body(), request.uri().toString(), check, spec);

                id = TrailTable.correlationId(random.nextLong(spec.trails()));
                HttpRequest directRequest = HttpRequest.newBuilder(
                                URI.create(base + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
                a0 = JvmCounters.allocatedBytes();
                t0 = start(measured, intervalNanos, due);
                HttpResponse<byte[]> directResponse =
                        httpDirect.send(directRequest, HttpResponse.BodyHandlers.ofByteArray());
                nanos[HTTP_JDK_DIRECT] = System.nanoTime() - t0;
                bytes[HTTP_JDK_DIRECT] = JvmCounters.allocatedBytes() - a0;
                due += intervalNanos;
                expectTrail(
                        directResponse.statusCode(),
                        directResponse.body(),
                        directRequest.uri().toString(),
                        check,
                        spec);

                id = TrailTable.correlationId(random.nextLong(spec.trails()));
                String target = path + URLEncoder.encode(id, StandardCharsets.UTF_8);
                a0 = JvmCounters.allocatedBytes();
                t0 = start(measured, intervalNanos, due);
                PlainHttpClient.Answer answer = plain.get(target);
                nanos[HTTP_PLAIN] = System.nanoTime() - t0;
                bytes[HTTP_PLAIN] = JvmCounters.allocatedBytes() - a0;
                due += intervalNanos;
                expectTrail(answer.status(), answer.body(), target, check, spec);

                if (measured) {
                    for (int p = 0; p < PATHS.length; p++) {
                        whole[p].record(nanos[p]);
                        allocated[p] += bytes[p];
                        round[p].record(nanos[p]);
                    }
                    if (round[0].count() == perRound) {
                        StringBuilder line = new StringBuilder("| ").append(roundLines.size() + 1);
                        for (int p = 0; p < PATHS.length; p++) {
                            line.append(String.format(
                                    Locale.ROOT,
                                    " | %.2f / %.2f",
                                    round[p].percentileMillis(50),
                                    round[p].percentileMillis(99)));
                            round[p] = new Latencies(perRound);
                        }
                        long gcs = JvmCounters.gcCount();
                        long gcMs = JvmCounters.gcMillis();
                        line.append(String.format(
                                Locale.ROOT,
                                " | %d / %d | %.2f |",
                                gcs - gcCountAtRound,
                                gcMs - gcMillisAtRound,
                                CpuMeter.loadAverage()));
                        gcCountAtRound = gcs;
                        gcMillisAtRound = gcMs;
                        roundLines.add(line.toString());
                    }
                }
            }
            double seconds = (System.nanoTime() - measureStart) / 1e9;
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "%s; %,d queries per path after %,d warm-up, 1 client thread, %s, access log %s, measured over %.0f s%n",
                    spec.describe(),
                    queries,
                    warmup,
                    intervalNanos == 0
                            ? "closed loop (each query waits for the previous one)"
                            : "one query due every " + intervalMicros
                                    + " µs, latency from its due time (coordinated omission corrected)",
                    accessLog ? "on (the default)" : "off",
                    seconds);
            System.out.println(
                    "| path | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms | KB allocated per query (JVM) |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (int p = 0; p < PATHS.length; p++) {
                System.out.println(row(PATHS[p], whole[p])
                        + String.format(Locale.ROOT, " %.0f |", allocated[p] / 1024.0 / queries));
            }
            System.out.println();
            StringBuilder header = new StringBuilder("| round");
            StringBuilder rule = new StringBuilder("|---:");
            for (String p : PATHS) {
                header.append(" | ").append(p).append(" p50 / p99 ms");
                rule.append("|---:");
            }
            System.out.println(header.append(" | GCs / GC ms | load avg |"));
            System.out.println(rule.append("|---:|---:|"));
            roundLines.forEach(System.out::println);
        }
        System.out.printf(
                Locale.ROOT,
                "run took %.0f s; load average now %.2f%n",
                (System.nanoTime() - started) / 1e9,
                CpuMeter.loadAverage());
    }

    /**
     * When a timed query starts: now in a closed loop; in a paced run, its due time, after waiting
     * for it, so a query held up by a slow predecessor counts the wait as its own latency (what an
     * open-loop client at that rate would see).
     */
    private static long start(boolean measured, long intervalNanos, long due) {
        if (!measured || intervalNanos == 0) {
            return System.nanoTime();
        }
        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        return due;
    }

    private static void expectTrail(int status, byte[] body, String target, boolean check, TrailTable.Spec spec) {
        if (status != 200) {
            throw new IllegalStateException(
                    "GET " + target + " answered " + status + ": " + new String(body, StandardCharsets.UTF_8));
        }
        if (check) {
            int n = TrailPlans.countOccurrences(new String(body, StandardCharsets.UTF_8), "\"event_id\"");
            if (n != spec.eventsPerTrail()) {
                throw new IllegalStateException(
                        "GET " + target + " returned " + n + " events, expected " + spec.eventsPerTrail());
            }
        }
    }

    /**
     * The strongest plain reading of the same rows: the repository's SQL as one prepared statement on
     * its own connection (auto-commit, so pgjdbc fetches the whole result in one round trip), every
     * column read as text. What is left between this and the repository is its fetch size (16 rows a
     * round trip, inside a read-only transaction) and turning rows into events.
     */
    private static int rawTrail(PreparedStatement trail, String correlationId) throws SQLException {
        trail.setString(1, correlationId);
        int rows = 0;
        try (ResultSet rs = trail.executeQuery()) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int c = 1; c <= columns; c++) {
                    rs.getString(c);
                }
                rows++;
            }
        }
        return rows;
    }

    /** The query the HTTP route runs for {@code ?correlation_id=}: default limit, ascending. */
    private static EventQuery trail(String correlationId) {
        return new EventQuery(
                correlationId, null, null, null, null, null, null, null, null, false, EventQuery.DEFAULT_LIMIT, null);
    }

    private static String row(String path, Latencies l) {
        return String.format(
                Locale.ROOT,
                "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |",
                path,
                l.percentileMillis(50),
                l.percentileMillis(90),
                l.percentileMillis(99),
                l.percentileMillis(99.9),
                l.percentileMillis(100),
                l.meanMillis());
    }
}

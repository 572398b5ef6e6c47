package dev.auditline.bench;

import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Trail query load run: the latency of one correlation trail, {@code GET
 * /api/v1/audit/events?correlation_id=…} over HTTP from a real DataStorage on 127.0.0.1, and of the
 * repository query alone, against the big table of {@link TrailTable} (10M rows by default).
 *
 * <p>One client thread, closed loop: each query waits for the previous one, so the figures are
 * service times, not queueing. Each query picks a random correlation id of the whole table; the HTTP
 * and repository queries alternate, each with its own id, after an unreported warm-up. The HTTP
 * time is send to last body byte (the client does not parse the JSON inside the timed span); the
 * first queries are checked to return the whole trail. Prints the plan of one query ({@code EXPLAIN
 * ANALYZE, BUFFERS}) to show which index serves it, once as a one-off statement (planned for its
 * literal) and once as the prepared statement a warm connection runs (pgjdbc prepares it on the
 * server from its 5th use; PostgreSQL then keeps a generic plan, so a warm query is not planned
 * again). The measured queries are split into {@code --rounds} equal rounds, whose p50 and p99 are
 * printed one by one, so the spread shows next to the whole run's percentiles.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.TrailQueryRun [--rows
 * 10000000] [--events-per-trail 50] [--months 6] [--event-data-bytes 400] [--queries 10000]
 * [--warmup 2000] [--rounds 5] [--reload false] [--pool-size 10]}
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
            "rounds");

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
        BenchPostgres pg = BenchPostgres.fromEnvironment();
        System.out.println(MachineInfo.describe(pg));
        long started = System.nanoTime();
        TrailTable table = new TrailTable(pg, spec);
        table.ensureLoaded(f.bool("reload"));
        System.out.print(table.partitionSizes());
        System.out.println(explain(pg, TrailTable.correlationId(spec.trails() / 2)));
        System.out.println(explainPrepared(pg, TrailTable.correlationId(spec.trails() / 3)));

        try (DataStorage server = DataStorage.start(pg.dataStorage(TrailTable.SCHEMA, poolSize), Clock.systemUTC());
                EventRepository repository =
                        EventRepositories.open(pg.storage(TrailTable.SCHEMA, poolSize), Clock.systemUTC())) {
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            String base = server.baseUrl() + "/api/v1/audit/events?correlation_id=";
            SplittableRandom random = new SplittableRandom(42);
            Latencies viaHttp = new Latencies(queries);
            Latencies viaRepository = new Latencies(queries);
            int perRound = Math.max(1, queries / rounds);
            List<String> roundLines = new ArrayList<>();
            Latencies roundHttp = new Latencies(perRound);
            Latencies roundRepository = new Latencies(perRound);
            long measureStart = 0;
            for (int i = 0; i < warmup + queries; i++) {
                if (i == warmup) {
                    measureStart = System.nanoTime();
                }
                boolean measured = i >= warmup;
                boolean check = i < 20;

                String id = TrailTable.correlationId(random.nextLong(spec.trails()));
                long t0 = System.nanoTime();
                EventPage page = repository.query(trail(id));
                long repositoryNanos = System.nanoTime() - t0;
                if (check && page.events().size() != spec.eventsPerTrail()) {
                    throw new IllegalStateException("the repository returned "
                            + page.events().size() + " events for " + id + ", expected " + spec.eventsPerTrail());
                }

                id = TrailTable.correlationId(random.nextLong(spec.trails()));
                HttpRequest request = HttpRequest.newBuilder(
                                URI.create(base + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
                t0 = System.nanoTime();
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                long httpNanos = System.nanoTime() - t0;
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("GET " + request.uri() + " answered " + response.statusCode() + ": "
                            + new String(response.body(), StandardCharsets.UTF_8));
                }
                if (check) {
                    int n = countOccurrences(new String(response.body(), StandardCharsets.UTF_8), "\"event_id\"");
                    if (n != spec.eventsPerTrail()) {
                        throw new IllegalStateException("GET " + request.uri() + " returned " + n + " events, expected "
                                + spec.eventsPerTrail());
                    }
                }
                if (measured) {
                    viaRepository.record(repositoryNanos);
                    viaHttp.record(httpNanos);
                    roundRepository.record(repositoryNanos);
                    roundHttp.record(httpNanos);
                    if (roundHttp.count() == perRound) {
                        roundLines.add(String.format(
                                Locale.ROOT,
                                "| %d | %.2f | %.2f | %.2f | %.2f | %.2f |",
                                roundLines.size() + 1,
                                roundHttp.percentileMillis(50),
                                roundHttp.percentileMillis(99),
                                roundRepository.percentileMillis(50),
                                roundRepository.percentileMillis(99),
                                CpuMeter.loadAverage()));
                        roundHttp = new Latencies(perRound);
                        roundRepository = new Latencies(perRound);
                    }
                }
            }
            double seconds = (System.nanoTime() - measureStart) / 1e9;
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "%s; %,d queries each after %,d warm-up, 1 client thread, measured over %.0f s%n",
                    spec.describe(),
                    queries,
                    warmup,
                    seconds);
            System.out.println("| path | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|");
            System.out.println(row("GET /api/v1/audit/events?correlation_id= (HTTP)", viaHttp));
            System.out.println(row("EventRepository.query (no HTTP)", viaRepository));
            System.out.println();
            System.out.println(
                    "| round | HTTP p50 ms | HTTP p99 ms | repository p50 ms | repository p99 ms | load avg |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            roundLines.forEach(System.out::println);
        }
        System.out.printf(
                Locale.ROOT,
                "run took %.0f s; load average now %.2f%n",
                (System.nanoTime() - started) / 1e9,
                CpuMeter.loadAverage());
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

    /** The plan of the trail query as the repository issues it (literal id, for EXPLAIN). */
    private static String explain(BenchPostgres pg, String correlationId) throws Exception {
        StringBuilder plan =
                new StringBuilder("EXPLAIN (ANALYZE, BUFFERS) of the trail query for " + correlationId + ":\n");
        try (Connection c = pg.connect(TrailTable.SCHEMA);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM audit_events"
                        + " WHERE correlation_id = '" + correlationId + "'"
                        + " ORDER BY event_timestamp ASC, event_id ASC LIMIT " + (EventQuery.DEFAULT_LIMIT + 1))) {
            while (rs.next()) {
                plan.append("  ").append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    /**
     * The plan a warm connection runs: the trail query prepared with a parameter, executed six
     * times (PostgreSQL plans the first five for their values, then compares them with a generic
     * plan), then explained. Planning time near zero means the cached generic plan is reused.
     */
    private static String explainPrepared(BenchPostgres pg, String correlationId) throws Exception {
        StringBuilder plan = new StringBuilder(
                "EXPLAIN (ANALYZE, BUFFERS) EXECUTE of the prepared trail query after 6 executions, for "
                        + correlationId + ":\n");
        try (Connection c = pg.connect(TrailTable.SCHEMA);
                Statement s = c.createStatement()) {
            s.execute("PREPARE trail(text) AS SELECT * FROM audit_events WHERE correlation_id = $1"
                    + " ORDER BY event_timestamp ASC, event_id ASC LIMIT " + (EventQuery.DEFAULT_LIMIT + 1));
            for (int i = 0; i < 6; i++) {
                s.execute("EXECUTE trail('" + TrailTable.correlationId(i * 7919L) + "')");
            }
            try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) EXECUTE trail('" + correlationId + "')")) {
                while (rs.next()) {
                    plan.append("  ").append(rs.getString(1)).append('\n');
                }
            }
        }
        return plan.toString();
    }

    private static int countOccurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}

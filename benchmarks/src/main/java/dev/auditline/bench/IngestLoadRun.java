package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.BatchResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * End-to-end ingest load run: DataStorage's HTTP batch ingest against the strongest raw ways to
 * insert the same rows into the same schema, in the same run, for PostgreSQL and for SQLite.
 *
 * <p>The HTTP side posts what the real client posts: {@code {"events":[…]}} of {@code --batch-size}
 * events, gzip-compressed, from {@code --senders} threads, to a real DataStorage started in this
 * JVM on 127.0.0.1 at its defaults (validation, one transaction per batch with the verifiable log's
 * rows and the unique-id check, per-item results, metrics, the checkpoint thread: all of it). On
 * PostgreSQL the baselines are the three raw writers of {@link PostgresBaselines} ({@code
 * reWriteBatchedInserts}, {@code unnest} arrays, binary {@code COPY}), on SQLite plain batched JDBC
 * ({@code addBatch}/{@code executeBatch}, one commit per batch); each from as many threads over a
 * pool of {@code --pool-size}, with no HTTP, no validation and no log. Bodies and rows are built
 * before a phase starts, so a phase times only the transfer and the store. A further side, {@link
 * Side#REPOSITORY}, calls DataStorage's {@code EventRepository.insertBatch} directly with pre-built
 * events from as many threads, which splits the gap into what the store (with its log) costs and
 * what HTTP, decoding and validation cost. The sides rotate their order round by round, after an
 * unreported warm-up round, so none always runs on the warmer JIT or the bigger table.
 *
 * <p>CPU: besides this JVM's and PostgreSQL's, each HTTP phase reports DataStorage's own, the
 * JVM's minus the CPU time of the benchmark's threads ({@link CpuMeter#BENCH_THREAD_PREFIXES}: the
 * senders and the JDK {@code HttpClient}'s threads, which send the pre-compressed bodies and parse
 * the answers), read per thread with {@code ThreadMXBean}; GC and JIT stay in DataStorage's share.
 *
 * <p>The stores: {@link PostgresIngestTarget} (schema {@value #SCHEMA} of {@code
 * AUDIT_BENCH_PG_URL}, dropped before and after) and {@link SqliteIngestTarget} (a file in a
 * temporary directory, one writer connection on both sides).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.IngestLoadRun [--stores
 * postgresql,sqlite] [--senders 4] [--batch-size 1000] [--batches 25] [--rounds 5] [--pool-size 4]
 * [--event-bytes 1024] [--sides repository,unlogged,unnest]}; {@code --batches} is per sender and
 * round; {@code --sides} measures a subset of the store's sides (all by default).
 */
public final class IngestLoadRun {
    static final String SCHEMA = "bench_ingest";
    private static final Set<String> FLAGS =
            Set.of("stores", "senders", "batch-size", "batches", "rounds", "pool-size", "event-bytes", "sides");
    static final String INGESTED_BY = "bench";

    enum Side {
        /** Plain batched JDBC, pgjdbc defaults (the SQLite baseline). */
        JDBC,
        /** PostgreSQL raw baselines: see {@link PostgresBaselines.Method}. */
        REWRITE,
        UNNEST,
        COPY,
        HTTP,
        /** DataStorage's {@code EventRepository.insertBatch} called directly: the store without HTTP and decoding. */
        REPOSITORY,
        /**
         * The repository's own {@code unnest} insert without the log and its unique-id check (PostgreSQL;
         * {@code UnloggedInserts}): what {@link #REPOSITORY} costs without them, measured alike.
         */
        UNLOGGED;

        boolean isBaseline() {
            return this != HTTP && this != REPOSITORY && this != UNLOGGED;
        }
    }

    record Options(
            List<String> stores,
            int senders,
            int batchSize,
            int batches,
            int rounds,
            int poolSize,
            int eventBytes,
            Set<Side> sides) {
        static Options parse(String[] args) {
            Flags f = new Flags(args, FLAGS);
            List<String> stores = List.of(f.string("stores", "postgresql,sqlite")
                    .toLowerCase(Locale.ROOT)
                    .split(","));
            for (String s : stores) {
                if (!s.equals("postgresql") && !s.equals("sqlite")) {
                    throw new IllegalArgumentException("--stores takes postgresql and/or sqlite (got \"" + s + "\")");
                }
            }
            return new Options(
                    stores,
                    f.positiveInt("senders", 4),
                    f.positiveInt("batch-size", 1000),
                    f.positiveInt("batches", 25),
                    f.positiveInt("rounds", 5),
                    f.positiveInt("pool-size", 4),
                    f.positiveInt("event-bytes", 1024),
                    sides(f.string("sides", "")));
        }

        /** {@code --sides}: a comma-separated subset of the store's sides; empty for all of them. */
        private static Set<Side> sides(String names) {
            Set<Side> sides = java.util.EnumSet.noneOf(Side.class);
            for (String name : names.split(",")) {
                if (!name.isBlank()) {
                    try {
                        sides.add(Side.valueOf(name.strip().toUpperCase(java.util.Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--sides takes names of "
                                + java.util.Arrays.toString(Side.values()) + " (got \"" + name + "\")");
                    }
                }
            }
            return sides;
        }

        int eventsPerPhase() {
            return senders * batches * batchSize;
        }
    }

    /** One timed phase. */
    record Phase(String store, Side side, int round, long events, double seconds, CpuMeter.Usage cpu) {
        double eventsPerSecond() {
            return events / seconds;
        }

        /**
         * CPU seconds DataStorage's code spent: on the HTTP side this JVM without the benchmark's
         * sender threads ({@link CpuMeter.Usage#serverSeconds()}); on the repository side the whole
         * JVM, whose calling threads run the store; NaN for the raw baselines, which run none of it.
         */
        double dataStorageCpuSeconds() {
            return switch (side) {
                case HTTP -> cpu.serverSeconds();
                case REPOSITORY -> cpu.jvmSeconds();
                default -> Double.NaN;
            };
        }

        /** CPU seconds of the benchmark's HTTP senders (building requests, reading answers); 0 elsewhere. */
        double senderCpuSeconds() {
            return side == Side.HTTP ? cpu.benchThreadSeconds() : 0;
        }
    }

    private IngestLoadRun() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        BenchPostgres postgres = options.stores().contains("postgresql") ? BenchPostgres.fromEnvironment() : null;
        System.out.println(MachineInfo.describe(postgres));
        System.out.printf(
                Locale.ROOT,
                "options: %s%nevents per phase: %,d (%d senders x %d batches x %d events)%n",
                options,
                options.eventsPerPhase(),
                options.senders(),
                options.batches(),
                options.batchSize());
        List<AuditEvent> sample = IngestEvents.generate(0, options.batchSize(), options.eventBytes(), Instant.now());
        System.out.printf(
                Locale.ROOT,
                "events: %.0f bytes of JSON on average (event_data %.0f); a batch of %d is %,d bytes in gzip%n",
                sample.stream().mapToInt(IngestEvents::jsonBytes).average().orElse(0),
                sample.stream()
                        .mapToInt(e -> e.eventData().jsonBytes())
                        .average()
                        .orElse(0),
                options.batchSize(),
                IngestEvents.gzipBatch(sample).length);
        long started = System.nanoTime();
        List<Phase> phases = new ArrayList<>();
        for (String store : options.stores()) {
            try (IngestTarget target = store.equals("postgresql")
                    ? new PostgresIngestTarget(postgres, options)
                    : new SqliteIngestTarget(options)) {
                phases.addAll(run(target, options));
            }
        }
        System.out.println();
        System.out.println(IngestReport.table(phases));
        System.out.println(IngestReport.summary(phases, options.stores()));
        System.out.printf(
                Locale.ROOT,
                "run took %.0f s; load average now %.2f%n",
                (System.nanoTime() - started) / 1e9,
                CpuMeter.loadAverage());
    }

    private static List<Phase> run(IngestTarget target, Options o) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        URI batchUri = URI.create(target.server().baseUrl() + "/api/v1/audit/events/batch");
        ExecutorService senders = Executors.newFixedThreadPool(o.senders(), r -> {
            Thread t = new Thread(r, "bench-sender");
            t.setDaemon(true);
            return t;
        });
        List<Phase> measured = new ArrayList<>();
        long expectedRows = 0;
        try {
            for (int round = 0; round <= o.rounds(); round++) {
                // round 0 warms up the JIT, the pools and the caches; its figures are not reported.
                // It is full size: with a shorter one the first HTTP round still ran partly interpreted.
                int batches = o.batches();
                List<Side> sides = target.sides().stream()
                        .filter(s -> o.sides().isEmpty() || o.sides().contains(s))
                        .toList();
                for (int i = 0; i < sides.size(); i++) {
                    Side side = sides.get((round + i) % sides.size());
                    Phase p = phase(target, side, round, batches, o, http, batchUri, senders);
                    expectedRows += p.events();
                    System.out.printf(
                            Locale.ROOT,
                            "%s %s round %d%s: %,d events in %.2f s = %,.0f events/s%n",
                            target.name(),
                            side,
                            round,
                            round == 0 ? " (warm-up)" : "",
                            p.events(),
                            p.seconds(),
                            p.eventsPerSecond());
                    if (round > 0) {
                        measured.add(p);
                    }
                }
            }
        } finally {
            senders.shutdownNow();
        }
        long rows = target.countRows();
        if (rows != expectedRows) {
            throw new IllegalStateException(
                    target.name() + ": expected " + expectedRows + " rows after the run, found " + rows);
        }
        System.out.printf(Locale.ROOT, "%s: %,d rows stored, as expected%n", target.name(), rows);
        return measured;
    }

    private static Phase phase(
            IngestTarget target,
            Side side,
            int round,
            int batches,
            Options o,
            HttpClient http,
            URI batchUri,
            ExecutorService senders)
            throws Exception {
        // Same seed for both sides of a round: the same rows, under new event ids.
        List<AuditEvent> events =
                IngestEvents.generate(round, o.senders() * batches * o.batchSize(), o.eventBytes(), Instant.now());
        Object[][] work = new Object[o.senders()][batches]; // byte[] gzip body or List<Object[]> rows
        for (int s = 0; s < o.senders(); s++) {
            for (int b = 0; b < batches; b++) {
                int from = (s * batches + b) * o.batchSize();
                List<AuditEvent> batch = events.subList(from, from + o.batchSize());
                work[s][b] = switch (side) {
                    case HTTP -> IngestEvents.gzipBatch(batch);
                    case REPOSITORY, UNLOGGED -> List.copyOf(batch);
                    default -> batch.stream().map(target.rowOf()).toList();
                };
            }
        }
        long count = events.size();
        events = null; // let the generated objects go before timing starts
        System.gc();

        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int s = 0; s < o.senders(); s++) {
            Object[] mine = work[s];
            done.add(senders.submit(() -> {
                start.await();
                for (Object item : mine) {
                    switch (side) {
                        case HTTP -> post(http, batchUri, (byte[]) item, o.batchSize());
                        case JDBC, REWRITE, UNNEST, COPY -> {
                            @SuppressWarnings("unchecked")
                            List<Object[]> rows = (List<Object[]>) item;
                            target.insertBaseline(side, rows);
                        }
                        case UNLOGGED -> {
                            @SuppressWarnings("unchecked")
                            List<AuditEvent> batch = (List<AuditEvent>) item;
                            int created = target.insertUnlogged(batch);
                            if (created != batch.size()) {
                                throw new IllegalStateException(
                                        "expected " + batch.size() + " events stored, the insert says " + created);
                            }
                        }
                        case REPOSITORY -> {
                            @SuppressWarnings("unchecked")
                            List<AuditEvent> batch = (List<AuditEvent>) item;
                            int created = target.repository()
                                    .insertBatch(batch, INGESTED_BY)
                                    .created()
                                    .size();
                            if (created != batch.size()) {
                                throw new IllegalStateException(
                                        "expected " + batch.size() + " events created, the repository says " + created);
                            }
                        }
                    }
                }
                return null;
            }));
        }
        CpuMeter.Sample before = CpuMeter.sample(target.postmasterPid());
        long t0 = System.nanoTime();
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Phase(
                target.name(),
                side,
                round,
                count,
                seconds,
                CpuMeter.sample(target.postmasterPid()).since(before));
    }

    private static void post(HttpClient http, URI uri, byte[] gzipBody, int expected)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipBody))
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST " + uri + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        BatchResponse body = AuditJson.mapper().readValue(response.body(), BatchResponse.class);
        if (body.created() != expected) {
            throw new IllegalStateException("expected " + expected + " events created, the server says " + body);
        }
    }
}

package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.LogConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the verifiable log's Merkle tree and checkpoints cost on ingest: HTTP batch ingest into two
 * DataStorages on PostgreSQL in the same run, alternating round by round. {@code tree on} runs at
 * every default ({@code log.checkpoint_interval} 1s: the tree grows and a checkpoint is signed
 * every second while the phase runs); {@code tree off} sets {@code log.checkpoint_interval: 1h},
 * so the tree does not grow during its phases. Both write the {@code audit_log} row of each event
 * in the ingest transaction (that part is the store's, measured with unique ids). After each
 * {@code tree on} phase the run waits, untimed, until a checkpoint covers everything stored, so no
 * backlog leaks into the next phase; that catch-up time is reported.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.LogCostRun [--senders 4]
 * [--batch-size 1000] [--batches 10] [--rounds 5]}; {@code --batches} is per sender and phase.
 */
public final class LogCostRun {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private LogCostRun() {}

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags(args, Set.of("senders", "batch-size", "batches", "rounds"));
        int senders = flags.positiveInt("senders", 4);
        int batchSize = flags.positiveInt("batch-size", 1000);
        int batches = flags.positiveInt("batches", 10);
        int rounds = flags.positiveInt("rounds", 5);
        BenchPostgres pg = BenchPostgres.fromEnvironment();
        pg.recreateSchema("bench_log_on");
        pg.recreateSchema("bench_log_off");
        java.nio.file.Path keys = java.nio.file.Files.createTempDirectory("bench-log-keys");
        DataStorageConfig on = withKey(
                pg.dataStorage("bench_log_on", StorageSettings.DEFAULT.poolSize()),
                keys,
                "on",
                LogConfig.DEFAULT_CHECKPOINT_INTERVAL);
        DataStorageConfig off = withKey(
                pg.dataStorage("bench_log_off", StorageSettings.DEFAULT.poolSize()), keys, "off", Duration.ofHours(1));
        System.out.printf(
                Locale.ROOT,
                "LogCostRun: %d senders x %d batches x %d events per phase, %d rounds (+1 warm-up), load %.2f%n",
                senders,
                batches,
                batchSize,
                rounds,
                CpuMeter.loadAverage());
        List<Double> onRates = new ArrayList<>();
        List<Double> offRates = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        try (DataStorage serverOn = DataStorage.start(on, Clock.systemUTC());
                DataStorage serverOff = DataStorage.start(off, Clock.systemUTC())) {
            long seed = 1;
            for (int round = 0; round <= rounds; round++) {
                double rateOn = 0;
                double rateOff = 0;
                for (int i = 0; i < 2; i++) {
                    boolean treeOn = (round + i) % 2 == 0;
                    DataStorage server = treeOn ? serverOn : serverOff;
                    List<List<byte[]>> bodies = bodies(seed++, senders, batches, batchSize);
                    double rate = phase(server, bodies, batchSize);
                    String extra = "";
                    if (treeOn) {
                        long start = System.nanoTime();
                        awaitTreeCovers(server);
                        extra = String.format(
                                Locale.ROOT,
                                ", tree caught up %d ms after the phase",
                                (System.nanoTime() - start) / 1_000_000);
                        rateOn = rate;
                    } else {
                        rateOff = rate;
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "round %d%s tree %-3s %,10.0f events/s%s%n",
                            round,
                            round == 0 ? " (warm-up)" : "",
                            treeOn ? "on" : "off",
                            rate,
                            extra);
                }
                if (round > 0) {
                    onRates.add(rateOn);
                    offRates.add(rateOff);
                    ratios.add(rateOn / rateOff);
                }
            }
        }
        System.out.printf(
                Locale.ROOT, "tree on  median %,.0f events/s (rounds %s)%n", median(onRates), list(onRates, "%.0f"));
        System.out.printf(
                Locale.ROOT, "tree off median %,.0f events/s (rounds %s)%n", median(offRates), list(offRates, "%.0f"));
        System.out.printf(
                Locale.ROOT,
                "on/off ratio median %.3f (rounds %s), load %.2f%n",
                median(ratios),
                list(ratios, "%.3f"),
                CpuMeter.loadAverage());
    }

    private static DataStorageConfig withKey(
            DataStorageConfig c, java.nio.file.Path dir, String name, Duration interval) {
        return c.withLog(new LogConfig(dir.resolve(name + ".key"), null, interval));
    }

    private static List<List<byte[]>> bodies(long seed, int senders, int batches, int batchSize) {
        List<List<byte[]>> out = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            List<byte[]> mine = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                List<AuditEvent> events =
                        IngestEvents.generate(seed * 1_000_003L + s * 1009L + b, batchSize, 1024, Instant.now());
                mine.add(IngestEvents.gzipBatch(events));
            }
            out.add(mine);
        }
        return out;
    }

    private static double phase(DataStorage server, List<List<byte[]>> bodies, int batchSize) throws Exception {
        URI uri = URI.create(server.baseUrl() + "/api/v1/audit/events/batch");
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            long start = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (List<byte[]> mine : bodies) {
                done.add(pool.submit(() -> {
                    for (byte[] body : mine) {
                        post(uri, body);
                    }
                    return mine.size();
                }));
            }
            long total = 0;
            for (Future<Integer> f : done) {
                total += (long) f.get() * batchSize;
            }
            return total / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void post(URI uri, byte[] gzipBody) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .header("Content-Encoding", "gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(gzipBody))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200 || r.body().contains("\"rejected\":0") == false) {
            throw new IllegalStateException("POST " + uri + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** Waits until the latest checkpoint's size equals the log's size (both read over HTTP). */
    private static void awaitTreeCovers(DataStorage server) throws Exception {
        URI entries = URI.create(server.baseUrl() + "/api/v1/audit/log/entries?limit=1");
        URI checkpoint = URI.create(server.baseUrl() + "/api/v1/log/checkpoint");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String logSize = HTTP.send(HttpRequest.newBuilder(entries).build(), HttpResponse.BodyHandlers.ofString())
                .body()
                .replaceAll(".*\"log_size\":(\\d+).*", "$1");
        while (System.nanoTime() < deadline) {
            String note = HTTP.send(HttpRequest.newBuilder(checkpoint).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            String[] lines = note.split("\n");
            if (lines.length > 1 && lines[1].equals(logSize.trim())) {
                return;
            }
            Thread.sleep(20); // polling an external process's progress, not waiting for a result we own
        }
        throw new IllegalStateException("the tree did not catch up with log size " + logSize + " within 5 minutes");
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String list(List<Double> values, String format) {
        return String.join(
                ", ",
                values.stream().map(d -> String.format(Locale.ROOT, format, d)).toList());
    }
}

package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What each secondary index of {@code audit_events} (and {@code jsonb} for {@code event_data}) costs
 * on ingest: one schema per variant, each made by DataStorage's own migrations and then changed by
 * one statement (an index dropped, added or swapped, a column type changed), all fed the same rows
 * with the raw {@code unnest} insert of {@link PostgresBaselines} in rotating order, round by round.
 * Reports per variant the median events/s and PostgreSQL CPU per 1,000 events against the schema
 * as migrated, in the same round.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.IndexCostRun [--senders 4]
 * [--batch-size 1000] [--batches 10] [--rounds 5]}; {@code --batches} is per sender and phase.
 */
public final class IndexCostRun {
    private static final String AS_MIGRATED = "as migrated";

    /** Variant name → the statements that turn the migrated schema into it. */
    private static final Map<String, List<String>> VARIANTS = variants();

    private IndexCostRun() {}

    private static Map<String, List<String>> variants() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put(AS_MIGRATED, List.of());
        v.put("+ (event_id)", List.of("CREATE INDEX audit_events_event_id ON audit_events (event_id)"));
        v.put("- (correlation_id, event_timestamp)", List.of("DROP INDEX audit_events_correlation"));
        v.put("- (event_type, event_timestamp)", List.of("DROP INDEX audit_events_type"));
        v.put("- (resource_type, resource_id, event_timestamp)", List.of("DROP INDEX audit_events_resource"));
        v.put("- (actor_id, event_timestamp)", List.of("DROP INDEX audit_events_actor"));
        v.put("- (event_timestamp)", List.of("DROP INDEX audit_events_timestamp"));
        v.put(
                "(event_timestamp) as BRIN",
                List.of(
                        "DROP INDEX audit_events_timestamp",
                        "CREATE INDEX audit_events_timestamp ON audit_events USING brin (event_timestamp)"));
        v.put(
                "no secondary index",
                List.of(
                        "DROP INDEX audit_events_correlation",
                        "DROP INDEX audit_events_type",
                        "DROP INDEX audit_events_resource",
                        "DROP INDEX audit_events_actor",
                        "DROP INDEX audit_events_timestamp"));
        v.put("event_data json", List.of("ALTER TABLE audit_events ALTER COLUMN event_data TYPE json"));
        return v;
    }

    record Result(String variant, int round, double eventsPerSecond, double postgresMillisPer1k) {}

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags(args, Set.of("senders", "batch-size", "batches", "rounds"));
        int senders = flags.positiveInt("senders", 4);
        int batchSize = flags.positiveInt("batch-size", 1000);
        int batches = flags.positiveInt("batches", 10);
        int rounds = flags.positiveInt("rounds", 5);
        BenchPostgres pg = BenchPostgres.fromEnvironment();
        System.out.println(MachineInfo.describe(pg));
        long postmaster = pg.postmasterPid();
        List<String> names = new ArrayList<>(VARIANTS.keySet());
        Map<String, PostgresBaselines> writers = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        List<Result> results = new ArrayList<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                String schema = "bench_index_" + i;
                pg.recreateSchema(schema);
                try (EventRepository migrated = EventRepositories.open(pg.storage(schema, 4), Clock.systemUTC())) {
                    // DataStorage's migrations and partitions, exactly as production gets them
                }
                try (Connection c = pg.connect(schema);
                        Statement s = c.createStatement()) {
                    for (String ddl : VARIANTS.get(names.get(i))) {
                        s.execute(ddl);
                    }
                }
                writers.put(names.get(i), new PostgresBaselines(pg, schema, senders));
            }
            for (int round = 0; round <= rounds; round++) {
                for (int k = 0; k < names.size(); k++) {
                    String name = names.get((round + k) % names.size());
                    Result r = phase(writers.get(name), name, round, senders, batches, batchSize, pool, postmaster);
                    System.out.printf(
                            Locale.ROOT,
                            "round %d%s %-48s %,8.0f events/s, PostgreSQL %.1f ms CPU per 1,000 events%n",
                            round,
                            round == 0 ? " (warm-up)" : "",
                            name,
                            r.eventsPerSecond(),
                            r.postgresMillisPer1k());
                    if (round > 0) {
                        results.add(r);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            writers.values().forEach(PostgresBaselines::close);
            for (int i = 0; i < names.size(); i++) {
                try (Connection c = pg.connect("public");
                        Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS bench_index_" + i + " CASCADE");
                }
            }
        }
        System.out.println();
        System.out.println("| variant | events/s median (min-max) | ÷ as migrated, same round: median (min-max)"
                + " | PostgreSQL CPU ms / 1k events | Δ CPU vs as migrated |");
        System.out.println("|---|---:|---:|---:|---:|");
        double baseCpu = IngestReport.median(figure(results, AS_MIGRATED, Result::postgresMillisPer1k));
        double[] base = figure(results, AS_MIGRATED, Result::eventsPerSecond);
        for (String name : names) {
            double[] rates = figure(results, name, Result::eventsPerSecond);
            double[] ratios = new double[rates.length];
            for (int i = 0; i < rates.length; i++) {
                ratios[i] = rates[i] / base[i];
            }
            double cpu = IngestReport.median(figure(results, name, Result::postgresMillisPer1k));
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f (%,.0f-%,.0f) | %.2f (%.2f-%.2f) | %.1f | %+.1f |%n",
                    name,
                    IngestReport.median(rates),
                    min(rates),
                    max(rates),
                    IngestReport.median(ratios),
                    min(ratios),
                    max(ratios),
                    cpu,
                    cpu - baseCpu);
        }
        System.out.printf(Locale.ROOT, "load average now %.2f%n", CpuMeter.loadAverage());
    }

    private static Result phase(
            PostgresBaselines writer,
            String name,
            int round,
            int senders,
            int batches,
            int batchSize,
            ExecutorService pool,
            long postmaster)
            throws Exception {
        // the same content for every variant of a round, under new ids
        List<AuditEvent> events = IngestEvents.generate(round, senders * batches * batchSize, 1024, Instant.now());
        List<List<Object[]>> work = new ArrayList<>();
        for (int b = 0; b < senders * batches; b++) {
            work.add(events.subList(b * batchSize, (b + 1) * batchSize).stream()
                    .map(IngestEvents::postgresRow)
                    .toList());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            List<List<Object[]>> mine = work.subList(s * batches, (s + 1) * batches);
            done.add(pool.submit(() -> {
                start.await();
                for (List<Object[]> rows : mine) {
                    writer.insert(PostgresBaselines.Method.UNNEST, rows);
                }
                return null;
            }));
        }
        CpuMeter.Sample before = CpuMeter.sample(postmaster);
        long t0 = System.nanoTime();
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        CpuMeter.Usage cpu = CpuMeter.sample(postmaster).since(before);
        return new Result(name, round, events.size() / seconds, cpu.postgresSeconds() * 1e6 / events.size());
    }

    private static double[] figure(
            List<Result> results, String variant, java.util.function.ToDoubleFunction<Result> f) {
        return results.stream()
                .filter(r -> r.variant().equals(variant))
                .sorted((a, b) -> Integer.compare(a.round(), b.round()))
                .mapToDouble(f)
                .toArray();
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }
}

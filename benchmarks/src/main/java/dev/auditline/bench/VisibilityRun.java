package dev.auditline.bench;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.FlushReport;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.testkit.FaultProxy;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Store → queryable latency of a real {@link BufferedAuditStore} ({@code
 * flush_interval} 1 s) in front of a real DataStorage on 127.0.0.1 over PostgreSQL, healthy and
 * with one request stalled 30 s, against the design it replaces ({@link VisibilityNaiveSender}).
 *
 * <p>The run, in one JVM against one DataStorage:
 *
 * <ol>
 *   <li><b>Maximum rate.</b> {@code --saturate-threads} producers store as fast as the client
 *       takes events ({@code overflow: block}, so back-pressure rather than drops); the acked
 *       events per second after a warm-up are the maximum sustained rate of client → DataStorage
 *       → PostgreSQL (straight to DataStorage, not through the proxy).
 *   <li><b>One scenario per sender</b> (the client, then the naive baseline), both through a
 *       {@link FaultProxy} that passes everything through except when told: paced producers
 *       offer {@code --rate-fraction} of that maximum; a {@link VisibilityProbe} stores a probe
 *       every {@code --probe-every-ms} and polls the query API for it. After a warm-up, {@code
 *       --healthy-seconds} of healthy traffic are measured; then the proxy holds the next request
 *       for {@code --stall-seconds} while traffic continues, and the probes stored from the moment
 *       the request was held until {@code --after-stall-seconds} past the stall's end are
 *       measured. Every event's commit lag ({@code ingested_at - event_timestamp}) is read over
 *       JDBC for the same two windows.
 * </ol>
 *
 * <p>The client's request timeout is {@code --client-timeout-seconds} (default 60 s, longer than
 * the stall) for both senders, so the held request really hangs for the whole stall as in the
 * original incident, instead of being cut short at the default 10 s and retried.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.VisibilityRun
 * [--rate-fraction 0.2] [--healthy-seconds 25] [--stall-seconds 30] [--after-stall-seconds 5]
 * [--saturate-seconds 10] [--saturate-warmup-seconds 3] [--saturate-threads 4] [--producers 2]
 * [--probe-every-ms 100] [--pool-size 4] [--client-timeout-seconds 60] [--senders
 * client,naive]}; PostgreSQL from {@value BenchPostgres#URL_ENV} (see {@code
 * benchmarks/run-visibility-bench.sh}).
 */
public final class VisibilityRun {
    static final String SCHEMA = "visibility_bench";
    static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** Before the healthy window: connections opened, JIT warm, the first flushes done. */
    static final Duration WARMUP = Duration.ofSeconds(3);
    /**
     * Between the healthy window and the stall: events stored in the last flush interval before
     * the stall may ride in the held request, so they belong to neither window.
     */
    static final Duration GAP = Duration.ofSeconds(2);

    static final Duration PROBE_GIVE_UP = Duration.ofSeconds(90);

    private VisibilityRun() {}

    record Options(
            double rateFraction,
            int healthySeconds,
            int stallSeconds,
            int afterStallSeconds,
            int saturateSeconds,
            int saturateWarmupSeconds,
            int saturateThreads,
            int producers,
            int probeEveryMillis,
            int poolSize,
            int clientTimeoutSeconds,
            List<String> senders) {
        static Options parse(String[] args) {
            Flags f = new Flags(
                    args,
                    Set.of(
                            "rate-fraction",
                            "healthy-seconds",
                            "stall-seconds",
                            "after-stall-seconds",
                            "saturate-seconds",
                            "saturate-warmup-seconds",
                            "saturate-threads",
                            "producers",
                            "probe-every-ms",
                            "pool-size",
                            "client-timeout-seconds",
                            "senders"));
            String fraction = f.string("rate-fraction", "0.2");
            double rateFraction;
            try {
                rateFraction = Double.parseDouble(fraction);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--rate-fraction must be a number (got \"" + fraction + "\")", e);
            }
            if (!(rateFraction > 0 && rateFraction <= 1)) {
                throw new IllegalArgumentException("--rate-fraction must be in (0, 1] (got " + rateFraction + ")");
            }
            List<String> senders = List.of(f.string("senders", "client,naive").split(","));
            for (String s : senders) {
                if (!s.equals("client") && !s.equals("naive")) {
                    throw new IllegalArgumentException("--senders takes client and/or naive (got \"" + s + "\")");
                }
            }
            return new Options(
                    rateFraction,
                    f.positiveInt("healthy-seconds", 25),
                    f.positiveInt("stall-seconds", 30),
                    f.positiveInt("after-stall-seconds", 5),
                    f.positiveInt("saturate-seconds", 10),
                    f.positiveInt("saturate-warmup-seconds", 3),
                    f.positiveInt("saturate-threads", 4),
                    f.positiveInt("producers", 2),
                    f.positiveInt("probe-every-ms", 100),
                    f.positiveInt("pool-size", 4),
                    f.positiveInt("client-timeout-seconds", 60),
                    senders);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchPostgres pg = BenchPostgres.fromEnvironment();
        System.out.println(MachineInfo.describe(pg));
        System.out.println("options: " + o);
        pg.recreateSchema(SCHEMA);
        List<VisibilityReport.Scenario> scenarios = new ArrayList<>();
        double maxRate;
        double offered;
        try (DataStorage server = DataStorage.start(pg.dataStorage(SCHEMA, o.poolSize()), Clock.systemUTC());
                FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port())) {
            maxRate = measureMaxRate(server.baseUrl(), o);
            offered = maxRate * o.rateFraction();
            System.out.printf(
                    Locale.ROOT,
                    "offered rate: %.0f events/s (%.0f%% of %.0f)%n",
                    offered,
                    o.rateFraction() * 100,
                    maxRate);
            for (String sender : o.senders()) {
                scenarios.add(runScenario(sender, server.baseUrl(), proxy, pg, offered, o));
                proxy.release();
            }
        }
        VisibilityReport.print(scenarios, maxRate, offered, o);
        System.out.printf(Locale.ROOT, "end: %s, load average %.2f%n", Instant.now(), CpuMeter.loadAverage());
    }

    private static double measureMaxRate(String baseUrl, Options o) throws InterruptedException {
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl(baseUrl)
                .serviceName("bench-visibility-saturate")
                .flushInterval(FLUSH_INTERVAL)
                .overflow(AuditClientConfig.Overflow.BLOCK)
                .build();
        BufferedAuditStore store = BufferedAuditStore.create(config);
        double rate;
        try (VisibilityLoad load =
                VisibilityLoad.saturating(store::store, "bench-visibility-saturate", o.saturateThreads())) {
            TimeUnit.SECONDS.sleep(o.saturateWarmupSeconds());
            long acked0 = store.stats().acked();
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(o.saturateSeconds());
            long acked1 = store.stats().acked();
            long t1 = System.nanoTime();
            rate = (acked1 - acked0) / ((t1 - t0) / 1e9);
        }
        store.close(Duration.ofSeconds(30));
        AuditClientStats s = store.stats();
        System.out.printf(
                Locale.ROOT,
                "max rate: %.0f events/s acked over %d s after %d s of warm-up, %d producer threads (client:"
                        + " acked=%d dropped=%s retries=%d)%n",
                rate,
                o.saturateSeconds(),
                o.saturateWarmupSeconds(),
                o.saturateThreads(),
                s.acked(),
                s.dropped(),
                s.retries());
        return rate;
    }

    private static VisibilityReport.Scenario runScenario(
            String sender, String serverUrl, FaultProxy proxy, BenchPostgres pg, double offered, Options o)
            throws InterruptedException, SQLException {
        String actor = "bench-visibility-" + sender;
        Duration timeout = Duration.ofSeconds(o.clientTimeoutSeconds());
        BufferedAuditStore client = null;
        VisibilityNaiveSender naive = null;
        VisibilityLoad.Intake intake;
        Supplier<String> stats;
        if (sender.equals("client")) {
            BufferedAuditStore store = BufferedAuditStore.create(AuditClientConfig.builder()
                    .datastorageUrl(proxy.url())
                    .serviceName(actor)
                    .flushInterval(FLUSH_INTERVAL)
                    .timeout(timeout)
                    .build());
            client = store;
            intake = store::store;
            stats = () -> describe(store.stats());
        } else {
            VisibilityNaiveSender n = VisibilityNaiveSender.start(
                    URI.create(proxy.url()),
                    FLUSH_INTERVAL,
                    AuditClientConfig.DEFAULT_BATCH_SIZE,
                    timeout,
                    AuditClientConfig.DEFAULT_MAX_RETRIES,
                    1_000_000);
            naive = n;
            intake = n;
            stats = n::describe;
        }
        System.out.printf(Locale.ROOT, "%s: %.0f events/s offered by %d producers%n", sender, offered, o.producers());

        VisibilityProbe probe =
                VisibilityProbe.start(intake, serverUrl, actor, Duration.ofMillis(o.probeEveryMillis()));
        VisibilityLoad load = VisibilityLoad.paced(intake, actor, o.producers(), offered);
        Duration stall = Duration.ofSeconds(o.stallSeconds());
        Instant healthyFrom;
        Instant healthyTo;
        Instant stallBegan;
        Instant stallTo;
        Duration held = Duration.ZERO;
        try {
            sleep(WARMUP);
            healthyFrom = Instant.now();
            sleep(Duration.ofSeconds(o.healthySeconds()));
            healthyTo = Instant.now();
            sleep(GAP);
            proxy.stallNextRequests(1, stall);
            long armed = System.nanoTime();
            while (proxy.heldNow() < 1) {
                if (System.nanoTime() - armed > TimeUnit.SECONDS.toNanos(10)) {
                    throw new IllegalStateException(sender + ": no request reached the proxy within 10 s of arming"
                            + " the stall (" + proxy + ")");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
            stallBegan = Instant.now();
            long heldFrom = System.nanoTime();
            System.out.printf("%s: a request is held by the proxy from %s (%s)%n", sender, stallBegan, stats.get());
            long end = heldFrom + stall.plusSeconds(o.afterStallSeconds()).toNanos();
            while (System.nanoTime() < end) {
                if (held.isZero() && proxy.heldNow() == 0) {
                    held = Duration.ofNanos(System.nanoTime() - heldFrom);
                    System.out.printf(
                            "%s: held request let go after %d ms (%s)%n", sender, held.toMillis(), stats.get());
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            stallTo = Instant.now();
        } finally {
            probe.stopLaunching();
            load.close();
        }
        System.out.printf(
                Locale.ROOT,
                "%s: producers stopped after %d store() calls (%d accepted); waiting for the probes (%s)%n",
                sender,
                load.attempted(),
                load.accepted(),
                stats.get());
        boolean allSeen = probe.awaitAllSeen(PROBE_GIVE_UP);
        String notes;
        if (client != null) {
            FlushReport flushed = client.flush(Duration.ofSeconds(60));
            client.close(Duration.ofSeconds(10));
            notes = "flush " + flushed + "; " + stats.get();
        } else {
            boolean drained = naive.close(Duration.ofSeconds(60));
            notes = (drained ? "drained; " : "NOT drained within 60 s; ") + stats.get();
        }
        probe.close();
        notes += "; probe " + probe.queryCounts() + (allSeen ? "" : "; some probes never seen") + "; PostgreSQL "
                + rows(pg, actor);
        System.out.println(sender + ": " + notes);

        VisibilityFigures healthy = VisibilityFigures.measure(
                probe.samples(healthyFrom, healthyTo), pg, SCHEMA, actor, healthyFrom, healthyTo);
        VisibilityFigures stalled =
                VisibilityFigures.measure(probe.samples(stallBegan, stallTo), pg, SCHEMA, actor, stallBegan, stallTo);
        return new VisibilityReport.Scenario(sender, healthy, stalled, held, notes);
    }

    /** Rows of {@code actor} and distinct event ids among them: what was really committed. */
    private static String rows(BenchPostgres pg, String actor) throws SQLException {
        try (Connection c = pg.connect(SCHEMA);
                PreparedStatement s = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT event_id) FROM audit_events WHERE actor_id = ?")) {
            s.setString(1, actor);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1) + " rows, " + r.getLong(2) + " distinct ids";
            }
        }
    }

    private static String describe(AuditClientStats s) {
        return "enqueued=" + s.enqueued() + " acked=" + s.acked() + " dropped=" + s.droppedTotal() + " buffered="
                + s.bufferedEvents() + " in_flight=" + s.inFlightEvents() + "/" + s.inFlightBatches() + " retries="
                + s.retries();
    }

    private static void sleep(Duration d) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }
}

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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
    static final Duration HEALTHY_GOAL = Duration.ofMillis(1150);
    static final Duration STALL_GOAL = Duration.ofSeconds(2);
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

    /** Percentiles of one window: the probes (HTTP view) and every event's commit lag (JDBC view). */
    record Figures(
            int probes,
            long unseen,
            double p50,
            double p90,
            double p99,
            double max,
            long events,
            double lagP50,
            double lagP90,
            double lagP99,
            double lagMax) {}

    record Scenario(String sender, Figures healthy, Figures stall, Duration held, String notes) {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchPostgres pg = BenchPostgres.fromEnvironment();
        System.out.println(MachineInfo.describe(pg));
        System.out.println("options: " + o);
        pg.recreateSchema(SCHEMA);
        List<Scenario> scenarios = new ArrayList<>();
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
        report(scenarios, maxRate, offered, o);
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

    private static Scenario runScenario(
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

        Figures healthy = figures(probe.samples(healthyFrom, healthyTo), pg, actor, healthyFrom, healthyTo);
        Figures stalled = figures(probe.samples(stallBegan, stallTo), pg, actor, stallBegan, stallTo);
        return new Scenario(sender, healthy, stalled, held, notes);
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

    private static Figures figures(
            List<VisibilityProbe.Sample> samples, BenchPostgres pg, String actor, Instant from, Instant to)
            throws SQLException {
        Latencies seen = new Latencies(samples.size());
        long unseen = 0;
        for (VisibilityProbe.Sample s : samples) {
            if (s.seen()) {
                seen.record(s.latencyNanos());
            } else {
                unseen++;
            }
        }
        String sql = "SELECT count(*),"
                + " percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms),"
                + " percentile_disc(0.9) WITHIN GROUP (ORDER BY lag_ms),"
                + " percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms),"
                + " max(lag_ms)"
                + " FROM (SELECT extract(epoch FROM ingested_at - event_timestamp) * 1000 AS lag_ms"
                + " FROM audit_events WHERE actor_id = ? AND event_timestamp >= ? AND event_timestamp < ?) lags";
        try (Connection c = pg.connect(SCHEMA);
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, actor);
            s.setObject(2, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            s.setObject(3, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new Figures(
                        samples.size(),
                        unseen,
                        seen.percentileMillis(50),
                        seen.percentileMillis(90),
                        seen.percentileMillis(99),
                        seen.percentileMillis(100),
                        r.getLong(1),
                        r.getDouble(2),
                        r.getDouble(3),
                        r.getDouble(4),
                        r.getDouble(5));
            }
        }
    }

    private static void report(List<Scenario> scenarios, double maxRate, double offered, Options o) {
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "max sustained ingest rate %.0f events/s; offered %.0f events/s (%.0f%%); probe every %d ms;"
                        + " stall %d s%n%n",
                maxRate,
                offered,
                o.rateFraction() * 100,
                o.probeEveryMillis(),
                o.stallSeconds());
        System.out.println("| sender | window | probes (unseen) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms)"
                + " | events | lag p50 (ms) | lag p90 (ms) | lag p99 (ms) | lag max (ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Scenario s : scenarios) {
            row(s.sender(), "healthy", s.healthy());
            row(s.sender(), "stall " + o.stallSeconds() + " s (held " + s.held().toMillis() + " ms)", s.stall());
        }
        Scenario client = find(scenarios, "client");
        Scenario naive = find(scenarios, "naive");
        System.out.println();
        if (client != null && naive != null) {
            System.out.printf(
                    Locale.ROOT,
                    "ratio naive ÷ client, probe p99: healthy %.2f, stall %.2f; commit-lag p99: healthy %.2f, stall"
                            + " %.2f%n",
                    naive.healthy().p99() / client.healthy().p99(),
                    naive.stall().p99() / client.stall().p99(),
                    naive.healthy().lagP99() / client.healthy().lagP99(),
                    naive.stall().lagP99() / client.stall().lagP99());
        }
        if (client != null) {
            System.out.printf(
                    Locale.ROOT,
                    "goal healthy p99 ≤ %d ms: %s (%.0f ms); goal stall p99 ≤ %d ms: %s (%.0f ms)%n",
                    HEALTHY_GOAL.toMillis(),
                    verdict(client.healthy(), HEALTHY_GOAL),
                    client.healthy().p99(),
                    STALL_GOAL.toMillis(),
                    verdict(client.stall(), STALL_GOAL),
                    client.stall().p99());
        }
    }

    private static String verdict(Figures f, Duration goal) {
        return f.unseen() == 0 && f.p99() <= goal.toMillis() ? "met" : "NOT met";
    }

    private static void row(String sender, String window, Figures f) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %d (%d) | %.0f | %.0f | %.0f | %.0f | %d | %.0f | %.0f | %.0f | %.0f |%n",
                sender,
                window,
                f.probes(),
                f.unseen(),
                f.p50(),
                f.p90(),
                f.p99(),
                f.max(),
                f.events(),
                f.lagP50(),
                f.lagP90(),
                f.lagP99(),
                f.lagMax());
    }

    private static Scenario find(List<Scenario> scenarios, String sender) {
        return scenarios.stream()
                .filter(s -> s.sender().equals(sender))
                .findFirst()
                .orElse(null);
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

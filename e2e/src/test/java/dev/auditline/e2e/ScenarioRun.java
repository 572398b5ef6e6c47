package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientStats;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.CloseReport;
import dev.auditline.client.FlushReport;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One fault-matrix run: a real {@link BufferedAuditStore} fed by a {@link LoadGenerator}, a
 * {@link VisibilityProbe} beside it, and a monitor that checks the accounting identity every
 * {@value #MONITOR_MILLIS} ms while the fault happens. {@link #finish} waits for everything to be
 * terminal and checks the outcome against PostgreSQL.
 */
public final class ScenarioRun implements AutoCloseable {
    static final long MONITOR_MILLIS = 100;
    /** Producer threads of every scenario. */
    public static final int THREADS = 4;
    /** Events of the scenarios that do not say otherwise. */
    public static final long EVENTS = 50_000;

    private final String id;
    private final BufferedAuditStore store;
    private final AuditDatabase database;
    private final LoadGenerator load;
    private final VisibilityProbe probe;
    private final Thread monitor;
    private final long startNanos = System.nanoTime();
    private final Instant startedAt = Instant.now();
    private final AtomicLong identitySamples = new AtomicLong();
    private final AtomicReference<AuditClientStats> identityViolation = new AtomicReference<>();
    private volatile boolean monitoring = true;

    private ScenarioRun(
            String id,
            BufferedAuditStore store,
            AuditDatabase database,
            String queryUrl,
            double eventsPerSecond,
            long events) {
        this.id = id;
        this.store = store;
        this.database = database;
        this.probe = VisibilityProbe.start(store, queryUrl, id);
        this.load = LoadGenerator.start(store, id, THREADS, events, eventsPerSecond);
        this.monitor = new Thread(this::watchIdentity, "e2e-identity-" + id);
        this.monitor.setDaemon(true);
        this.monitor.start();
    }

    /**
     * The configuration a user gets: only the URL and the service name set. The rows that exist to
     * show what the defaults ride out use this and nothing else.
     */
    public static AuditClientConfig.Builder defaults(String datastorageUrl, String id) {
        return AuditClientConfig.builder().datastorageUrl(datastorageUrl).serviceName("e2e-" + id);
    }

    /**
     * The configuration of the rows that exist to show a tuned setting (a spool, a long timeout):
     * besides their own keys, a buffer large enough to hold the whole backlog of a 20-30 s fault at
     * the load's rate, so that {@code buffer_full} does not hide what the tuned setting did. The
     * matrix's config column names every key this sets away from its default.
     */
    public static AuditClientConfig.Builder clientConfig(String datastorageUrl, String id) {
        return AuditClientConfig.builder()
                .datastorageUrl(datastorageUrl)
                .serviceName("e2e-" + id)
                .bufferSize(100_000)
                .maxBufferBytes(256L << 20)
                .batchSize(1000)
                .flushInterval(Duration.ofSeconds(1))
                .maxInFlight(4)
                .timeout(Duration.ofSeconds(10));
    }

    /** Starts the load ({@value #EVENTS} events from {@value #THREADS} threads) and the probe. */
    public static ScenarioRun start(
            String id, BufferedAuditStore store, AuditDatabase database, String queryUrl, double eventsPerSecond) {
        return new ScenarioRun(id, store, database, queryUrl, eventsPerSecond, EVENTS);
    }

    /** Starts the load ({@code events} from {@value #THREADS} threads at {@code eventsPerSecond}) and the probe. */
    public static ScenarioRun start(
            String id,
            BufferedAuditStore store,
            AuditDatabase database,
            String queryUrl,
            double eventsPerSecond,
            long events) {
        return new ScenarioRun(id, store, database, queryUrl, eventsPerSecond, events);
    }

    private void watchIdentity() {
        while (monitoring) {
            AuditClientStats s = store.stats();
            identitySamples.incrementAndGet();
            if (s.unaccounted() != 0) {
                identityViolation.compareAndSet(null, s);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(MONITOR_MILLIS));
        }
    }

    public BufferedAuditStore store() {
        return store;
    }

    public LoadGenerator load() {
        return load;
    }

    public VisibilityProbe probe() {
        return probe;
    }

    /** Waits until the producers have made at least {@code count} {@code store()} calls. */
    public void awaitStored(long count) {
        await(id + ": " + count + " events stored")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> load.attempted() >= count);
    }

    /**
     * Starts measuring the drain now: completes with the time until every event stored before
     * this call is terminal ({@code flush} is truthful, DESIGN §1.9).
     */
    public CompletableFuture<Duration> measureDrain() {
        return CompletableFuture.supplyAsync(() -> {
            FlushReport r = store.flush(Duration.ofMinutes(3));
            assertThat(r.timedOut())
                    .as("%s: backlog drained within 3 min: %s", id, r)
                    .isFalse();
            return r.elapsed();
        });
    }

    /**
     * What {@link #finish} found, for the test's own assertions and its report row.
     *
     * @param config the client keys away from their defaults ({@link ConfigDiff})
     * @param ids the producers' ids against PostgreSQL's
     * @param unseenProbes probe events never seen through the query API
     */
    public record Outcome(
            AuditClientStats stats,
            CloseReport close,
            AuditDatabase.Counts counts,
            Duration drainAfterLastStore,
            Latencies commitLag,
            Duration run,
            long identitySamples,
            List<String> config,
            IdCheck ids,
            long unseenProbes) {}

    /**
     * Waits for the producers, stops the probe, flushes, closes the client, and checks the
     * invariants every scenario shares: everything terminal, the accounting identity held in every
     * sample and holds at the end, and rows = distinct ids = acked in PostgreSQL.
     */
    public Outcome finish() throws InterruptedException {
        load.awaitDone(Duration.ofMinutes(3));
        long drainStart = System.nanoTime();
        probe.close();
        FlushReport flushed = store.flush(Duration.ofMinutes(3));
        Duration drain = Duration.ofNanos(System.nanoTime() - drainStart);
        assertThat(flushed.timedOut())
                .as("%s: final flush timed out: %s", id, flushed)
                .isFalse();
        Duration run = Duration.ofNanos(System.nanoTime() - startNanos);
        CloseReport closed = store.close(Duration.ofSeconds(30));
        monitoring = false;
        monitor.join(TimeUnit.SECONDS.toMillis(5));
        AuditClientStats s = store.stats();

        assertThat(identityViolation.get())
                .as("%s: accounting identity broken in a sample taken during the run", id)
                .isNull();
        assertThat(closed.timedOut()).as("%s: close timed out: %s", id, closed).isFalse();
        assertThat(s.bufferedEvents() + s.inFlightEvents())
                .as("%s: nothing left buffered or in flight", id)
                .isZero();
        assertThat(s.enqueued())
                .as("%s: enqueued = acked + rejected + dropped + spooled_pending + buffered + in_flight: %s", id, s)
                .isEqualTo(s.acked()
                        + s.rejected()
                        + s.droppedTotal()
                        + s.spooledPending()
                        + s.bufferedEvents()
                        + s.inFlightEvents());
        assertThat(s.enqueued())
                .as("%s: every store() call counted", id)
                .isEqualTo(load.attempted() + probe.samples().size());

        assertThat(identitySamples.get())
                .as("%s: identity samples taken during the run (one per %d ms)", id, MONITOR_MILLIS)
                .isGreaterThanOrEqualTo(run.toMillis() / MONITOR_MILLIS / 4);

        AuditDatabase.Counts counts = database.counts();
        Set<UUID> stored = new HashSet<>(load.storedIds());
        stored.addAll(probe.storedIds());
        IdCheck ids = IdCheck.of(stored, database.eventIds(), counts.rows());
        assertThat(ids.unexpected())
                .as("%s: no id in PostgreSQL that this run did not store: %s", id, ids)
                .isZero();
        assertThat(ids.duplicated())
                .as("%s: no event stored twice: %s", id, ids)
                .isZero();
        assertThat(ids.missing())
                .as(
                        "%s: every stored id missing from PostgreSQL is counted as dropped, rejected or spooled: %s; %s",
                        id, ids, s)
                .isEqualTo(s.droppedTotal() + s.rejected() + s.spooledPending());
        assertThat(counts.rows())
                .as("%s: every acked event in PostgreSQL, nothing else: %s", id, s)
                .isEqualTo(s.acked());
        return new Outcome(
                s,
                closed,
                counts,
                drain,
                database.commitLag(startedAt),
                run,
                identitySamples.get(),
                ConfigDiff.client(store.config()),
                ids,
                probe.unseen(Instant.EPOCH));
    }

    /**
     * The guarantee of the rows that run at the defaults: the configuration is the default one,
     * nothing was dropped, and the set of ids in PostgreSQL is exactly the set the producers stored.
     * Prints the row's figures first, so that a failing run still tells what it measured.
     */
    public static void assertDefaultsRodeItOut(String id, Outcome outcome) {
        AuditClientStats s = outcome.stats();
        System.out.printf(
                "e2e %s: stored %d, acked %d, dropped %d %s, ids %s, commit lag %s%n",
                id,
                outcome.ids().stored(),
                s.acked(),
                s.droppedTotal(),
                s.dropped(),
                outcome.ids(),
                outcome.commitLag());
        assertThat(outcome.config())
                .as("%s: runs at the default configuration", id)
                .isEmpty();
        assertThat(s.droppedTotal()).as("%s: nothing dropped: %s", id, s).isZero();
        assertThat(s.rejected()).as("%s: nothing rejected: %s", id, s).isZero();
        assertThat(outcome.ids().missing())
                .as("%s: every stored id in PostgreSQL: %s", id, outcome.ids())
                .isZero();
        assertThat(outcome.ids().exact())
                .as("%s: the ids in PostgreSQL are exactly the ids stored, once each: %s", id, outcome.ids())
                .isTrue();
    }

    @Override
    public void close() {
        load.close();
        probe.abort();
        monitoring = false;
        store.close(Duration.ofSeconds(5));
    }
}

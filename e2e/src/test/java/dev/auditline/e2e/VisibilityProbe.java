package dev.auditline.e2e;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures store → queryable latency alongside a load run: one probe event at a time, stored
 * through the same client as the load, then looked up through the query API every {@value
 * #POLL_MILLIS} ms until it appears. Resolution is one poll interval plus a query.
 */
public final class VisibilityProbe implements AutoCloseable {
    static final long POLL_MILLIS = 25;
    private static final long PAUSE_MILLIS = 100;
    private static final Duration GIVE_UP = Duration.ofSeconds(90);

    /** One probe: when it was stored and how long until it was queryable ({@code null}: never seen). */
    public record Sample(Instant storedAt, Duration latency) {}

    private final AuditStore store;
    private final EventQueries queries;
    private final String scenario;
    private final Object lock = new Object();
    private final List<Sample> samples = new ArrayList<>(); // guarded by lock
    private final Thread thread;
    private volatile boolean stopped;
    private volatile boolean aborted;

    private VisibilityProbe(AuditStore store, EventQueries queries, String scenario) {
        this.store = store;
        this.queries = queries;
        this.scenario = scenario;
        this.thread = new Thread(this::run, "e2e-probe-" + scenario);
        this.thread.setDaemon(true);
    }

    /** Starts probing; the query goes straight to {@code queryBaseUrl} (DataStorage, no fault layer). */
    public static VisibilityProbe start(AuditStore store, String queryBaseUrl, String scenario) {
        VisibilityProbe probe = new VisibilityProbe(store, new EventQueries(queryBaseUrl), scenario);
        probe.thread.start();
        return probe;
    }

    private void run() {
        while (!stopped) {
            String correlation = "probe-" + scenario + "-" + UUID.randomUUID();
            AuditEvent event = AuditEvent.builder()
                    .eventType("e2e.probe.stored")
                    .eventCategory("e2e")
                    .eventAction("stored")
                    .eventOutcome(EventOutcome.SUCCESS)
                    .correlationId(correlation)
                    .actor("service", "e2e-probe")
                    .resource("probe", correlation)
                    .eventData(Map.of("scenario", scenario))
                    .eventTimestamp(Instant.now())
                    .build();
            Instant storedAt = Instant.now();
            long start = System.nanoTime();
            if (!store.store(event)) {
                record(new Sample(storedAt, null));
            } else {
                record(new Sample(storedAt, awaitVisible(correlation, event.eventId(), start)));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS));
        }
    }

    private Duration awaitVisible(String correlation, UUID id, long start) {
        long deadline = start + GIVE_UP.toNanos();
        while (!aborted && System.nanoTime() < deadline) {
            try {
                if (queries.eventIds(correlation).contains(id)) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            } catch (IOException e) {
                // DataStorage down or its database out: keep looking, the latency shows it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
        }
        return null;
    }

    private void record(Sample sample) {
        synchronized (lock) {
            samples.add(sample);
        }
    }

    /** Every finished probe so far. */
    public List<Sample> samples() {
        synchronized (lock) {
            return List.copyOf(samples);
        }
    }

    /** Latencies of the probes stored at or after {@code since} that became visible. */
    public Latencies latencies(Instant since) {
        List<Duration> seen = new ArrayList<>();
        for (Sample s : samples()) {
            if (s.latency() != null && !s.storedAt().isBefore(since)) {
                seen.add(s.latency());
            }
        }
        return Latencies.of(seen);
    }

    /** Probes stored at or after {@code since} that were never seen (given up or stopped first). */
    public long unseen(Instant since) {
        return samples().stream()
                .filter(s -> s.latency() == null && !s.storedAt().isBefore(since))
                .count();
    }

    /** Stops starting new probes and waits for the one under way to be seen (or given up). */
    /** Stops at once, giving up on the probe under way (after a failure). */
    public void abort() throws InterruptedException {
        aborted = true;
        close();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(GIVE_UP.toMillis() + TimeUnit.SECONDS.toMillis(5));
    }
}

package dev.auditline.e2e;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Measures store → queryable latency alongside a load run: every {@value #EVERY_MILLIS} ms a probe
 * event is stored through the same client as the load, and each outstanding probe is looked up
 * through the query API every {@value #POLL_MILLIS} ms until it appears (every {@value
 * #SLOW_POLL_MILLIS} ms once it is {@value #FAST_POLL_SECONDS} s old, so an outage does not turn
 * the probe into a load of its own). Probes do not wait for each other: one caught in a stalled
 * request does not stop the others from measuring what happens meanwhile.
 */
public final class VisibilityProbe implements AutoCloseable {
    static final long EVERY_MILLIS = 250;
    static final long POLL_MILLIS = 50;
    static final long SLOW_POLL_MILLIS = 250;
    static final long FAST_POLL_SECONDS = 3;
    private static final Duration GIVE_UP = Duration.ofSeconds(90);

    /** One probe: when it was stored and how long until it was queryable ({@code null}: never seen). */
    public record Sample(Instant storedAt, Duration latency) {}

    private static final class Outstanding {
        final String correlation;
        final UUID id;
        final Instant storedAt;
        final long startNanos;
        long nextPollNanos;

        Outstanding(String correlation, UUID id, Instant storedAt, long startNanos) {
            this.correlation = correlation;
            this.id = id;
            this.storedAt = storedAt;
            this.startNanos = startNanos;
            this.nextPollNanos = startNanos;
        }
    }

    private final AuditStore store;
    private final EventQueries queries;
    private final String scenario;
    private final ScheduledExecutorService scheduler;
    private final Object lock = new Object();
    private final List<Sample> samples = new ArrayList<>(); // guarded by lock
    private final List<Outstanding> outstanding = new ArrayList<>(); // guarded by lock
    private final Set<UUID> storedIds = new HashSet<>(); // guarded by lock
    private volatile boolean stopped;

    private VisibilityProbe(AuditStore store, EventQueries queries, String scenario) {
        this.store = store;
        this.queries = queries;
        this.scenario = scenario;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "e2e-probe-" + scenario);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts probing; the query goes straight to {@code queryBaseUrl} (DataStorage, no fault layer). */
    public static VisibilityProbe start(AuditStore store, String queryBaseUrl, String scenario) {
        VisibilityProbe probe = new VisibilityProbe(store, new EventQueries(queryBaseUrl), scenario);
        probe.scheduler.scheduleAtFixedRate(probe::launch, 0, EVERY_MILLIS, TimeUnit.MILLISECONDS);
        probe.scheduler.scheduleWithFixedDelay(probe::pollAll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        return probe;
    }

    private void launch() {
        if (stopped) {
            return;
        }
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
        synchronized (lock) {
            storedIds.add(event.eventId());
        }
        boolean accepted = store.store(event);
        synchronized (lock) {
            if (accepted) {
                outstanding.add(new Outstanding(correlation, event.eventId(), storedAt, start));
            } else {
                samples.add(new Sample(storedAt, null));
            }
        }
    }

    private void pollAll() {
        List<Outstanding> due = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (lock) {
            for (Outstanding o : outstanding) {
                if (now >= o.nextPollNanos) {
                    due.add(o);
                }
            }
        }
        for (Outstanding o : due) {
            boolean seen = false;
            try {
                seen = queries.eventIds(o.correlation).contains(o.id);
            } catch (IOException e) {
                // DataStorage down or its database out: keep looking, the latency shows it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long after = System.nanoTime();
            Duration age = Duration.ofNanos(after - o.startNanos);
            synchronized (lock) {
                if (seen || age.compareTo(GIVE_UP) > 0) {
                    outstanding.remove(o);
                    samples.add(new Sample(o.storedAt, seen ? age : null));
                } else {
                    long wait = age.toSeconds() < FAST_POLL_SECONDS ? POLL_MILLIS : SLOW_POLL_MILLIS;
                    o.nextPollNanos = after + TimeUnit.MILLISECONDS.toNanos(wait) - TimeUnit.MILLISECONDS.toNanos(5);
                }
            }
        }
    }

    /** Every finished probe so far. */
    public List<Sample> samples() {
        synchronized (lock) {
            return List.copyOf(samples);
        }
    }

    /** The ids of the probe events handed to {@code store()} so far, accepted or refused. */
    public Set<UUID> storedIds() {
        synchronized (lock) {
            return Set.copyOf(storedIds);
        }
    }

    /** Probes stored so far, finished or not. */
    public int stored() {
        synchronized (lock) {
            return samples.size() + outstanding.size();
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

    /** Probes stored at or after {@code since} that were never seen (given up, or refused by the store). */
    public long unseen(Instant since) {
        return samples().stream()
                .filter(s -> s.latency() == null && !s.storedAt().isBefore(since))
                .count();
    }

    /** Stops at once, giving up on the probes under way (after a failure). */
    public void abort() {
        stopped = true;
        scheduler.shutdownNow();
    }

    /**
     * Stops storing probes, waits (with the client's truthful {@code flush}) until every probe
     * event is terminal, and looks each outstanding one up a last time: an acked event is
     * committed, so it is queryable now; one that is still not found was dropped by the client and
     * counts as never seen.
     */
    @Override
    public void close() {
        stopped = true;
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            store.flush(GIVE_UP);
            List<Outstanding> left;
            synchronized (lock) {
                left = new ArrayList<>(outstanding);
                outstanding.clear();
            }
            for (Outstanding o : left) {
                boolean seen = false;
                try {
                    seen = queries.eventIds(o.correlation).contains(o.id);
                } catch (IOException e) {
                    // counted as never seen
                }
                Duration age = Duration.ofNanos(System.nanoTime() - o.startNanos);
                synchronized (lock) {
                    samples.add(new Sample(o.storedAt, seen ? age : null));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            scheduler.shutdownNow();
        }
    }
}

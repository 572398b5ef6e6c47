package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The producers of {@link VisibilityRun}: several threads calling {@code store()} either as fast as
 * the intake lets them (to find the maximum rate) or paced at a fixed overall rate, the way a busy
 * service stores (a fault then hits a steady stream, not a burst).
 *
 * <p>Each event's {@code event_timestamp} is taken right before its {@code store()} call, so {@code
 * ingested_at - event_timestamp} in the database is its store → commit lag. Every event carries the
 * run's {@code actor_id}, which is how the commit-lag query tells the senders apart.
 */
final class VisibilityLoad implements AutoCloseable {
    /** Where the producers hand their events: the real client or the naive baseline. */
    interface Intake {
        /** @return {@code false} when the event was refused (counted by the intake) */
        boolean store(AuditEvent event);
    }

    private final Intake intake;
    private final String actor;
    private final double eventsPerSecond;
    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopped;

    private VisibilityLoad(Intake intake, String actor, double eventsPerSecond) {
        this.intake = intake;
        this.actor = actor;
        this.eventsPerSecond = eventsPerSecond;
    }

    /** {@code threads} producers storing as fast as {@code intake} accepts. */
    static VisibilityLoad saturating(Intake intake, String actor, int threads) {
        return start(intake, actor, threads, Double.POSITIVE_INFINITY);
    }

    /** {@code threads} producers storing {@code eventsPerSecond} in all, each an equal share. */
    static VisibilityLoad paced(Intake intake, String actor, int threads, double eventsPerSecond) {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("eventsPerSecond must be > 0 (got " + eventsPerSecond + ")");
        }
        return start(intake, actor, threads, eventsPerSecond);
    }

    private static VisibilityLoad start(Intake intake, String actor, int threads, double eventsPerSecond) {
        VisibilityLoad load = new VisibilityLoad(intake, actor, eventsPerSecond);
        long startNanos = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker =
                    new Thread(() -> load.produce(thread, threads, startNanos), "bench-producer-" + actor + "-" + t);
            worker.setDaemon(true);
            load.workers.add(worker);
        }
        load.workers.forEach(Thread::start);
        return load;
    }

    private void produce(int thread, int threads, long startNanos) {
        try {
            // Event i of this thread is due at i * interval from the start: a producer that fell
            // behind catches up at once, so the offered rate is the rate over the whole run.
            double intervalNanos = Double.isInfinite(eventsPerSecond)
                    ? 0
                    : TimeUnit.SECONDS.toNanos(1) * (double) threads / eventsPerSecond;
            for (long i = 0; !stopped; i++) {
                long wait = startNanos + (long) (i * intervalNanos) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                attempted.incrementAndGet();
                if (intake.store(event(thread, i))) {
                    accepted.incrementAndGet();
                }
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
    }

    private AuditEvent event(int thread, long i) {
        return AuditEvent.builder()
                .eventType("bench.visibility.stored")
                .eventCategory("bench")
                .eventAction("stored")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId(actor + "-" + thread + "-" + (i / 100))
                .actor("service", actor)
                .resource("load_item", actor + "-" + thread + "-" + i)
                .eventData(Map.of("thread", thread, "seq", i, "step", "applied", "cluster", "prod-eu-1"))
                .eventTimestamp(Instant.now())
                .build();
    }

    long attempted() {
        return attempted.get();
    }

    long accepted() {
        return accepted.get();
    }

    /** Stops the producers and waits for them; rethrows what a producer failed with. */
    @Override
    public void close() {
        stopped = true;
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a producer of " + actor + " failed", t);
        }
    }
}

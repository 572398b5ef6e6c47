package dev.auditline.e2e;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Several producer threads calling {@code store()} at a fixed overall rate, the way a busy service
 * would: the rate is paced (not a burst), so a fault hits a steady stream and the buffer's bound is
 * what decides whether events are dropped, not the test's own speed.
 *
 * <p>Each event's {@code event_timestamp} is taken right before its {@code store()} call, so {@code
 * ingested_at - event_timestamp} in the database is the event's store → commit lag.
 */
public final class LoadGenerator implements AutoCloseable {
    private final AuditStore store;
    private final String scenario;
    private final int threads;
    private final long events;
    private final double eventsPerSecond;
    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicReference<Instant> lastStore = new AtomicReference<>();
    /** The id of every event handed to {@code store()}, accepted or not: the producer's side of the id-set check. */
    private final Set<UUID> storedIds = ConcurrentHashMap.newKeySet();

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch done;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopped;

    private LoadGenerator(AuditStore store, String scenario, int threads, long events, double eventsPerSecond) {
        this.store = store;
        this.scenario = scenario;
        this.threads = threads;
        this.events = events;
        this.eventsPerSecond = eventsPerSecond;
        this.done = new CountDownLatch(threads);
    }

    /** Starts {@code threads} producers storing {@code events} in all at {@code eventsPerSecond}. */
    public static LoadGenerator start(
            AuditStore store, String scenario, int threads, long events, double eventsPerSecond) {
        LoadGenerator load = new LoadGenerator(store, scenario, threads, events, eventsPerSecond);
        load.begin();
        return load;
    }

    private void begin() {
        long startNanos = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            long share = events / threads + (t < events % threads ? 1 : 0);
            Thread worker = new Thread(() -> produce(thread, share, startNanos), "e2e-producer-" + scenario + "-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
    }

    private void produce(int thread, long share, long startNanos) {
        try {
            // Each thread carries 1/threads of the rate; event i of this thread is due at i * interval.
            double intervalNanos = TimeUnit.SECONDS.toNanos(1) * threads / eventsPerSecond;
            for (long i = 0; i < share && !stopped; i++) {
                long due = startNanos + (long) (i * intervalNanos);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the producer, not waiting for a result
                }
                AuditEvent event = event(thread, i);
                storedIds.add(event.eventId());
                attempted.incrementAndGet();
                if (store.store(event)) {
                    accepted.incrementAndGet();
                }
                lastStore.set(Instant.now());
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        } finally {
            done.countDown();
        }
    }

    private AuditEvent event(int thread, long i) {
        String correlation = scenario + "-" + thread + "-" + (i / 100);
        return AuditEvent.builder()
                .eventType("e2e.load.stored")
                .eventCategory("e2e")
                .eventAction("stored")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId(correlation)
                .actor("service", "e2e-load-" + thread)
                .resource("load_item", scenario + "-" + thread + "-" + i)
                .eventData(Map.of("scenario", scenario, "thread", thread, "seq", i))
                .eventTimestamp(Instant.now())
                .build();
    }

    /** {@code store()} calls made so far. */
    public long attempted() {
        return attempted.get();
    }

    /** The ids of the events handed to {@code store()} so far, accepted or refused. */
    public Set<UUID> storedIds() {
        return Set.copyOf(storedIds);
    }

    /** {@code store()} calls that returned {@code true}. */
    public long accepted() {
        return accepted.get();
    }

    /** When the last {@code store()} call returned; {@code null} before the first. */
    public Instant lastStore() {
        return lastStore.get();
    }

    /** Waits for every producer to finish; fails with a producer's exception if one threw. */
    public void awaitDone(Duration timeout) throws InterruptedException {
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("producers of " + scenario + " did not finish within " + timeout + " ("
                    + attempted() + " of " + events + " stored)");
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a producer of " + scenario + " failed", t);
        }
    }

    /** Stops the producers early (used on the way out of a failed test). */
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
    }
}

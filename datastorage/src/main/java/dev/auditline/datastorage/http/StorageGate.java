package dev.auditline.datastorage.http;

import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.StorageRejectedException;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Admits at most as many concurrent repository calls as the pool has connections. A request that
 * finds no permit waits {@code ingest_wait} at most and is then refused with {@code 429}, so the
 * queue in front of the database stays short and bounded in time, and the pool itself is never
 * exhausted (which would surface, after the pool's own timeout, as a misleading {@code 503}).
 * {@link #call} also maps {@link StorageUnavailableException} to {@code 503}: nothing was stored.
 */
final class StorageGate {
    private final Semaphore permits;
    private final int max;
    private final Duration wait;
    private final ServerMetrics metrics;
    /** System.nanoTime() of the last call the database failed as unreachable; NEVER before that. */
    private volatile long unavailableAt = NEVER;

    static final long NEVER = Long.MIN_VALUE;

    StorageGate(int max, Duration wait, ServerMetrics metrics) {
        this.permits = new Semaphore(max, true);
        this.max = max;
        this.wait = wait;
        this.metrics = metrics;
        metrics.bindStoragePermits(max, this::inUse);
    }

    /**
     * Runs one repository call under a permit; a storage outage becomes {@code 503}, a value the
     * database refused {@code 400}.
     */
    <T> T call(Supplier<T> work) {
        try {
            return attempt(work);
        } catch (StorageUnavailableException e) {
            throw Unavailable.problem(e);
        } catch (StorageRejectedException e) {
            throw Unavailable.refused(e);
        }
    }

    /**
     * Runs one repository call under a permit and lets {@link StorageUnavailableException} through,
     * for a caller that has somewhere else to put the work (the fallback spool).
     */
    <T> T attempt(Supplier<T> work) {
        if (!tryEnter()) {
            metrics.overloaded();
            throw ApiProblem.of(
                            429,
                            "overloaded",
                            "Too many concurrent requests",
                            "all " + max + " database permits stayed busy for " + wait.toMillis()
                                    + " ms; retry after the Retry-After delay")
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
        try {
            return work.get();
        } catch (StorageUnavailableException e) {
            if (!e.busy()) {
                unavailableAt = System.nanoTime();
            }
            throw e;
        } finally {
            permits.release();
        }
    }

    /**
     * When a request last found the database unreachable ({@link System#nanoTime()}), or {@link
     * #NEVER}: readiness takes it as an answer, so it need not wait for a free permit to notice an
     * outage that requests already met.
     */
    long lastUnavailableNanos() {
        return unavailableAt;
    }

    /**
     * Runs {@code work} under a permit only if one is free right now, without waiting and without
     * counting a refusal: for background probes that must never compete with requests for the pool.
     */
    <T> java.util.Optional<T> ifFree(Supplier<T> work) {
        if (!permits.tryAcquire()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.ofNullable(work.get());
        } finally {
            permits.release();
        }
    }

    private boolean tryEnter() {
        try {
            return permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    int inUse() {
        return max - permits.availablePermits();
    }
}

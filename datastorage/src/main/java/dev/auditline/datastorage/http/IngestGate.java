package dev.auditline.datastorage.http;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Admits at most as many concurrent database writes as the pool has connections. A request that
 * finds no permit waits {@code ingest_wait} at most and is then refused with {@code 429}: the queue
 * in front of the database is bounded by Jetty's thread pool, never unbounded, and clients learn to
 * back off instead of timing out.
 */
final class IngestGate {
    private final Semaphore permits;
    private final int max;
    private final Duration wait;

    IngestGate(int max, Duration wait) {
        this.permits = new Semaphore(max, true);
        this.max = max;
        this.wait = wait;
    }

    /**
     * @return {@code false} when no permit became free within the wait
     */
    boolean tryEnter() {
        try {
            return permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void leave() {
        permits.release();
    }

    int inUse() {
        return max - permits.availablePermits();
    }

    int max() {
        return max;
    }
}

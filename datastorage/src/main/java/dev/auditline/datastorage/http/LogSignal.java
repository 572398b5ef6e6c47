package dev.auditline.datastorage.http;

import java.util.concurrent.TimeUnit;

/**
 * Wakes the long-polls of {@code GET /api/v1/audit/log/entries} when this server commits a batch
 * that grew the log. A waiter re-reads the log on each wake-up and at least every {@link
 * LogRoutes#REPOLL_INTERVAL}, which covers batches committed by another DataStorage instance on the
 * same database and fallback-spool replays.
 *
 * <p>It counts commits (a generation) so a waiter that read the log at generation {@code g} and
 * then waits for a generation after {@code g} cannot miss a commit that happened in between.
 */
final class LogSignal {
    private final Object lock = new Object();
    private long generation; // guarded by lock
    private boolean closed; // guarded by lock

    /** The current generation; read it before reading the log. */
    long generation() {
        synchronized (lock) {
            return generation;
        }
    }

    /** A batch committed new log entries: wakes every waiter. */
    void advanced() {
        synchronized (lock) {
            generation++;
            lock.notifyAll();
        }
    }

    /** Wakes every waiter for good (the server is draining). */
    void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }

    /**
     * Waits until the generation passes {@code seen}, the signal closes, or {@code nanos} pass.
     *
     * @return {@code false} when closed (stop waiting), {@code true} otherwise
     */
    boolean awaitAfter(long seen, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            while (!closed && generation == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return !closed;
        }
    }
}

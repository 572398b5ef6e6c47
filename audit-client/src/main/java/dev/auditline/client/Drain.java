package dev.auditline.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's waits: {@code flush()} until the events stored before it are terminal, and
 * close's drain, claim and stop. Works on the {@link LedgerState} under its lock, like the {@link
 * Ledger}; the waits are bounded by the caller's deadline.
 */
final class Drain {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    private final LedgerState s;

    Drain(LedgerState state) {
        this.s = state;
    }

    /**
     * Waits until every event buffered or in flight at the time of the call is terminal, and
     * reports what became of exactly those events.
     */
    FlushReport flush(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        s.lock.lock();
        try {
            long pending = s.buffer.size() + s.inFlightEvents;
            if (pending == 0) {
                return new FlushReport(0, 0, 0, 0, 0, false, Duration.ofNanos(System.nanoTime() - start));
            }
            FlushWaiters.Waiter waiter = s.flushWaiters.add(s.nextSeq, pending);
            s.flushRequestedUpTo = Math.max(s.flushRequestedUpTo, waiter.upTo);
            s.batcherWake.signal();
            boolean interrupted = false;
            try {
                while (waiter.remaining > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    s.settledCondition.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                interrupted = true;
                Thread.currentThread().interrupt();
            }
            s.flushWaiters.remove(waiter);
            boolean timedOut = waiter.remaining > 0;
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (timedOut && !interrupted) {
                log.warn(
                        "timed out waiting for {} audit events to be delivered after {}",
                        waiter.remaining,
                        ConfigValues.formatDuration(timeout));
            }
            return new FlushReport(
                    waiter.acked, waiter.rejected, waiter.spooled, waiter.dropped, waiter.remaining, timedOut, elapsed);
        } finally {
            s.lock.unlock();
        }
    }

    /** How many {@link #flush} calls are waiting. */
    int pendingFlushes() {
        s.lock.lock();
        try {
            return s.flushWaiters.size();
        } finally {
            s.lock.unlock();
        }
    }

    /** Stops intake: later admits drop as {@code closed}; the batcher flushes everything (trigger close). */
    void close() {
        s.lock.lock();
        try {
            s.closed = true;
            s.flushRequestedUpTo = Long.MAX_VALUE;
            s.batcherWake.signal();
            s.roomFreed.signalAll();
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Waits until nothing is buffered or in flight, at most until {@code deadline}; if something is
     * left then, claims it all (buffered, waiting to be spilled, in a request under way) for the
     * caller to spool or drop, logging what it gives up on.
     *
     * @return the claimed entries; empty when everything settled in time
     */
    List<BufferedEvent> drainOrClaim(long deadline, Duration timeout, boolean hasSpool) {
        s.lock.lock();
        try {
            try {
                while (!s.buffer.isEmpty() || s.inFlightEvents > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    s.settledCondition.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (s.buffer.isEmpty() && s.inFlightEvents == 0) {
                return List.of();
            }
            log.warn(
                    "timed out waiting for {} buffered and {} in-flight audit events after {}; {} them",
                    s.buffer.size(),
                    s.inFlightEvents,
                    ConfigValues.formatDuration(timeout),
                    hasSpool ? "spooling" : "dropping (reason closed)");
            // Spilling events are already counted in flight; buffered ones join them.
            s.inFlightEvents += s.buffer.size();
            List<BufferedEvent> claimed = new ArrayList<>(s.buffer.takeAll());
            claimed.addAll(s.spillQueue.takeAll());
            for (BufferedEvent e : claimed) {
                e.settled = true;
            }
            for (Batch batch : s.inFlight) {
                for (BufferedEvent e : batch.entries) {
                    if (!e.settled) {
                        e.settled = true;
                        claimed.add(e);
                    }
                }
            }
            s.assertIdentity();
            return claimed;
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Ends the pipeline: after a timed-out close, first lets other threads finish their spool writes
     * (disk, not network) within a bounded grace; then every waiting thread is told to stop.
     */
    void stop(boolean graceForSpoolWrites) {
        s.lock.lock();
        try {
            if (graceForSpoolWrites) {
                long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Ledger.SPOOL_GRACE_MILLIS);
                try {
                    while (s.inFlightEvents > 0 && graceEnd - System.nanoTime() > 0) {
                        s.settledCondition.awaitNanos(graceEnd - System.nanoTime());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            s.stopped = true;
            s.batcherWake.signal();
            s.spillWake.signalAll();
            s.slotFreed.signalAll();
        } finally {
            s.lock.unlock();
        }
    }

    boolean isStopped() {
        s.lock.lock();
        try {
            return s.stopped;
        } finally {
            s.lock.unlock();
        }
    }
}

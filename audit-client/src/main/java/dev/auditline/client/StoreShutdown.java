package dev.auditline.client;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BufferedAuditStore#close}: stops intake, lets the pipeline drain until the deadline, spools
 * or drops what is left, then stops the threads. Runs once; a concurrent or later call waits for the
 * first one and gets the same report.
 */
final class StoreShutdown {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    private final String service;
    private final Ledger ledger;
    private final Spiller spiller;
    /** {@code null} without a spool. */
    private final Replayer replayer;
    /** {@code null} without a spool. */
    private final ClientSpool spool;

    private final ThreadPoolExecutor senders;
    /** The batcher, the spiller and the replayer threads, the last two {@code null} when absent. */
    private final Thread[] threads;

    private final DeliveryLog deliveryLog;
    private final Supplier<AuditClientStats> stats;

    private final Object closeLock = new Object();
    /** Guarded by closeLock. */
    private CompletableFuture<CloseReport> closeResult;

    StoreShutdown(
            String service,
            Ledger ledger,
            Spiller spiller,
            Replayer replayer,
            ClientSpool spool,
            ThreadPoolExecutor senders,
            Thread[] threads,
            DeliveryLog deliveryLog,
            Supplier<AuditClientStats> stats) {
        this.service = service;
        this.ledger = ledger;
        this.spiller = spiller;
        this.replayer = replayer;
        this.spool = spool;
        this.senders = senders;
        this.threads = threads;
        this.deliveryLog = deliveryLog;
        this.stats = stats;
    }

    CloseReport close(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletableFuture<CloseReport> result;
        boolean first;
        synchronized (closeLock) {
            first = closeResult == null;
            if (first) {
                closeResult = new CompletableFuture<>();
            }
            result = closeResult;
        }
        if (!first) {
            return awaitOtherClose(result, deadline, start);
        }
        CloseReport report;
        try {
            ledger.close();
            report = drainAndStop(timeout, start, deadline);
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
            throw e;
        }
        result.complete(report);
        return report;
    }

    private CloseReport awaitOtherClose(CompletableFuture<CloseReport> result, long deadline, long start) {
        try {
            return result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // fall through: report the state as it is now
        }
        return report(stats.get(), true, start);
    }

    private CloseReport drainAndStop(Duration timeout, long start, long deadline) {
        List<BufferedEvent> leftovers = ledger.drainOrClaim(deadline, timeout, spool != null);
        boolean timedOut = !leftovers.isEmpty();
        if (timedOut) {
            spiller.spoolOrDropClaimed(leftovers, DropReason.CLOSED);
        }
        // Senders or the spiller may be writing claimed events to the spool: let them finish first.
        ledger.stop(timedOut);
        if (replayer != null) {
            replayer.stop();
            threads[2].interrupt(); // a replay request may hang; its record stays in the spool
        }
        // Interrupt senders only when giving up on them; otherwise let idle threads end quietly.
        if (timedOut) {
            senders.shutdownNow();
        } else {
            senders.shutdown();
        }
        try {
            // The threads exit as soon as they see the stop; the waits are bounded all the same.
            for (Thread t : threads) {
                if (t != null) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
            // A sender logs its drop summary after its batch is settled: wait for it, so the summary
            // is logged before close() returns (and not polled away from the final report below).
            senders.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSpool();
        deliveryLog.report(true);
        CloseReport report = report(stats.get(), timedOut, start);
        log.info(
                "auditline client for {} closed: sent={} rejected={} spooled={} dropped={} {}",
                service,
                report.sent(),
                report.rejected(),
                report.spooled(),
                report.dropped(),
                report.droppedByReason());
        return report;
    }

    private static CloseReport report(AuditClientStats s, boolean timedOut, long start) {
        return new CloseReport(
                s.enqueued(),
                s.acked(),
                s.rejected(),
                s.spooledPending(),
                s.droppedTotal(),
                s.dropped(),
                timedOut,
                Duration.ofNanos(System.nanoTime() - start));
    }

    private void closeSpool() {
        if (spool == null) {
            return;
        }
        try {
            spool.close();
        } catch (IOException e) {
            log.warn("closing the audit spool {} failed; its open segment is sealed at the next start", spool.dir(), e);
        }
    }
}

package dev.auditline.client;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batching thread ({@code auditline-batcher-<service>}): takes the batches the {@link Ledger}
 * cuts and hands each to a sender thread; it never sends itself, so a slow request cannot delay
 * the next flush. It also hands events past {@code delivery_timeout} to the {@link Spiller} and
 * reports drops counted by {@code store()}, so producers never do logging I/O.
 */
final class Batcher {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    private final Ledger ledger;
    private final Executor senders;
    private final BatchSender sender;
    private final Spiller spiller;
    private final SendMetrics metrics;
    private final DeliveryLog deliveryLog;
    private long lastCutNanos;

    Batcher(
            Ledger ledger,
            Executor senders,
            BatchSender sender,
            Spiller spiller,
            SendMetrics metrics,
            DeliveryLog deliveryLog,
            long startNanos) {
        this.ledger = ledger;
        this.senders = senders;
        this.sender = sender;
        this.spiller = spiller;
        this.metrics = metrics;
        this.deliveryLog = deliveryLog;
        this.lastCutNanos = startNanos;
    }

    void run() {
        try {
            while (true) {
                Batch batch = ledger.nextBatch();
                deliveryLog.report(false);
                if (batch == Batch.STOP) {
                    return;
                }
                if (batch.expired) {
                    // Disk I/O on the batcher only when events waited past delivery_timeout, i.e. when
                    // DataStorage has been away that long and no batch is waiting to be cut anyway.
                    deliveryLog.undeliverable(
                            batch.entries.size(), DropReason.DELIVERY_TIMEOUT, deliveryLog.lastAnswer());
                    spiller.spoolOrDropClaimed(batch.entries, DropReason.DELIVERY_TIMEOUT);
                } else if (batch != Batch.WOKEN) {
                    recordCut(batch);
                    dispatch(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("audit batcher thread failed; buffered events will be dropped at close", e);
            throw e;
        }
    }

    private void recordCut(Batch batch) {
        metrics.batchCut(batch.trigger, batch.entries.size());
        long sincePrevious = batch.cutNanos - lastCutNanos;
        lastCutNanos = batch.cutNanos;
        if (log.isDebugEnabled()) {
            log.debug(
                    "flush trigger={} events={} bytes={} oldest_age={}ms since_previous_flush={}ms buffered_after={}",
                    batch.trigger.tagValue(),
                    batch.entries.size(),
                    batch.bytes,
                    TimeUnit.NANOSECONDS.toMillis(batch.cutNanos - batch.entries.get(0).enqueuedNanos),
                    TimeUnit.NANOSECONDS.toMillis(sincePrevious),
                    ledger.bufferedEvents());
        }
    }

    private void dispatch(Batch batch) {
        try {
            senders.execute(() -> sender.deliver(batch));
        } catch (RejectedExecutionException e) {
            // Only after close gave up: the entries are already claimed; free the slot.
            ledger.finishBatch(batch, DropReason.CLOSED);
        }
    }
}

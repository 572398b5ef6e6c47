package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.spool.SpoolFullException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to the client spool what the pipeline cannot deliver now: spilled events ({@code
 * overflow: spill}, on its own thread, {@code auditline-spiller-<service>}), chunks senders gave up
 * on, events past {@code delivery_timeout} and what close() claimed at its deadline. Without a
 * spool it drops them with their reason instead. Also writes the rejected file.
 *
 * <p>Records hold at most one request's events, one fsync each, so a replay sends them as they are.
 */
final class Spiller {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    /** {@code null} without {@code spool.dir}. */
    private final ClientSpool spool;

    private final Ledger ledger;
    private final ServerLimitsTracker limits;
    private final DeliveryLog deliveryLog;
    private final Runnable recordSpooled;
    private final AtomicBoolean spoolFailureLogged = new AtomicBoolean();

    /**
     * @param recordSpooled called after each record is appended, so the replayer knows there is
     *     something to replay
     */
    Spiller(
            ClientSpool spool,
            Ledger ledger,
            ServerLimitsTracker limits,
            DeliveryLog deliveryLog,
            Runnable recordSpooled) {
        this.spool = spool;
        this.ledger = ledger;
        this.limits = limits;
        this.deliveryLog = deliveryLog;
        this.recordSpooled = recordSpooled;
    }

    boolean hasSpool() {
        return spool != null;
    }

    /** The spiller thread: moves spilled events from the hand-off queue to the spool, one record at a time. */
    void runSpillQueue() {
        try {
            List<BufferedEvent> claimed;
            while ((claimed = ledger.takeSpilled()) != null) {
                spoolOrDropClaimed(claimed, DropReason.SPOOL_FULL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("audit spiller thread failed; spilled events will be dropped at close", e);
            throw e;
        }
    }

    /** A sender gives up on a chunk: to the spool when there is one, else dropped with {@code reason}. */
    void spoolOrDrop(List<BufferedEvent> chunk, DropReason reason) {
        if (spool == null) {
            ledger.settle(chunk, Ledger.Outcome.DROPPED, reason);
            deliveryLog.reportDrops(false);
            return;
        }
        spoolOrDropClaimed(ledger.claim(chunk), reason);
    }

    /**
     * Writes claimed entries to the spool in records of at most one request each, then counts them
     * spooled; without a spool they are dropped with {@code reason}. A full or failed spool drops
     * them as {@code spool_full}. Does disk I/O.
     */
    void spoolOrDropClaimed(List<BufferedEvent> claimed, DropReason reason) {
        if (spool == null) {
            if (!claimed.isEmpty()) {
                ledger.finishClaimed(claimed, null, reason);
            }
            deliveryLog.reportDrops(false);
            return;
        }
        for (List<BufferedEvent> record :
                Chunker.split(claimed, BufferedEvent::bytes, limits.maxCount(), limits.maxBytes())) {
            List<AuditEvent> events = new ArrayList<>(record.size());
            for (BufferedEvent e : record) {
                events.add(e.event);
            }
            SpoolRecordKey key = SpoolRecordKey.of(events);
            ledger.appending(key);
            DropReason failed = null;
            try {
                spool.append(events);
            } catch (SpoolFullException e) {
                failed = DropReason.SPOOL_FULL;
                deliveryLog.dropped(DropReason.SPOOL_FULL, 0, e.getMessage());
            } catch (IOException e) {
                failed = DropReason.SPOOL_FULL;
                deliveryLog.dropped(DropReason.SPOOL_FULL, 0, "spool write failed: " + e);
                if (!spoolFailureLogged.getAndSet(true)) {
                    // A spool whose write failed refuses every later write; later drops go to the WARN summary.
                    log.error(
                            "could not write audit events to the spool {}; dropping them (spool_full)", spool.dir(), e);
                }
            } catch (IllegalStateException e) {
                failed = DropReason.CLOSED; // the store closed the spool after its grace period
            }
            ledger.finishClaimed(record, key, failed);
            if (failed == null) {
                recordSpooled.run();
            }
        }
        deliveryLog.reportDrops(false);
    }

    /** Writes a rejected event with DataStorage's reason to the rejected file; nothing without a spool. */
    void writeRejected(AuditEvent event, FieldViolation reason) {
        if (spool != null) {
            spool.writeRejected(
                    event,
                    reason == null ? "unknown" : reason.field(),
                    reason == null ? "DataStorage gave no detail" : reason.detail());
        }
    }
}

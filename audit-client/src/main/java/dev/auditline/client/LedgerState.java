package dev.auditline.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state behind the {@link Ledger}, guarded by its one {@link #lock}: the buffer, the spill
 * queue, the batches under way, every outcome counter and the pending flushes. Three classes hold
 * the verbs that change it, each with the lock held and each leaving the accounting identity true:
 * the {@link Ledger} itself (intake, batches, settling, snapshots), {@link SpoolBook} (the spill
 * queue and the records this process spooled) and {@link Drain} (flush and close). This class only
 * holds the state, counts terminal outcomes in one place and checks the identity.
 */
final class LedgerState {
    final AuditClientConfig.Buffer settings;
    final ServerLimitsTracker limits;
    final BufferedAuditStore.Ticker ticker;
    final DeliveryLog deliveryLog;

    final ReentrantLock lock = new ReentrantLock();
    /** The batching thread waits here: a batch may be due, a slot freed, a flush or close asked. */
    final Condition batcherWake = lock.newCondition();
    /** {@code overflow: block} producers wait here for room. */
    final Condition roomFreed = lock.newCondition();
    /** Flush, close and replay commits wait here for events to settle. */
    final Condition settledCondition = lock.newCondition();
    /** The spiller waits here for events in the spill queue. */
    final Condition spillWake = lock.newCondition();
    /** The replayer waits here for an idle sender slot. */
    final Condition slotFreed = lock.newCondition();

    final EventQueue buffer;
    /** Same bounds as the buffer, so {@code overflow: spill} at most doubles the memory held. */
    final EventQueue spillQueue;

    // Everything below is guarded by lock.
    long nextSeq;
    long flushRequestedUpTo;
    int inFlightBatches;
    long inFlightEvents;
    final Set<Batch> inFlight = new HashSet<>();
    final FlushWaiters flushWaiters = new FlushWaiters();
    long enqueued;
    long acked;
    long rejected;
    final long[] dropped = new long[DropReason.values().length];
    long spooled;
    long spooledPending;
    boolean closed;
    boolean stopped;

    LedgerState(
            AuditClientConfig.Buffer settings,
            ServerLimitsTracker limits,
            BufferedAuditStore.Ticker ticker,
            DeliveryLog deliveryLog) {
        this.settings = settings;
        this.limits = limits;
        this.ticker = ticker;
        this.deliveryLog = deliveryLog;
        this.buffer = new EventQueue(settings.bufferSize(), settings.maxBufferBytes());
        this.spillQueue = new EventQueue(settings.bufferSize(), settings.maxBufferBytes());
    }

    /** The one place that counts terminal states of sent events (spooled goes through {@link #finishClaimed}). */
    List<BufferedEvent> settleLocked(List<BufferedEvent> entries, Ledger.Outcome outcome, DropReason reason) {
        List<BufferedEvent> moved = new ArrayList<>(entries.size());
        for (BufferedEvent e : entries) {
            if (e.settled) {
                continue;
            }
            e.settled = true;
            moved.add(e);
            inFlightEvents--;
            flushWaiters.count(e.seq, outcome);
        }
        int count = moved.size();
        if (count == 0) {
            return moved;
        }
        switch (outcome) {
            case ACKED -> acked += count;
            case REJECTED -> rejected += count;
            case DROPPED -> {
                dropped[reason.ordinal()] += count;
                deliveryLog.dropped(reason, count, null);
            }
            case SPOOLED -> throw new IllegalArgumentException("spooled entries are counted by finishClaimed");
        }
        settledCondition.signalAll();
        return moved;
    }

    void assertIdentity() {
        assert identityHolds()
                : "accounting identity broken: enqueued=" + enqueued + " acked=" + acked + " rejected=" + rejected
                        + " dropped=" + droppedTotal() + " spooled_pending=" + spooledPending + " buffered="
                        + buffer.size() + " in_flight=" + inFlightEvents;
    }

    private boolean identityHolds() {
        return enqueued == acked + rejected + droppedTotal() + spooledPending + buffer.size() + inFlightEvents;
    }

    long droppedTotal() {
        long total = 0;
        for (long d : dropped) {
            total += d;
        }
        return total;
    }
}

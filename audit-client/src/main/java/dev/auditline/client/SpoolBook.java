package dev.auditline.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ledger's verbs for the client spool: the spiller's queue, and the bookkeeping of the records
 * this process appended, so that a replayed record's events leave {@code spooled_pending} exactly
 * once, and records an earlier process left are told apart (counted as recovered by the replayer).
 * Works on the {@link LedgerState} under its lock, like the {@link Ledger}.
 */
final class SpoolBook {
    private final LedgerState s;
    /** Records this process appended (fsync returned) and no replay took out yet, by key, with their count. */
    private final Map<SpoolRecordKey, Integer> ownRecords = new HashMap<>();
    /** Records being appended right now; a replay that sees one waits for its append to be counted. */
    private final Map<SpoolRecordKey, Integer> appendingRecords = new HashMap<>();

    SpoolBook(LedgerState state) {
        this.s = state;
    }

    /** The spiller's next record: waits for spilled events and claims those that fit one; {@code null} once stopped. */
    List<BufferedEvent> takeSpilled() throws InterruptedException {
        s.lock.lock();
        try {
            while (s.spillQueue.isEmpty()) {
                if (s.stopped) {
                    return null;
                }
                s.spillWake.await();
            }
            List<BufferedEvent> claimed = s.spillQueue.takeChunk(s.limits.maxCount(), s.limits.maxBytes());
            for (BufferedEvent e : claimed) {
                e.settled = true;
            }
            return claimed;
        } finally {
            s.lock.unlock();
        }
    }

    /** A record of claimed entries is about to be appended to the spool as {@code key}. */
    void appending(SpoolRecordKey key) {
        s.lock.lock();
        try {
            appendingRecords.merge(key, 1, Integer::sum);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Claimed entries leave in-flight: spooled as the record {@code key} when {@code reason} is
     * {@code null}, else dropped with {@code reason}.
     */
    void finishClaimed(List<BufferedEvent> record, SpoolRecordKey key, DropReason reason) {
        s.lock.lock();
        try {
            int n = record.size();
            s.inFlightEvents -= n;
            if (key != null) {
                appendingRecords.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
            }
            Ledger.Outcome outcome = reason == null ? Ledger.Outcome.SPOOLED : Ledger.Outcome.DROPPED;
            for (BufferedEvent e : record) {
                s.flushWaiters.count(e.seq, outcome);
            }
            if (reason == null) {
                s.spooled += n;
                s.spooledPending += n;
                ownRecords.merge(key, 1, Integer::sum);
            } else {
                s.dropped[reason.ordinal()] += n;
                s.deliveryLog.dropped(reason, n, null);
            }
            s.settledCondition.signalAll();
            s.assertIdentity();
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * A replayed record went through: when this process spooled it, its events move from {@code
     * spooled_pending} to acked, rejected or dropped ({@code oversize}) and this returns {@code
     * true}; otherwise an earlier process enqueued them and the caller counts them as recovered.
     */
    boolean commitReplayed(SpoolRecordKey key, long events, long ackedCount, long rejectedCount, long oversize)
            throws InterruptedException {
        s.lock.lock();
        try {
            // The spool may seal and hand out a record before its appender has counted it spooled.
            long waitEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Ledger.SPOOL_GRACE_MILLIS);
            while (appendingRecords.containsKey(key) && waitEnd - System.nanoTime() > 0) {
                s.settledCondition.awaitNanos(waitEnd - System.nanoTime());
            }
            if (!ownRecords.containsKey(key)) {
                return false;
            }
            ownRecords.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
            s.spooledPending -= events;
            s.acked += ackedCount;
            s.rejected += rejectedCount;
            s.dropped[DropReason.OVERSIZE.ordinal()] += oversize;
            s.settledCondition.signalAll();
            s.assertIdentity();
            return true;
        } finally {
            s.lock.unlock();
        }
    }
}

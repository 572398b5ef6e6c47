package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one owner of the pipeline's shared state: the buffer, the spill queue, the batches under
 * way, every outcome counter and the pending flushes, all behind one lock. Other parts change
 * them only through its verbs (admit, next batch, settle, claim, finish claimed, commit replayed,
 * snapshot, …), and each verb leaves the accounting identity
 *
 * <pre>enqueued = acked + rejected + dropped + spooled_pending + buffered + in_flight</pre>
 *
 * true, which it asserts (with {@code -ea}) before it returns. Events waiting in the spill queue,
 * and events claimed for the spool, count as in flight until their fate is known.
 *
 * <p>Modelled on Kafka's {@code RecordAccumulator} (it owns the queue and the cutting of batches)
 * and HikariCP's {@code ConcurrentBag} (a few verbs over entries whose state changes in one
 * place). It does no I/O. Its state lives in {@link LedgerState}; the spool verbs are {@link
 * SpoolBook}'s and the flush and close waits {@link Drain}'s, under the same lock.
 */
final class Ledger {

    /** After close's deadline, how long it still lets other threads finish their spool writes: {@value} ms. */
    static final long SPOOL_GRACE_MILLIS = 2000;

    enum Outcome {
        ACKED,
        REJECTED,
        SPOOLED,
        DROPPED
    }

    private final LedgerState s;
    private final BatchPolicy policy;
    private final SpoolBook spoolBook;
    private final Drain drain;

    Ledger(
            AuditClientConfig.Buffer settings,
            ServerLimitsTracker limits,
            BatchPolicy policy,
            BufferedAuditStore.Ticker ticker,
            DeliveryLog deliveryLog) {
        this.s = new LedgerState(settings, limits, ticker, deliveryLog);
        this.policy = policy;
        this.spoolBook = new SpoolBook(s);
        this.drain = new Drain(s);
    }

    // ---- producers

    /**
     * Takes one event from {@code store()}: into the buffer, into the spill queue ({@code overflow:
     * spill} with a full buffer), or dropped with the returned reason. With {@code overflow: block}
     * waits up to {@code block_timeout} for room.
     *
     * @return {@code null} when the event was taken, else why it was dropped
     */
    DropReason admit(AuditEvent event, int bytes) {
        DropReason drop = null;
        boolean spill = false;
        s.lock.lock();
        try {
            if (s.closed) {
                drop = DropReason.CLOSED;
            } else if (bytes > s.limits.maxBytes()) {
                drop = DropReason.OVERSIZE;
            } else if (!s.buffer.hasRoom(bytes)) {
                if (s.settings.overflow() == AuditClientConfig.Overflow.SPILL) {
                    // Only a hand-off: the spiller thread does the disk write. When even its queue is
                    // full, the disk cannot keep up and the event is dropped like with overflow: drop.
                    spill = s.spillQueue.hasRoom(bytes);
                    drop = spill ? null : DropReason.BUFFER_FULL;
                } else {
                    drop = waitForRoom(bytes);
                }
            }
            // Counted only now, after any wait for room and in the same lock hold as the drop or
            // the append: the identity holds in every snapshot, and sequence numbers follow buffer
            // order, which flush() relies on to know which events were stored before it.
            s.enqueued++;
            if (drop != null) {
                s.dropped[drop.ordinal()]++;
                s.deliveryLog.dropped(drop, 1, null);
            } else if (spill) {
                s.spillQueue.add(new BufferedEvent(event, s.nextSeq++, s.ticker.nanoTime(), bytes));
                s.inFlightEvents++;
                if (s.spillQueue.size() == 1) {
                    s.spillWake.signal();
                }
            } else {
                s.buffer.add(new BufferedEvent(event, s.nextSeq++, s.ticker.nanoTime(), bytes));
                // Wake the batcher only when its decision changes: a new oldest event sets a new
                // deadline, a full batch is due now. Waking it per event would cost a context switch each.
                int maxCount = s.limits.maxCount();
                long maxBytes = s.limits.maxBytes();
                if (s.buffer.size() == 1
                        || s.buffer.size() == maxCount
                        || (s.buffer.bytes() >= maxBytes && s.buffer.bytes() - bytes < maxBytes)) {
                    s.batcherWake.signal();
                }
            }
            s.assertIdentity();
        } finally {
            s.lock.unlock();
        }
        return drop;
    }

    /** With the lock held and the buffer full: the drop reason, or {@code null} when room was found. */
    private DropReason waitForRoom(int bytes) {
        if (s.settings.overflow() != AuditClientConfig.Overflow.BLOCK) {
            return DropReason.BUFFER_FULL;
        }
        long remaining = s.settings.blockTimeout().toNanos();
        try {
            while (!s.closed && !s.buffer.hasRoom(bytes) && remaining > 0) {
                remaining = s.roomFreed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (s.closed) {
            return DropReason.CLOSED;
        }
        return s.buffer.hasRoom(bytes) ? null : DropReason.BUFFER_FULL;
    }

    // ---- the batcher

    /**
     * Waits as {@link BatchPolicy} says and cuts the next batch, or takes out the events past
     * {@code delivery_timeout}. Returns {@link #WOKEN} after each wait so the caller can report
     * drops outside the lock, and {@link #STOP} once stopped.
     */
    Batch nextBatch() throws InterruptedException {
        s.lock.lock();
        try {
            if (s.stopped) {
                return Batch.STOP;
            }
            BufferedEvent head = s.buffer.head();
            long now = s.ticker.nanoTime();
            BatchPolicy.Decision decision = policy.decide(new BatchPolicy.State(
                    s.buffer.size(),
                    s.buffer.bytes(),
                    head == null ? 0 : now - head.enqueuedNanos,
                    head != null && head.seq < s.flushRequestedUpTo,
                    s.closed,
                    s.inFlightBatches < s.settings.maxInFlight(),
                    s.limits.maxCount(),
                    s.limits.maxBytes()));
            if (decision instanceof BatchPolicy.Wait wait) {
                s.batcherWake.awaitNanos(Math.max(1, wait.nanos()));
                return Batch.WOKEN;
            }
            Batch batch = decision instanceof BatchPolicy.Cut cut ? cut(cut.trigger(), now) : claimExpired(now);
            s.assertIdentity();
            return batch;
        } finally {
            s.lock.unlock();
        }
    }

    /** With the lock held: moves the oldest events that fit one request from the buffer to in flight. */
    private Batch cut(FlushTrigger trigger, long now) {
        List<BufferedEvent> entries = s.buffer.takeChunk(s.limits.maxCount(), s.limits.maxBytes());
        Batch batch = new Batch(entries, false, trigger, bytes(entries), now);
        s.inFlightEvents += entries.size();
        s.inFlightBatches++;
        s.inFlight.add(batch);
        s.roomFreed.signalAll();
        return batch;
    }

    /**
     * With the lock held: takes the buffered events older than {@code delivery_timeout} (all at the
     * head, as the buffer is in store() order) out of the buffer; they count in flight until the
     * batcher has spooled or dropped them.
     */
    private Batch claimExpired(long now) {
        List<BufferedEvent> expired = s.buffer.takeEnqueuedBy(now - policy.deliveryTimeoutNanos());
        for (BufferedEvent e : expired) {
            e.settled = true;
        }
        s.inFlightEvents += expired.size();
        s.roomFreed.signalAll();
        return new Batch(expired, true, null, bytes(expired), now);
    }

    private static long bytes(List<BufferedEvent> entries) {
        long total = 0;
        for (BufferedEvent e : entries) {
            total += e.bytes;
        }
        return total;
    }

    /** Number of buffered events; the batcher's debug line. */
    int bufferedEvents() {
        s.lock.lock();
        try {
            return s.buffer.size();
        } finally {
            s.lock.unlock();
        }
    }

    /** Makes the batcher re-check its deadlines now. */
    void wakeBatcher() {
        s.lock.lock();
        try {
            s.batcherWake.signal();
        } finally {
            s.lock.unlock();
        }
    }

    // ---- senders

    /**
     * A batch's sender is done: its slot is free again. Any entry still unsettled (only after an
     * unexpected failure) is dropped with {@code reason}, so the accounting never loses an event.
     */
    void finishBatch(Batch batch, DropReason reason) {
        s.lock.lock();
        try {
            s.settleLocked(batch.entries, Outcome.DROPPED, reason);
            s.inFlight.remove(batch);
            s.inFlightBatches--;
            s.batcherWake.signal();
            s.slotFreed.signalAll();
            s.assertIdentity();
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Moves entries that are still a sender's own to {@code outcome} (acked, rejected or dropped
     * with {@code reason}); returns those it moved (not those already terminal or claimed).
     */
    List<BufferedEvent> settle(List<BufferedEvent> entries, Outcome outcome, DropReason reason) {
        s.lock.lock();
        try {
            List<BufferedEvent> moved = s.settleLocked(entries, outcome, reason);
            s.assertIdentity();
            return moved;
        } finally {
            s.lock.unlock();
        }
    }

    /** A 2xx: {@code ok} acked and {@code bad} rejected in one step. */
    void settleAnswered(List<BufferedEvent> ok, List<BufferedEvent> bad) {
        s.lock.lock();
        try {
            s.settleLocked(ok, Outcome.ACKED, null);
            s.settleLocked(bad, Outcome.REJECTED, null);
            s.assertIdentity();
        } finally {
            s.lock.unlock();
        }
    }

    /** Takes the entries still a sender's own for the spool or a drop; they stay in flight until {@link #finishClaimed}. */
    List<BufferedEvent> claim(List<BufferedEvent> entries) {
        s.lock.lock();
        try {
            List<BufferedEvent> claimed = new ArrayList<>(entries.size());
            for (BufferedEvent e : entries) {
                if (!e.settled) {
                    e.settled = true;
                    claimed.add(e);
                }
            }
            return claimed;
        } finally {
            s.lock.unlock();
        }
    }

    /** A chunk split into what passed {@code delivery_timeout} (now claimed) and what is still to deliver. */
    record Overdue(List<BufferedEvent> claimed, List<BufferedEvent> live) {}

    /** Claims the entries of {@code chunk} enqueued more than {@code timeoutNanos} before {@code now}. */
    Overdue claimOverdue(List<BufferedEvent> chunk, long now, long timeoutNanos) {
        s.lock.lock();
        try {
            List<BufferedEvent> overdue = new ArrayList<>();
            List<BufferedEvent> live = new ArrayList<>(chunk.size());
            for (BufferedEvent e : chunk) {
                if (e.settled) {
                    continue;
                }
                if (now - e.enqueuedNanos >= timeoutNanos) {
                    e.settled = true;
                    overdue.add(e);
                } else {
                    live.add(e);
                }
            }
            return new Overdue(overdue, live);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Fresh events keep priority: the replayer starts a request only while a sender slot is idle.
     *
     * @return {@code false} once stopped
     */
    boolean awaitIdleSlot(long pollNanos) throws InterruptedException {
        s.lock.lock();
        try {
            while (!s.stopped && s.inFlightBatches >= s.settings.maxInFlight()) {
                s.slotFreed.awaitNanos(pollNanos);
            }
            return !s.stopped;
        } finally {
            s.lock.unlock();
        }
    }

    // ---- the spool (see SpoolBook)

    List<BufferedEvent> takeSpilled() throws InterruptedException {
        return spoolBook.takeSpilled();
    }

    void appending(SpoolRecordKey key) {
        spoolBook.appending(key);
    }

    void finishClaimed(List<BufferedEvent> record, SpoolRecordKey key, DropReason reason) {
        spoolBook.finishClaimed(record, key, reason);
    }

    boolean commitReplayed(SpoolRecordKey key, long events, long ackedCount, long rejectedCount, long oversize)
            throws InterruptedException {
        return spoolBook.commitReplayed(key, events, ackedCount, rejectedCount, oversize);
    }

    // ---- flush and close (see Drain)

    FlushReport flush(Duration timeout) {
        return drain.flush(timeout);
    }

    int pendingFlushes() {
        return drain.pendingFlushes();
    }

    void close() {
        drain.close();
    }

    List<BufferedEvent> drainOrClaim(long deadline, Duration timeout, boolean hasSpool) {
        return drain.drainOrClaim(deadline, timeout, hasSpool);
    }

    void stop(boolean graceForSpoolWrites) {
        drain.stop(graceForSpoolWrites);
    }

    boolean isStopped() {
        return drain.isStopped();
    }

    // ---- snapshot

    LedgerSnapshot snapshot() {
        long now = s.ticker.nanoTime();
        s.lock.lock();
        try {
            Map<DropReason, Long> droppedByReason = new EnumMap<>(DropReason.class);
            for (DropReason r : DropReason.values()) {
                droppedByReason.put(r, s.dropped[r.ordinal()]);
            }
            BufferedEvent head = s.buffer.head();
            return new LedgerSnapshot(
                    s.enqueued,
                    s.acked,
                    s.rejected,
                    droppedByReason,
                    s.spooled,
                    s.spooledPending,
                    s.buffer.size(),
                    s.buffer.bytes(),
                    s.inFlightEvents,
                    s.inFlightBatches,
                    head == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - head.enqueuedNanos)),
                    s.spillQueue.size());
        } finally {
            s.lock.unlock();
        }
    }
}

package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * place). It does no I/O.
 */
final class Ledger {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    /** After close's deadline, how long it still lets other threads finish their spool writes: {@value} ms. */
    static final long SPOOL_GRACE_MILLIS = 2000;

    enum Outcome {
        ACKED,
        REJECTED,
        SPOOLED,
        DROPPED
    }

    private final AuditClientConfig.Buffer settings;
    private final ServerLimitsTracker limits;
    private final BatchPolicy policy;
    private final BufferedAuditStore.Ticker ticker;
    private final DeliveryLog deliveryLog;

    private final ReentrantLock lock = new ReentrantLock();
    /** The batching thread waits here: a batch may be due, a slot freed, a flush or close asked. */
    private final Condition batcherWake = lock.newCondition();
    /** {@code overflow: block} producers wait here for room. */
    private final Condition roomFreed = lock.newCondition();
    /** {@link #flush}, close and replay commits wait here for events to settle. */
    private final Condition settledCondition = lock.newCondition();
    /** The spiller waits here for events in the spill queue. */
    private final Condition spillWake = lock.newCondition();
    /** The replayer waits here for an idle sender slot. */
    private final Condition slotFreed = lock.newCondition();

    private final EventQueue buffer;
    /** Same bounds as the buffer, so {@code overflow: spill} at most doubles the memory held. */
    private final EventQueue spillQueue;

    private long nextSeq;
    private long flushRequestedUpTo;
    private int inFlightBatches;
    private long inFlightEvents;
    private final Set<Batch> inFlight = new HashSet<>();
    private final FlushWaiters flushWaiters = new FlushWaiters();
    private long enqueued;
    private long acked;
    private long rejected;
    private final long[] dropped = new long[DropReason.values().length];
    private long spooled;
    private long spooledPending;
    /** Records this process appended (fsync returned) and no replay took out yet, by key, with their count. */
    private final Map<SpoolRecordKey, Integer> ownRecords = new HashMap<>();
    /** Records being appended right now; a replay that sees one waits for its append to be counted. */
    private final Map<SpoolRecordKey, Integer> appendingRecords = new HashMap<>();

    private boolean closed;
    private boolean stopped;

    Ledger(
            AuditClientConfig.Buffer settings,
            ServerLimitsTracker limits,
            BatchPolicy policy,
            BufferedAuditStore.Ticker ticker,
            DeliveryLog deliveryLog) {
        this.settings = settings;
        this.limits = limits;
        this.policy = policy;
        this.ticker = ticker;
        this.deliveryLog = deliveryLog;
        this.buffer = new EventQueue(settings.bufferSize(), settings.maxBufferBytes());
        this.spillQueue = new EventQueue(settings.bufferSize(), settings.maxBufferBytes());
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
        lock.lock();
        try {
            if (closed) {
                drop = DropReason.CLOSED;
            } else if (bytes > limits.maxBytes()) {
                drop = DropReason.OVERSIZE;
            } else if (!buffer.hasRoom(bytes)) {
                if (settings.overflow() == AuditClientConfig.Overflow.SPILL) {
                    // Only a hand-off: the spiller thread does the disk write. When even its queue is
                    // full, the disk cannot keep up and the event is dropped like with overflow: drop.
                    spill = spillQueue.hasRoom(bytes);
                    drop = spill ? null : DropReason.BUFFER_FULL;
                } else {
                    drop = waitForRoom(bytes);
                }
            }
            // Counted only now, after any wait for room and in the same lock hold as the drop or
            // the append: the identity holds in every snapshot, and sequence numbers follow buffer
            // order, which flush() relies on to know which events were stored before it.
            enqueued++;
            if (drop != null) {
                dropped[drop.ordinal()]++;
                deliveryLog.dropped(drop, 1, null);
            } else if (spill) {
                spillQueue.add(new BufferedEvent(event, nextSeq++, ticker.nanoTime(), bytes));
                inFlightEvents++;
                if (spillQueue.size() == 1) {
                    spillWake.signal();
                }
            } else {
                buffer.add(new BufferedEvent(event, nextSeq++, ticker.nanoTime(), bytes));
                // Wake the batcher only when its decision changes: a new oldest event sets a new
                // deadline, a full batch is due now. Waking it per event would cost a context switch each.
                int maxCount = limits.maxCount();
                long maxBytes = limits.maxBytes();
                if (buffer.size() == 1
                        || buffer.size() == maxCount
                        || (buffer.bytes() >= maxBytes && buffer.bytes() - bytes < maxBytes)) {
                    batcherWake.signal();
                }
            }
            assertIdentity();
        } finally {
            lock.unlock();
        }
        return drop;
    }

    /** With the lock held and the buffer full: the drop reason, or {@code null} when room was found. */
    private DropReason waitForRoom(int bytes) {
        if (settings.overflow() != AuditClientConfig.Overflow.BLOCK) {
            return DropReason.BUFFER_FULL;
        }
        long remaining = settings.blockTimeout().toNanos();
        try {
            while (!closed && !buffer.hasRoom(bytes) && remaining > 0) {
                remaining = roomFreed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closed) {
            return DropReason.CLOSED;
        }
        return buffer.hasRoom(bytes) ? null : DropReason.BUFFER_FULL;
    }

    // ---- the batcher

    /**
     * Waits as {@link BatchPolicy} says and cuts the next batch, or takes out the events past
     * {@code delivery_timeout}. Returns {@link #WOKEN} after each wait so the caller can report
     * drops outside the lock, and {@link #STOP} once stopped.
     */
    Batch nextBatch() throws InterruptedException {
        lock.lock();
        try {
            if (stopped) {
                return Batch.STOP;
            }
            BufferedEvent head = buffer.head();
            long now = ticker.nanoTime();
            BatchPolicy.Decision decision = policy.decide(new BatchPolicy.State(
                    buffer.size(),
                    buffer.bytes(),
                    head == null ? 0 : now - head.enqueuedNanos,
                    head != null && head.seq < flushRequestedUpTo,
                    closed,
                    inFlightBatches < settings.maxInFlight(),
                    limits.maxCount(),
                    limits.maxBytes()));
            if (decision instanceof BatchPolicy.Wait wait) {
                batcherWake.awaitNanos(Math.max(1, wait.nanos()));
                return Batch.WOKEN;
            }
            Batch batch = decision instanceof BatchPolicy.Cut cut ? cut(cut.trigger(), now) : claimExpired(now);
            assertIdentity();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** With the lock held: moves the oldest events that fit one request from the buffer to in flight. */
    private Batch cut(FlushTrigger trigger, long now) {
        List<BufferedEvent> entries = buffer.takeChunk(limits.maxCount(), limits.maxBytes());
        Batch batch = new Batch(entries, false, trigger, bytes(entries), now);
        inFlightEvents += entries.size();
        inFlightBatches++;
        inFlight.add(batch);
        roomFreed.signalAll();
        return batch;
    }

    /**
     * With the lock held: takes the buffered events older than {@code delivery_timeout} (all at the
     * head, as the buffer is in store() order) out of the buffer; they count in flight until the
     * batcher has spooled or dropped them.
     */
    private Batch claimExpired(long now) {
        List<BufferedEvent> expired = buffer.takeEnqueuedBy(now - policy.deliveryTimeoutNanos());
        for (BufferedEvent e : expired) {
            e.settled = true;
        }
        inFlightEvents += expired.size();
        roomFreed.signalAll();
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
        lock.lock();
        try {
            return buffer.size();
        } finally {
            lock.unlock();
        }
    }

    /** Makes the batcher re-check its deadlines now. */
    void wakeBatcher() {
        lock.lock();
        try {
            batcherWake.signal();
        } finally {
            lock.unlock();
        }
    }

    // ---- senders

    /**
     * A batch's sender is done: its slot is free again. Any entry still unsettled (only after an
     * unexpected failure) is dropped with {@code reason}, so the accounting never loses an event.
     */
    void finishBatch(Batch batch, DropReason reason) {
        lock.lock();
        try {
            settleLocked(batch.entries, Outcome.DROPPED, reason);
            inFlight.remove(batch);
            inFlightBatches--;
            batcherWake.signal();
            slotFreed.signalAll();
            assertIdentity();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves entries that are still a sender's own to {@code outcome} (acked, rejected or dropped
     * with {@code reason}); returns those it moved (not those already terminal or claimed).
     */
    List<BufferedEvent> settle(List<BufferedEvent> entries, Outcome outcome, DropReason reason) {
        lock.lock();
        try {
            List<BufferedEvent> moved = settleLocked(entries, outcome, reason);
            assertIdentity();
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /** A 2xx: {@code ok} acked and {@code bad} rejected in one step. */
    void settleAnswered(List<BufferedEvent> ok, List<BufferedEvent> bad) {
        lock.lock();
        try {
            settleLocked(ok, Outcome.ACKED, null);
            settleLocked(bad, Outcome.REJECTED, null);
            assertIdentity();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the entries still a sender's own for the spool or a drop; they stay in flight until {@link #finishClaimed}. */
    List<BufferedEvent> claim(List<BufferedEvent> entries) {
        lock.lock();
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
            lock.unlock();
        }
    }

    /** A chunk split into what passed {@code delivery_timeout} (now claimed) and what is still to deliver. */
    record Overdue(List<BufferedEvent> claimed, List<BufferedEvent> live) {}

    /** Claims the entries of {@code chunk} enqueued more than {@code timeoutNanos} before {@code now}. */
    Overdue claimOverdue(List<BufferedEvent> chunk, long now, long timeoutNanos) {
        lock.lock();
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
            lock.unlock();
        }
    }

    // ---- the spool

    /** The spiller's next record: waits for spilled events and claims those that fit one; {@code null} once stopped. */
    List<BufferedEvent> takeSpilled() throws InterruptedException {
        lock.lock();
        try {
            while (spillQueue.isEmpty()) {
                if (stopped) {
                    return null;
                }
                spillWake.await();
            }
            List<BufferedEvent> claimed = spillQueue.takeChunk(limits.maxCount(), limits.maxBytes());
            for (BufferedEvent e : claimed) {
                e.settled = true;
            }
            return claimed;
        } finally {
            lock.unlock();
        }
    }

    /** A record of claimed entries is about to be appended to the spool as {@code key}. */
    void appending(SpoolRecordKey key) {
        lock.lock();
        try {
            appendingRecords.merge(key, 1, Integer::sum);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claimed entries leave in-flight: spooled as the record {@code key} when {@code reason} is
     * {@code null}, else dropped with {@code reason}.
     */
    void finishClaimed(List<BufferedEvent> record, SpoolRecordKey key, DropReason reason) {
        lock.lock();
        try {
            int n = record.size();
            inFlightEvents -= n;
            if (key != null) {
                appendingRecords.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
            }
            Outcome outcome = reason == null ? Outcome.SPOOLED : Outcome.DROPPED;
            for (BufferedEvent e : record) {
                flushWaiters.count(e.seq, outcome);
            }
            if (reason == null) {
                spooled += n;
                spooledPending += n;
                ownRecords.merge(key, 1, Integer::sum);
            } else {
                dropped[reason.ordinal()] += n;
                deliveryLog.dropped(reason, n, null);
            }
            settledCondition.signalAll();
            assertIdentity();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A replayed record went through: when this process spooled it, its events move from {@code
     * spooled_pending} to acked, rejected or dropped ({@code oversize}) and this returns {@code
     * true}; otherwise an earlier process enqueued them and the caller counts them as recovered.
     */
    boolean commitReplayed(SpoolRecordKey key, long events, long ackedCount, long rejectedCount, long oversize)
            throws InterruptedException {
        lock.lock();
        try {
            // The spool may seal and hand out a record before its appender has counted it spooled.
            long waitEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPOOL_GRACE_MILLIS);
            while (appendingRecords.containsKey(key) && waitEnd - System.nanoTime() > 0) {
                settledCondition.awaitNanos(waitEnd - System.nanoTime());
            }
            if (!ownRecords.containsKey(key)) {
                return false;
            }
            ownRecords.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
            spooledPending -= events;
            acked += ackedCount;
            rejected += rejectedCount;
            dropped[DropReason.OVERSIZE.ordinal()] += oversize;
            settledCondition.signalAll();
            assertIdentity();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fresh events keep priority: the replayer starts a request only while a sender slot is idle.
     *
     * @return {@code false} once stopped
     */
    boolean awaitIdleSlot(long pollNanos) throws InterruptedException {
        lock.lock();
        try {
            while (!stopped && inFlightBatches >= settings.maxInFlight()) {
                slotFreed.awaitNanos(pollNanos);
            }
            return !stopped;
        } finally {
            lock.unlock();
        }
    }

    // ---- flush and close

    /**
     * Waits until every event buffered or in flight at the time of the call is terminal, and
     * reports what became of exactly those events.
     */
    FlushReport flush(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        lock.lock();
        try {
            long pending = buffer.size() + inFlightEvents;
            if (pending == 0) {
                return new FlushReport(0, 0, 0, 0, 0, false, Duration.ofNanos(System.nanoTime() - start));
            }
            FlushWaiters.Waiter waiter = flushWaiters.add(nextSeq, pending);
            flushRequestedUpTo = Math.max(flushRequestedUpTo, waiter.upTo);
            batcherWake.signal();
            boolean interrupted = false;
            try {
                while (waiter.remaining > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    settledCondition.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                interrupted = true;
                Thread.currentThread().interrupt();
            }
            flushWaiters.remove(waiter);
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
            lock.unlock();
        }
    }

    /** How many {@link #flush} calls are waiting. */
    int pendingFlushes() {
        lock.lock();
        try {
            return flushWaiters.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops intake: later admits drop as {@code closed}; the batcher flushes everything (trigger close). */
    void close() {
        lock.lock();
        try {
            closed = true;
            flushRequestedUpTo = Long.MAX_VALUE;
            batcherWake.signal();
            roomFreed.signalAll();
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            try {
                while (!buffer.isEmpty() || inFlightEvents > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    settledCondition.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (buffer.isEmpty() && inFlightEvents == 0) {
                return List.of();
            }
            log.warn(
                    "timed out waiting for {} buffered and {} in-flight audit events after {}; {} them",
                    buffer.size(),
                    inFlightEvents,
                    ConfigValues.formatDuration(timeout),
                    hasSpool ? "spooling" : "dropping (reason closed)");
            // Spilling events are already counted in flight; buffered ones join them.
            inFlightEvents += buffer.size();
            List<BufferedEvent> claimed = new ArrayList<>(buffer.takeAll());
            claimed.addAll(spillQueue.takeAll());
            for (BufferedEvent e : claimed) {
                e.settled = true;
            }
            for (Batch batch : inFlight) {
                for (BufferedEvent e : batch.entries) {
                    if (!e.settled) {
                        e.settled = true;
                        claimed.add(e);
                    }
                }
            }
            assertIdentity();
            return claimed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the pipeline: after a timed-out close, first lets other threads finish their spool writes
     * (disk, not network) within a bounded grace; then every waiting thread is told to stop.
     */
    void stop(boolean graceForSpoolWrites) {
        lock.lock();
        try {
            if (graceForSpoolWrites) {
                long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPOOL_GRACE_MILLIS);
                try {
                    while (inFlightEvents > 0 && graceEnd - System.nanoTime() > 0) {
                        settledCondition.awaitNanos(graceEnd - System.nanoTime());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            stopped = true;
            batcherWake.signal();
            spillWake.signalAll();
            slotFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isStopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    // ---- snapshot

    LedgerSnapshot snapshot() {
        long now = ticker.nanoTime();
        lock.lock();
        try {
            Map<DropReason, Long> droppedByReason = new EnumMap<>(DropReason.class);
            for (DropReason r : DropReason.values()) {
                droppedByReason.put(r, dropped[r.ordinal()]);
            }
            BufferedEvent head = buffer.head();
            return new LedgerSnapshot(
                    enqueued,
                    acked,
                    rejected,
                    droppedByReason,
                    spooled,
                    spooledPending,
                    buffer.size(),
                    buffer.bytes(),
                    inFlightEvents,
                    inFlightBatches,
                    head == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - head.enqueuedNanos)),
                    spillQueue.size());
        } finally {
            lock.unlock();
        }
    }

    // ---- with the lock held

    /** The one place that counts terminal states of sent events (spooled goes through {@link #finishClaimed}). */
    private List<BufferedEvent> settleLocked(List<BufferedEvent> entries, Outcome outcome, DropReason reason) {
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

    private void assertIdentity() {
        assert identityHolds()
                : "accounting identity broken: enqueued=" + enqueued + " acked=" + acked + " rejected=" + rejected
                        + " dropped=" + droppedTotal() + " spooled_pending=" + spooledPending + " buffered="
                        + buffer.size() + " in_flight=" + inFlightEvents;
    }

    private boolean identityHolds() {
        return enqueued == acked + rejected + droppedTotal() + spooledPending + buffer.size() + inFlightEvents;
    }

    private long droppedTotal() {
        long total = 0;
        for (long d : dropped) {
            total += d;
        }
        return total;
    }
}

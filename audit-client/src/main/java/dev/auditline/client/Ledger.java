package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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

    /**
     * One stored event; {@code settled} is guarded by the ledger's lock. It means "no longer owned by
     * a sender": set when the event became terminal, or when it was claimed for the spool or a drop
     * (it is then still counted in flight until {@link #finishClaimed}).
     */
    static final class Entry {
        final AuditEvent event;
        final long seq;
        final long enqueuedNanos;
        final int bytes;
        boolean settled;

        Entry(AuditEvent event, long seq, long enqueuedNanos, int bytes) {
            this.event = event;
            this.seq = seq;
            this.enqueuedNanos = enqueuedNanos;
            this.bytes = bytes;
        }

        int bytes() {
            return bytes;
        }
    }

    /** What {@link #nextBatch} hands the batcher. */
    static final class Batch {
        final List<Entry> entries;
        /** Buffered events past {@code delivery_timeout}, claimed for the spool or a drop, not for a sender. */
        final boolean expired;

        final FlushTrigger trigger;
        final long bytes;
        final long cutNanos;

        Batch(List<Entry> entries, boolean expired, FlushTrigger trigger, long bytes, long cutNanos) {
            this.entries = entries;
            this.expired = expired;
            this.trigger = trigger;
            this.bytes = bytes;
            this.cutNanos = cutNanos;
        }
    }

    static final Batch STOP = new Batch(List.of(), false, null, 0, 0);
    static final Batch WOKEN = new Batch(List.of(), false, null, 0, 0);

    /**
     * Tells a record this process spooled from one an earlier process left: its first event's id
     * and its size. Only an earlier process's record with the same first event and size, i.e. the
     * same event stored again after a restart, could be taken for this process's; the counts then
     * swap between {@code acked} and {@code recovered_acked}, and the identity still holds.
     */
    record RecordKey(UUID firstEventId, int events) {
        static RecordKey of(List<AuditEvent> events) {
            return new RecordKey(events.get(0).eventId(), events.size());
        }
    }

    /** The identity's terms and the buffer's shape at one instant. */
    record Snapshot(
            long enqueued,
            long acked,
            long rejected,
            Map<DropReason, Long> dropped,
            long spooled,
            long spooledPending,
            int bufferedEvents,
            long bufferedBytes,
            long inFlightEvents,
            int inFlightBatches,
            Duration oldestEventAge,
            int spillingEvents) {}

    /** A pending {@link #flush}: waits for the events with {@code seq < upTo}. */
    private static final class FlushWaiter {
        final long upTo;
        long remaining;
        long acked;
        long rejected;
        long spooled;
        long dropped;

        FlushWaiter(long upTo, long remaining) {
            this.upTo = upTo;
            this.remaining = remaining;
        }
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

    private final ArrayDeque<Entry> buffer = new ArrayDeque<>();
    private long bufferedBytes;
    private final ArrayDeque<Entry> spillQueue = new ArrayDeque<>();
    private long spillQueueBytes;
    private long nextSeq;
    private long flushRequestedUpTo;
    private int inFlightBatches;
    private long inFlightEvents;
    private final Set<Batch> inFlight = new HashSet<>();
    private final List<FlushWaiter> flushWaiters = new ArrayList<>();
    private long enqueued;
    private long acked;
    private long rejected;
    private final long[] dropped = new long[DropReason.values().length];
    private long spooled;
    private long spooledPending;
    /** Records this process appended (fsync returned) and no replay took out yet, by key, with their count. */
    private final Map<RecordKey, Integer> ownRecords = new HashMap<>();
    /** Records being appended right now; a replay that sees one waits for its append to be counted. */
    private final Map<RecordKey, Integer> appendingRecords = new HashMap<>();

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
            } else if (!hasRoom(bytes)) {
                if (settings.overflow() == AuditClientConfig.Overflow.SPILL) {
                    // Only a hand-off: the spiller thread does the disk write. When even its queue is
                    // full, the disk cannot keep up and the event is dropped like with overflow: drop.
                    spill = spillHasRoom(bytes);
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
                spillQueue.addLast(new Entry(event, nextSeq++, ticker.nanoTime(), bytes));
                spillQueueBytes += bytes;
                inFlightEvents++;
                if (spillQueue.size() == 1) {
                    spillWake.signal();
                }
            } else {
                buffer.addLast(new Entry(event, nextSeq++, ticker.nanoTime(), bytes));
                bufferedBytes += bytes;
                // Wake the batcher only when its decision changes: a new oldest event sets a new
                // deadline, a full batch is due now. Waking it per event would cost a context switch each.
                int maxCount = limits.maxCount();
                long maxBytes = limits.maxBytes();
                if (buffer.size() == 1
                        || buffer.size() == maxCount
                        || (bufferedBytes >= maxBytes && bufferedBytes - bytes < maxBytes)) {
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
            while (!closed && !hasRoom(bytes) && remaining > 0) {
                remaining = roomFreed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closed) {
            return DropReason.CLOSED;
        }
        return hasRoom(bytes) ? null : DropReason.BUFFER_FULL;
    }

    private boolean hasRoom(int bytes) {
        return buffer.size() < settings.bufferSize() && bufferedBytes + bytes <= settings.maxBufferBytes();
    }

    /** The spill queue has the buffer's bounds, so {@code overflow: spill} at most doubles the memory held. */
    private boolean spillHasRoom(int bytes) {
        return spillQueue.size() < settings.bufferSize() && spillQueueBytes + bytes <= settings.maxBufferBytes();
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
                return STOP;
            }
            Entry head = buffer.peekFirst();
            long now = ticker.nanoTime();
            BatchPolicy.Decision decision = policy.decide(new BatchPolicy.State(
                    buffer.size(),
                    bufferedBytes,
                    head == null ? 0 : now - head.enqueuedNanos,
                    head != null && head.seq < flushRequestedUpTo,
                    closed,
                    inFlightBatches < settings.maxInFlight(),
                    limits.maxCount(),
                    limits.maxBytes()));
            if (decision instanceof BatchPolicy.Wait wait) {
                batcherWake.awaitNanos(Math.max(1, wait.nanos()));
                return WOKEN;
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
        int n = Chunker.fit(buffer, Entry::bytes, limits.maxCount(), limits.maxBytes());
        List<Entry> entries = new ArrayList<>(n);
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Entry next = buffer.pollFirst();
            entries.add(next);
            bytes += next.bytes;
        }
        bufferedBytes -= bytes;
        inFlightEvents += n;
        inFlightBatches++;
        Batch batch = new Batch(entries, false, trigger, bytes, now);
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
        List<Entry> expired = new ArrayList<>();
        long bytes = 0;
        while (!buffer.isEmpty() && now - buffer.peekFirst().enqueuedNanos >= policy.deliveryTimeoutNanos()) {
            Entry e = buffer.pollFirst();
            e.settled = true;
            bytes += e.bytes;
            expired.add(e);
        }
        bufferedBytes -= bytes;
        inFlightEvents += expired.size();
        roomFreed.signalAll();
        return new Batch(expired, true, null, bytes, now);
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
    List<Entry> settle(List<Entry> entries, Outcome outcome, DropReason reason) {
        lock.lock();
        try {
            List<Entry> moved = settleLocked(entries, outcome, reason);
            assertIdentity();
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /** A 2xx: {@code ok} acked and {@code bad} rejected in one step. */
    void settleAnswered(List<Entry> ok, List<Entry> bad) {
        lock.lock();
        try {
            settleLocked(ok, Outcome.ACKED, null);
            settleLocked(bad, Outcome.REJECTED, null);
            assertIdentity();
        } finally {
            lock.unlock();
        }
    }

    /** Whether every entry is terminal or claimed, i.e. no longer the sender's to deliver. */
    boolean allSettled(List<Entry> entries) {
        lock.lock();
        try {
            for (Entry e : entries) {
                if (!e.settled) {
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the entries still a sender's own for the spool or a drop; they stay in flight until {@link #finishClaimed}. */
    List<Entry> claim(List<Entry> entries) {
        lock.lock();
        try {
            List<Entry> claimed = new ArrayList<>(entries.size());
            for (Entry e : entries) {
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
    record Overdue(List<Entry> claimed, List<Entry> live) {}

    /** Claims the entries of {@code chunk} enqueued more than {@code timeoutNanos} before {@code now}. */
    Overdue claimOverdue(List<Entry> chunk, long now, long timeoutNanos) {
        lock.lock();
        try {
            List<Entry> overdue = new ArrayList<>();
            List<Entry> live = new ArrayList<>(chunk.size());
            for (Entry e : chunk) {
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
    List<Entry> takeSpilled() throws InterruptedException {
        lock.lock();
        try {
            while (spillQueue.isEmpty()) {
                if (stopped) {
                    return null;
                }
                spillWake.await();
            }
            int n = Chunker.fit(spillQueue, Entry::bytes, limits.maxCount(), limits.maxBytes());
            List<Entry> claimed = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Entry next = spillQueue.pollFirst();
                next.settled = true;
                claimed.add(next);
                spillQueueBytes -= next.bytes;
            }
            return claimed;
        } finally {
            lock.unlock();
        }
    }

    /** A record of claimed entries is about to be appended to the spool as {@code key}. */
    void appending(RecordKey key) {
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
    void finishClaimed(List<Entry> record, RecordKey key, DropReason reason) {
        lock.lock();
        try {
            int n = record.size();
            inFlightEvents -= n;
            if (key != null) {
                appendingRecords.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
            }
            Outcome outcome = reason == null ? Outcome.SPOOLED : Outcome.DROPPED;
            for (Entry e : record) {
                countWaiters(e, outcome);
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
    boolean commitReplayed(RecordKey key, long events, long ackedCount, long rejectedCount, long oversize)
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
            FlushWaiter waiter = new FlushWaiter(nextSeq, buffer.size() + inFlightEvents);
            if (waiter.remaining == 0) {
                return new FlushReport(0, 0, 0, 0, 0, false, Duration.ofNanos(System.nanoTime() - start));
            }
            flushWaiters.add(waiter);
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
    List<Entry> drainOrClaim(long deadline, Duration timeout, boolean hasSpool) {
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
            List<Entry> claimed = new ArrayList<>();
            for (Entry e : buffer) {
                e.settled = true;
                claimed.add(e);
            }
            inFlightEvents += buffer.size();
            buffer.clear();
            bufferedBytes = 0;
            for (Entry e : spillQueue) {
                e.settled = true;
                claimed.add(e);
            }
            spillQueue.clear();
            spillQueueBytes = 0;
            for (Batch batch : inFlight) {
                for (Entry e : batch.entries) {
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

    Snapshot snapshot() {
        long now = ticker.nanoTime();
        lock.lock();
        try {
            Map<DropReason, Long> droppedByReason = new EnumMap<>(DropReason.class);
            for (DropReason r : DropReason.values()) {
                droppedByReason.put(r, dropped[r.ordinal()]);
            }
            Entry head = buffer.peekFirst();
            return new Snapshot(
                    enqueued,
                    acked,
                    rejected,
                    droppedByReason,
                    spooled,
                    spooledPending,
                    buffer.size(),
                    bufferedBytes,
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
    private List<Entry> settleLocked(List<Entry> entries, Outcome outcome, DropReason reason) {
        List<Entry> moved = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (e.settled) {
                continue;
            }
            e.settled = true;
            moved.add(e);
            inFlightEvents--;
            countWaiters(e, outcome);
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

    private void countWaiters(Entry e, Outcome outcome) {
        for (FlushWaiter w : flushWaiters) {
            if (e.seq < w.upTo) {
                w.remaining--;
                switch (outcome) {
                    case ACKED -> w.acked++;
                    case REJECTED -> w.rejected++;
                    case SPOOLED -> w.spooled++;
                    case DROPPED -> w.dropped++;
                }
            }
        }
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

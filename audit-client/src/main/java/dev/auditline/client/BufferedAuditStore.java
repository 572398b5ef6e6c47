package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.api.wire.ItemStatus;
import dev.auditline.spool.EventBatchCodec;
import dev.auditline.spool.ReplayResult;
import dev.auditline.spool.SpoolFullException;
import dev.auditline.spool.SpoolStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit client: a bounded in-memory buffer, one batching thread, up to {@code max_in_flight}
 * sender threads and, with {@code spool.dir}, a disk spool with its spiller and replayer threads.
 *
 * <p>It exists because the design it replaces did the HTTP I/O and its retries on the one thread
 * that also owned the flush timer, so a single slow batch delayed every later event by tens of
 * seconds. Here the parts are separated:
 *
 * <ul>
 *   <li>{@link #store} only appends to the buffer under a short lock: no I/O, no waiting (unless
 *       {@code overflow: block}, then at most {@code block_timeout}). A full buffer drops the event
 *       and counts it ({@code buffer_full}); with {@code overflow: spill} it hands the event to the
 *       spill queue instead (see below).
 *   <li>The batching thread ({@code auditline-batcher-<service>}) cuts a batch when {@code
 *       batch_size} events or {@code max_batch_bytes} are buffered, or when the <em>oldest</em>
 *       buffered event is {@code flush_interval} old (each event's enqueue time is recorded; there
 *       is no free-running ticker), and hands it to a sender thread. It never sends itself.
 *   <li>Sender threads ({@code auditline-sender-<service>-n}) make the attempts, sleep between
 *       retries, split on {@code 413}; a stalled or retrying request only occupies its own slot.
 *       When all {@code max_in_flight} slots are busy, events wait in the (bounded) buffer.
 * </ul>
 *
 * <p>Every event reaches one terminal state, counted in {@link #stats()}: acked, rejected,
 * spooled, or dropped with a {@link DropReason}. The identity {@code enqueued = acked + rejected +
 * dropped + spooled_pending + buffered + in_flight} holds in every snapshot because all of these
 * change together under one lock.
 *
 * <p>The client spool ({@code spool.dir}; segments in {@code dir/segments}, rejected events in
 * {@code dir/rejected/rejected.jsonl}):
 *
 * <ul>
 *   <li><b>Spill.</b> With {@code overflow: spill} a full buffer hands the event to a bounded
 *       spill queue (same bounds as the buffer) and returns; the spiller thread ({@code
 *       auditline-spiller-<service>}) writes the queued events to the spool in records of up to
 *       one batch, one fsync each. The calling thread never touches the disk. Spilled events count
 *       as in flight until their fsync returned, then as spooled. When the spill queue is full
 *       too, the disk is not keeping up and the event is dropped ({@code buffer_full}).
 *   <li><b>Spool instead of drop.</b> A batch whose retries are exhausted (or that got a status no
 *       retry fixes soon: 401, 403, 404) is written to the spool by its sender thread; at close,
 *       whatever the deadline cut off is spooled by the closing thread. A full or failed spool
 *       drops the events ({@code spool_full}).
 *   <li><b>Replay.</b> The replayer thread ({@code auditline-replayer-<service>}) seals the spool's
 *       open segment and replays it: at start (records an earlier process left, e.g. after a
 *       crash), {@value #SEAL_INTERVAL_MILLIS} ms after this process spooled something, after a
 *       failed replay's backoff, and at once when a live request gets a 2xx again. Records go
 *       through the same sink, with the same event ids (DataStorage dedups), one request at a
 *       time and without retries: a failure stops the replay and it is retried with backoff.
 *   <li><b>Fresh events first.</b> A replay request starts only while a sender slot is idle, and
 *       does not occupy a slot, so the batcher never waits for a replay: at most {@code
 *       max_in_flight} + 1 requests are under way, and a hanging replay delays no fresh batch.
 *   <li><b>Earlier processes.</b> Events found in the spool at start were enqueued by another
 *       process, so they are counted apart ({@link AuditClientStats.SpoolSummary}: {@code
 *       recovered_*}), and this process's identity stays exact.
 * </ul>
 *
 * <p>How the answers of DataStorage are handled:
 *
 * <ul>
 *   <li>2xx ({@code 200} stored, {@code 202} in the server's fallback spool): the items the body
 *       lists as {@code rejected} are terminal <em>rejected</em> and never resent; all others are
 *       acked (created or duplicate).
 *   <li>The server is <em>unavailable</em> (no connection, refused or reset before an answer,
 *       {@code 429}, {@code 502}, {@code 503}, {@code 504}, any answer with {@code Retry-After}): the
 *       sender holds its batch and probes again with backoff (at most {@value
 *       RetryPolicy#DEFAULT_MAX_PROBE_INTERVAL_SECONDS} s apart, never sooner than {@code
 *       Retry-After}), consuming none of the batch's {@code max_retries}. When every slot holds a
 *       batch no new batch is cut and events wait in the bounded buffer.
 *   <li>The server <em>failed</em> the batch ({@code 500} and other 5xx, {@code 408}, no answer
 *       within {@code timeout} after the request was sent): retried up to {@code max_retries} times
 *       with exponential backoff and full jitter, then spooled, or without a spool dropped ({@code
 *       retries_exhausted}).
 *   <li>Every event, buffered or held by a sender, is bounded by {@code delivery_timeout} from its
 *       own {@code store()}: past it, it is spooled, or dropped ({@code delivery_timeout}).
 *   <li>{@code 413}: the batch is split in halves, each sent on its own; a single event that still
 *       gets {@code 413} is dropped ({@code oversize}).
 *   <li>{@code 400}: if the server announced limits the batch exceeds, it is re-cut to fit;
 *       otherwise every event of the request is terminal <em>rejected</em> (never retried).
 *   <li>{@code 401}/{@code 403} and {@code 404}, and other 4xx: not retried; the events are spooled,
 *       or without a spool dropped ({@code unauthorized}, {@code not_found}, {@code
 *       retries_exhausted}). They are valid events that cannot be delivered until someone fixes the
 *       token or the URL, which no retry within seconds will do; counting them as {@code rejected}
 *       would claim the events are invalid. The WARN summary names the URL, the answer and the fix.
 * </ul>
 *
 * <p>Drops are reported at WARN with counts by reason at most once per {@value
 * #WARN_INTERVAL_SECONDS} seconds, by the batching and sender threads, never by the thread calling
 * {@code store()}. Per-event rejections are logged the same way, with one example; with a spool,
 * each rejected event is also written with the server's reason to the rejected file.
 *
 * <p>The limits a server announces, in {@code GET /api/v1/limits} (asked once before the first
 * request) or in the {@code Audit-Max-Batch-Size} / {@code Audit-Max-Request-Bytes} headers of
 * its answers, cap every later batch, including ones already cut, which are re-cut before sending.
 */
public final class BufferedAuditStore implements AuditStore {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    /** WARN summaries of drops and rejections: at most one per {@value} seconds each. */
    static final long WARN_INTERVAL_SECONDS = 10;

    /** Longest the batching thread sleeps before reporting drops counted by {@code store()}: {@value} ms. */
    static final long DROP_REPORT_POLL_MILLIS = 1000;

    private static final long DROP_REPORT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(DROP_REPORT_POLL_MILLIS);

    /**
     * How long the replayer lets records this process spooled sit in the spool's open segment before
     * it seals the segment and replays it: {@value} ms (the spool has no thread of its own).
     */
    static final long SEAL_INTERVAL_MILLIS = 1000;

    private static final long SEAL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(SEAL_INTERVAL_MILLIS);

    /** Longest the replayer waits before looking at its deadlines again: {@value} ms. */
    private static final long REPLAY_POLL_MILLIS = 100;

    /** After close's deadline, how long it still lets other threads finish their spool writes: {@value} ms. */
    static final long SPOOL_GRACE_MILLIS = 2000;

    /** A monotonic time source in nanoseconds; injected so tests control event ages. */
    @FunctionalInterface
    public interface Ticker {
        long nanoTime();
    }

    /** Waits between retries; injected so tests see the schedule without waiting it out. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** The random fraction in [0, 1] of full jitter. */
    @FunctionalInterface
    public interface Jitter {
        double nextFraction();
    }

    private enum Outcome {
        ACKED,
        REJECTED,
        SPOOLED,
        DROPPED
    }

    /**
     * Tells a record this process spooled from one an earlier process left: its first event's id
     * and its size (a few dozen bytes per record of up to {@code batch_size} events). Only an earlier
     * process's record with the same first event and size, i.e. the same event stored again after a
     * restart, could be taken for this process's; the counts then swap between {@code acked} and
     * {@code recovered_acked}, and the identity still holds.
     */
    private record RecordKey(UUID firstEventId, int events) {
        static RecordKey of(List<AuditEvent> events) {
            return new RecordKey(events.get(0).eventId(), events.size());
        }
    }

    /** What the server said about one replayed record, applied only once the whole record is through. */
    private static final class ReplayTally {
        long acked;
        long oversize;
        final List<AuditEvent> rejected = new ArrayList<>();
        final List<FieldViolation> reasons = new ArrayList<>();

        void reject(AuditEvent event, FieldViolation reason) {
            rejected.add(event);
            reasons.add(reason);
        }
    }

    /**
     * One buffered event; {@code settled} is guarded by {@link #lock}. It means "no longer owned by a
     * sender": set when the event became terminal, or when it was claimed for the spool (it is then
     * still counted in flight until the spool write returned).
     */
    private static final class Entry {
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

    private static final class Batch {
        final List<Entry> entries;
        /** Buffered events past {@code delivery_timeout}, claimed for the spool or a drop, not for a sender. */
        final boolean expired;

        Batch(List<Entry> entries, boolean expired) {
            this.entries = entries;
            this.expired = expired;
        }
    }

    /** {@link #nextBatch} results that are not batches. */
    private static final Batch STOP = new Batch(List.of(), false);

    private static final Batch WOKEN = new Batch(List.of(), false);

    /** A pending {@link #flush}: waits for the events with {@code seq < upTo}; guarded by {@link #lock}. */
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

    private final AuditClientConfig config;
    private final BatchSink sink;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final RetryPolicy retryPolicy;
    private final ServerLimitsTracker limits;
    private final long flushIntervalNanos;
    private final long deliveryTimeoutNanos;
    private final long blockTimeoutNanos;
    private final boolean blockOnOverflow;
    private final ThreadPoolExecutor senders;
    private final Thread batcher;
    /** {@code null} without {@code spool.dir}. */
    private final ClientSpool spool;

    private final boolean spillOnOverflow;
    /** Writes spilled events to the spool; {@code null} unless {@code overflow: spill}. */
    private final Thread spiller;
    /** Seals the spool's open segment and replays it; {@code null} without a spool. */
    private final Thread replayer;

    /**
     * Guards the pipeline state below: buffer, counters, in-flight set, flush waiters, close flags.
     * They change together so that every stats snapshot satisfies the accounting identity.
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** The batching thread waits here: a batch may be due, a slot freed, a flush or close asked. */
    private final Condition batcherWake = lock.newCondition();
    /** {@code overflow: block} producers wait here for room. */
    private final Condition roomFreed = lock.newCondition();
    /** {@link #flush} and {@link #close} wait here for events to become terminal. */
    private final Condition settled = lock.newCondition();
    /** The spiller waits here for events in {@link #spillQueue}. */
    private final Condition spillWake = lock.newCondition();
    /** The replayer waits here: a replay asked for, a sender slot freed, a backoff cut short. */
    private final Condition replayWake = lock.newCondition();

    private final ArrayDeque<Entry> buffer = new ArrayDeque<>();
    private long bufferedBytes;
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
    private boolean closed;
    private boolean stopped;
    private long lastFlushNanos;

    // Spool state, guarded by lock. Events in spillQueue are counted in inFlightEvents.
    private final ArrayDeque<Entry> spillQueue = new ArrayDeque<>();
    private long spillQueueBytes;
    private long spooled;
    private long spooledPending;
    /** Records this process appended (fsync returned) and no replay took out yet, by key, with their count. */
    private final Map<RecordKey, Integer> ownRecords = new HashMap<>();
    /** Records being appended right now; a replay that sees one waits for its append to be counted. */
    private final Map<RecordKey, Integer> appendingRecords = new HashMap<>();

    private long recoveredRecords;
    private long recoveredPendingRecords;
    private long recoveredAcked;
    private long recoveredRejected;
    private long recoveredDropped;
    private long replayedRecords;
    private long replayedEvents;
    private long replayUnreadableRecords;
    private int replayFailures;
    private String lastReplayError;
    private boolean replayRequested;
    private boolean unsealedRecords;
    private long replayNotBeforeNanos;
    private CompletableFuture<CloseReport> closeResult;

    // Measurements that are not part of the identity: written without the lock.
    private final AtomicLongArray flushes = new AtomicLongArray(FlushTrigger.values().length);
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong sends2xx = new AtomicLong();
    private final AtomicLong sends4xx = new AtomicLong();
    private final AtomicLong sends5xx = new AtomicLong();
    private final AtomicLong sendsNetwork = new AtomicLong();
    private final AtomicLong latencyCount = new AtomicLong();
    private final AtomicLong latencyTotalNanos = new AtomicLong();
    private final AtomicLong latencyMaxNanos = new AtomicLong();
    private final List<PipelineObserver> observers = new CopyOnWriteArrayList<>();

    private final AtomicBoolean closedDropReported = new AtomicBoolean();
    private final AtomicBoolean spoolFailureLogged = new AtomicBoolean();
    /** The last answer (or failure) of DataStorage in words, for drop summaries. */
    private volatile String lastAnswer = "none yet";

    private final WarnLimiter dropWarnings;
    private final WarnLimiter rejectWarnings;
    private final WarnLimiter spoolWarnings;

    private BufferedAuditStore(Builder b) {
        this.config = b.config;
        this.sink = b.sink != null ? b.sink : HttpBatchSink.create(b.config, b.clock);
        this.ticker = b.ticker;
        this.sleeper = b.sleeper;
        this.retryPolicy = RetryPolicy.of(config, b.jitter);
        this.limits = new ServerLimitsTracker(
                config.buffer().batchSize(), config.buffer().maxBatchBytes());
        this.flushIntervalNanos = config.buffer().flushInterval().toNanos();
        this.deliveryTimeoutNanos = config.buffer().deliveryTimeout().toNanos();
        this.blockTimeoutNanos = config.buffer().blockTimeout().toNanos();
        this.blockOnOverflow = config.buffer().overflow() == AuditClientConfig.Overflow.BLOCK;
        this.spillOnOverflow = config.buffer().overflow() == AuditClientConfig.Overflow.SPILL;
        this.dropWarnings = new WarnLimiter(TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS));
        this.rejectWarnings = new WarnLimiter(TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS));
        this.spoolWarnings = new WarnLimiter(TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS));
        this.lastFlushNanos = ticker.nanoTime();

        String service = config.serviceName();
        int maxInFlight = config.buffer().maxInFlight();
        AtomicInteger senderNumber = new AtomicInteger();
        this.senders = new ThreadPoolExecutor(
                maxInFlight, maxInFlight, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
                    Thread t =
                            new Thread(runnable, "auditline-sender-" + service + "-" + senderNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.senders.allowCoreThreadTimeOut(true);
        this.batcher = new Thread(this::runBatcher, "auditline-batcher-" + service);
        this.batcher.setDaemon(true);
        log.info("auditline client for {} starting: {}", service, config.describe());
        this.spool = openSpool(config, b.clock);
        if (spool != null) {
            long recovered = spool.stats().pendingRecords();
            recoveredRecords = recovered;
            recoveredPendingRecords = recovered;
            replayRequested = recovered > 0;
            if (recovered > 0) {
                log.info(
                        "audit spool {} holds {} records from an earlier process; replaying them",
                        spool.dir(),
                        recovered);
            }
            this.replayer = new Thread(this::runReplayer, "auditline-replayer-" + service);
            this.replayer.setDaemon(true);
        } else {
            this.replayer = null;
        }
        if (spillOnOverflow) {
            this.spiller = new Thread(this::runSpiller, "auditline-spiller-" + service);
            this.spiller.setDaemon(true);
        } else {
            this.spiller = null;
        }
        this.batcher.start();
        if (replayer != null) {
            replayer.start();
        }
        if (spiller != null) {
            spiller.start();
        }
    }

    private static ClientSpool openSpool(AuditClientConfig config, Clock clock) {
        Path dir = config.spool().dir();
        if (dir == null) {
            return null;
        }
        try {
            return ClientSpool.open(dir, config.spool().maxBytes(), clock);
        } catch (IOException e) {
            throw new UncheckedIOException("audit.spool.dir: cannot open the client spool in " + dir, e);
        }
    }

    /** A store sending to the configured DataStorage over HTTP. */
    public static BufferedAuditStore create(AuditClientConfig config) {
        return builder(config).build();
    }

    public static Builder builder(AuditClientConfig config) {
        return new Builder(config);
    }

    /** The configuration this store runs with. */
    public AuditClientConfig config() {
        return config;
    }

    @Override
    public boolean store(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        int bytes = event.estimatedJsonBytes();
        DropReason drop = null;
        boolean spill = false;
        lock.lock();
        try {
            if (closed) {
                drop = DropReason.CLOSED;
            } else if (bytes > limits.maxBytes()) {
                drop = DropReason.OVERSIZE;
            } else if (!hasRoom(bytes)) {
                if (spillOnOverflow) {
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
                dropWarnings.add(drop.tagValue(), 1, null);
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
                if (buffer.size() == 1
                        || buffer.size() == limits.maxCount()
                        || (bufferedBytes >= limits.maxBytes() && bufferedBytes - bytes < limits.maxBytes())) {
                    batcherWake.signal();
                }
            }
        } finally {
            lock.unlock();
        }
        if (drop == DropReason.CLOSED && !closedDropReported.getAndSet(true)) {
            // The batching thread that reports drops is gone; say it once, here, as it is a bug in the caller.
            log.warn("store() called after close(); such events are dropped (reason closed) and only counted");
        }
        return drop == null;
    }

    /** With the lock held and the buffer full: the drop reason, or {@code null} when room was found. */
    private DropReason waitForRoom(int bytes) {
        if (!blockOnOverflow) {
            return DropReason.BUFFER_FULL;
        }
        long remaining = blockTimeoutNanos;
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

    /**
     * The spill hand-off queue has the buffer's bounds, so {@code overflow: spill} at most doubles
     * the memory the client holds.
     */
    private boolean spillHasRoom(int bytes) {
        return spillQueue.size() < config.buffer().bufferSize()
                && spillQueueBytes + bytes <= config.buffer().maxBufferBytes();
    }

    private boolean hasRoom(int bytes) {
        return buffer.size() < config.buffer().bufferSize()
                && bufferedBytes + bytes <= config.buffer().maxBufferBytes();
    }

    /**
     * Waits until every event that was buffered or in flight at the time of the call is terminal,
     * and reports what became of exactly those events (see {@link FlushReport}). Buffered events
     * are cut into batches at once (trigger {@code explicit}), whatever their age.
     */
    @Override
    public FlushReport flush(Duration timeout) {
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
                    settled.awaitNanos(left);
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

    /**
     * Stops intake, flushes the buffer (trigger {@code close}), waits for requests in flight until
     * {@code timeout}, then spools (with {@code spool.dir}) or drops (reason {@code closed}) whatever
     * is undelivered, and interrupts the senders. Spooling at the deadline adds the time of its disk
     * writes. A concurrent or later call waits for the first one (at most its own timeout) and
     * returns the same report. Events spooled or dropped at the deadline may still reach DataStorage
     * from a request that was already on the wire; they are counted once, as spooled or dropped.
     */
    @Override
    public CloseReport close(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletableFuture<CloseReport> result;
        boolean first;
        lock.lock();
        try {
            first = closeResult == null;
            if (first) {
                closeResult = new CompletableFuture<>();
                closed = true;
                flushRequestedUpTo = Long.MAX_VALUE;
                batcherWake.signal();
                roomFreed.signalAll();
            }
            result = closeResult;
        } finally {
            lock.unlock();
        }
        if (!first) {
            return awaitOtherClose(result, deadline, start);
        }
        CloseReport report;
        try {
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
        AuditClientStats s = stats();
        return new CloseReport(
                s.enqueued(),
                s.acked(),
                s.rejected(),
                s.spooledPending(),
                s.droppedTotal(),
                s.dropped(),
                true,
                Duration.ofNanos(System.nanoTime() - start));
    }

    private CloseReport drainAndStop(Duration timeout, long start, long deadline) {
        boolean timedOut = false;
        List<Entry> leftovers = List.of();
        lock.lock();
        try {
            try {
                while (!buffer.isEmpty() || inFlightEvents > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    settled.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!buffer.isEmpty() || inFlightEvents > 0) {
                timedOut = true;
                log.warn(
                        "timed out waiting for {} buffered and {} in-flight audit events after {}; {} them",
                        buffer.size(),
                        inFlightEvents,
                        ConfigValues.formatDuration(timeout),
                        spool == null ? "dropping (reason closed)" : "spooling");
                leftovers = claimLeftovers();
            }
        } finally {
            lock.unlock();
        }
        if (!leftovers.isEmpty()) {
            spoolOrDropClaimed(leftovers, DropReason.CLOSED);
        }
        lock.lock();
        try {
            if (timedOut) {
                // Senders or the spiller may be writing claimed events to the spool: let them finish
                // (disk writes, not network) before the spool closes, within a bounded grace.
                long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPOOL_GRACE_MILLIS);
                try {
                    while (inFlightEvents > 0 && graceEnd - System.nanoTime() > 0) {
                        settled.awaitNanos(graceEnd - System.nanoTime());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            stopped = true;
            batcherWake.signal();
            spillWake.signalAll();
            replayWake.signalAll();
        } finally {
            lock.unlock();
        }
        // Interrupt senders only when giving up on them; otherwise let idle threads end quietly.
        if (timedOut) {
            senders.shutdownNow();
        } else {
            senders.shutdown();
        }
        if (replayer != null) {
            replayer.interrupt(); // a replay request may hang; its record stays in the spool
        }
        try {
            // The threads exit as soon as they see `stopped`; the waits are bounded all the same.
            for (Thread t : new Thread[] {batcher, spiller, replayer}) {
                if (t != null) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSpool();
        logDrops(true);
        logRejections(true);
        AuditClientStats s = stats();
        CloseReport report = new CloseReport(
                s.enqueued(),
                s.acked(),
                s.rejected(),
                s.spooledPending(),
                s.droppedTotal(),
                s.dropped(),
                timedOut,
                Duration.ofNanos(System.nanoTime() - start));
        log.info(
                "auditline client for {} closed: sent={} rejected={} spooled={} dropped={} {}",
                config.serviceName(),
                report.sent(),
                report.rejected(),
                report.spooled(),
                report.dropped(),
                report.droppedByReason());
        return report;
    }

    /** A consistent snapshot of every counter; cheap enough to poll. */
    public AuditClientStats stats() {
        long now = ticker.nanoTime();
        Map<DropReason, Long> droppedByReason = new EnumMap<>(DropReason.class);
        long enq;
        long ack;
        long rej;
        long bufEvents;
        long bufBytes;
        long inFlightEv;
        int inFlightB;
        Duration oldest;
        long spooledTotal;
        long spooledNow;
        AuditClientStats.SpoolSummary spoolSummary = AuditClientStats.SpoolSummary.NONE;
        SpoolStats disk = spool == null ? null : spool.stats();
        lock.lock();
        try {
            spooledTotal = spooled;
            spooledNow = spooledPending;
            if (spool != null) {
                spoolSummary = new AuditClientStats.SpoolSummary(
                        true,
                        spillQueue.size(),
                        disk.pendingBytes(),
                        disk.pendingRecords(),
                        disk.pendingSegments(),
                        disk.refusedRecords(),
                        replayedRecords,
                        replayedEvents,
                        replayFailures,
                        lastReplayError,
                        recoveredRecords,
                        recoveredPendingRecords,
                        recoveredAcked,
                        recoveredRejected,
                        recoveredDropped,
                        spool.rejectedWrites(),
                        spool.rejectedWriteFailures());
            }
            for (DropReason r : DropReason.values()) {
                droppedByReason.put(r, dropped[r.ordinal()]);
            }
            enq = enqueued;
            ack = acked;
            rej = rejected;
            bufEvents = buffer.size();
            bufBytes = bufferedBytes;
            inFlightEv = inFlightEvents;
            inFlightB = inFlightBatches;
            Entry head = buffer.peekFirst();
            oldest = head == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - head.enqueuedNanos));
        } finally {
            lock.unlock();
        }
        Map<FlushTrigger, Long> flushCounts = new EnumMap<>(FlushTrigger.class);
        for (FlushTrigger t : FlushTrigger.values()) {
            flushCounts.put(t, flushes.get(t.ordinal()));
        }
        return new AuditClientStats(
                enq,
                ack,
                rej,
                spooledTotal,
                spooledNow,
                droppedByReason,
                bufEvents,
                bufBytes,
                inFlightEv,
                inFlightB,
                oldest,
                flushCounts,
                retries.get(),
                Map.of(
                        "2xx", sends2xx.get(),
                        "4xx", sends4xx.get(),
                        "5xx", sends5xx.get(),
                        "network", sendsNetwork.get()),
                new AuditClientStats.LatencySummary(
                        latencyCount.get(),
                        Duration.ofNanos(latencyTotalNanos.get()),
                        Duration.ofNanos(latencyMaxNanos.get())),
                spoolSummary);
    }

    /** Makes the batching thread re-check its deadlines now; tests call it after moving their ticker. */
    void nudge() {
        lock.lock();
        try {
            batcherWake.signal();
            replayWake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many {@link #flush} calls are waiting; lets tests know a flush has taken its snapshot. */
    int pendingFlushes() {
        lock.lock();
        try {
            return flushWaiters.size();
        } finally {
            lock.unlock();
        }
    }

    void addObserver(PipelineObserver observer) {
        observers.add(observer);
    }

    // ---- batching thread

    private void runBatcher() {
        if (log.isDebugEnabled()) {
            log.debug(
                    "batcher started: flush_interval={} batch_size={} max_batch_bytes={} max_in_flight={}; {}",
                    ConfigValues.formatDuration(config.buffer().flushInterval()),
                    config.buffer().batchSize(),
                    ConfigValues.formatSize(config.buffer().maxBatchBytes()),
                    config.buffer().maxInFlight(),
                    config.describe());
        }
        try {
            while (true) {
                Batch batch = nextBatch();
                // Drops counted by store() are reported from here, so that producers never do the
                // logging I/O themselves.
                logDrops(false);
                if (batch == STOP) {
                    return;
                }
                if (batch.expired) {
                    // Disk I/O on the batcher only when events waited past delivery_timeout, i.e. when
                    // DataStorage has been away that long and no batch is waiting to be cut anyway.
                    undeliverable(batch.entries.size(), DropReason.DELIVERY_TIMEOUT, lastAnswer);
                    spoolOrDropClaimed(batch.entries, DropReason.DELIVERY_TIMEOUT);
                } else if (batch != WOKEN) {
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

    /**
     * Waits until a batch is due and a sender slot is free, and cuts it. Returns {@link #WOKEN}
     * after each wait (at most {@link #DROP_REPORT_POLL_MILLIS}) so the caller can report drops
     * outside the lock, and {@link #STOP} once stopped.
     */
    private Batch nextBatch() throws InterruptedException {
        lock.lock();
        try {
            if (stopped) {
                return STOP;
            }
            Entry head = buffer.peekFirst();
            long now = ticker.nanoTime();
            if (head != null && now - head.enqueuedNanos >= deliveryTimeoutNanos) {
                return claimExpired(now);
            }
            if (head == null || inFlightBatches >= config.buffer().maxInFlight()) {
                // Every slot busy (typically holding batches while DataStorage is unavailable): no new
                // batch is cut, events wait in the bounded buffer; the wait is bounded so that
                // delivery_timeout is checked at least every DROP_REPORT_POLL_MILLIS.
                batcherWake.awaitNanos(DROP_REPORT_POLL_NANOS);
                return WOKEN;
            }
            int maxCount = limits.maxCount();
            long maxBytes = limits.maxBytes();
            long age = now - head.enqueuedNanos;
            FlushTrigger trigger;
            if (buffer.size() >= maxCount) {
                trigger = FlushTrigger.SIZE;
            } else if (bufferedBytes >= maxBytes) {
                trigger = FlushTrigger.BYTES;
            } else if (closed) {
                trigger = FlushTrigger.CLOSE;
            } else if (head.seq < flushRequestedUpTo) {
                trigger = FlushTrigger.EXPLICIT;
            } else if (age >= flushIntervalNanos) {
                trigger = FlushTrigger.AGE;
            } else {
                batcherWake.awaitNanos(Math.min(flushIntervalNanos - age, DROP_REPORT_POLL_NANOS));
                return WOKEN;
            }
            return cutBatch(trigger, maxCount, maxBytes, now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * With the lock held: takes the buffered events older than {@code delivery_timeout} (all at the
     * head, as the buffer is in store() order) out of the buffer; they count in flight until the
     * batcher has spooled or dropped them.
     */
    private Batch claimExpired(long now) {
        List<Entry> expired = new ArrayList<>();
        while (!buffer.isEmpty() && now - buffer.peekFirst().enqueuedNanos >= deliveryTimeoutNanos) {
            Entry e = buffer.pollFirst();
            e.settled = true;
            bufferedBytes -= e.bytes;
            expired.add(e);
        }
        inFlightEvents += expired.size();
        roomFreed.signalAll();
        return new Batch(expired, true);
    }

    /** With the lock held: moves the oldest events that fit one request from the buffer to in flight. */
    private Batch cutBatch(FlushTrigger trigger, int maxCount, long maxBytes, long now) {
        int n = Chunker.fit(buffer, Entry::bytes, maxCount, maxBytes);
        List<Entry> entries = new ArrayList<>(n);
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Entry next = buffer.pollFirst();
            entries.add(next);
            bytes += next.bytes;
        }
        bufferedBytes -= bytes;
        inFlightEvents += entries.size();
        inFlightBatches++;
        Batch batch = new Batch(entries, false);
        inFlight.add(batch);
        if (blockOnOverflow) {
            roomFreed.signalAll();
        }
        flushes.incrementAndGet(trigger.ordinal());
        long sincePrevious = now - lastFlushNanos;
        lastFlushNanos = now;
        if (log.isDebugEnabled()) {
            log.debug(
                    "flush trigger={} events={} bytes={} oldest_age={}ms since_previous_flush={}ms buffered_after={}",
                    trigger.tagValue(),
                    entries.size(),
                    bytes,
                    TimeUnit.NANOSECONDS.toMillis(now - entries.get(0).enqueuedNanos),
                    TimeUnit.NANOSECONDS.toMillis(sincePrevious),
                    buffer.size());
        }
        for (PipelineObserver o : observers) {
            o.batchCut(trigger, entries.size());
        }
        return batch;
    }

    private void dispatch(Batch batch) {
        try {
            senders.execute(() -> deliver(batch));
        } catch (RejectedExecutionException e) {
            // Only after close gave up: the entries are already dropped (closed); free the slot.
            finishBatch(batch, DropReason.CLOSED);
        }
    }

    // ---- sender threads

    private void deliver(Batch batch) {
        try {
            if (limits.claimFirstAsk()) {
                askServerLimits();
            }
            deliverChunks(batch.entries);
        } catch (InterruptedException e) {
            // close() gave up on this request and already counted its events as dropped (closed).
            Thread.currentThread().interrupt();
            finishBatch(batch, DropReason.CLOSED);
            return;
        } catch (RuntimeException | Error e) {
            log.error("audit sender failed on a batch of {} events", batch.entries.size(), e);
        }
        finishBatch(batch, DropReason.RETRIES_EXHAUSTED);
    }

    /**
     * Frees the batch's slot. Any entry still unsettled (only after an unexpected failure) is
     * dropped with {@code reason}, so the accounting never loses an event.
     */
    private void finishBatch(Batch batch, DropReason reason) {
        lock.lock();
        try {
            settle(batch.entries, Outcome.DROPPED, reason);
            inFlight.remove(batch);
            inFlightBatches--;
            batcherWake.signal();
            replayWake.signalAll();
        } finally {
            lock.unlock();
        }
        logDrops(false);
    }

    /** Once, before the first request: failures only mean the limits are learned from answers instead. */
    private void askServerLimits() throws InterruptedException {
        try {
            sink.fetchLimits().ifPresent(announced -> {
                log.debug(
                        "server limits: max_batch_size={} max_request_bytes={}",
                        announced.maxBatchSize(),
                        announced.maxRequestBytes());
                limits.learn(SendOutcome.status(200, null, null)
                        .withServerLimits(announced.maxBatchSize(), announced.maxRequestBytes()));
            });
        } catch (IOException | RuntimeException e) {
            log.debug("could not fetch server limits; learning them from answers instead: {}", e.toString());
        }
    }

    /** Sends {@code entries} in requests that fit the server's current limits. */
    private void deliverChunks(List<Entry> entries) throws InterruptedException {
        long maxBytes = limits.maxBytes();
        List<Entry> fitting = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (e.bytes > maxBytes) {
                settleAndLog(List.of(e), Outcome.DROPPED, DropReason.OVERSIZE);
            } else {
                fitting.add(e);
            }
        }
        for (List<Entry> chunk : Chunker.split(fitting, Entry::bytes, limits.maxCount(), maxBytes)) {
            sendWithRetries(chunk);
        }
    }

    /**
     * Delivers one chunk. While the server is unavailable the chunk is held and probed again after
     * {@link RetryPolicy#beforeProbe}, consuming none of its {@code max_retries}; only a reachable
     * server failing this chunk consumes an attempt. Events older than {@code delivery_timeout} are
     * taken out before each attempt and spooled or dropped.
     */
    private void sendWithRetries(List<Entry> chunk) throws InterruptedException {
        int maxRetries = config.buffer().maxRetries();
        int failures = 0;
        int probes = 0;
        for (int attempt = 1; ; attempt++) {
            chunk = expireOverdue(chunk);
            if (chunk.isEmpty()) {
                return; // close() gave up on these events, or they all passed delivery_timeout
            }
            List<AuditEvent> events = new ArrayList<>(chunk.size());
            for (Entry e : chunk) {
                events.add(e.event);
            }
            long start = ticker.nanoTime();
            SendOutcome outcome = null;
            Verdict verdict;
            try {
                outcome = sink.send(events);
                verdict = ResponseClassifier.classify(outcome);
            } catch (IOException e) {
                verdict = ResponseClassifier.classify(e);
            } catch (RuntimeException e) {
                // A broken sink must not lose events silently: treat it like a failed request.
                log.warn("audit sink failed unexpectedly", e);
                verdict = ResponseClassifier.classify(e);
            }
            long took = ticker.nanoTime() - start;
            recordSend(outcome == null ? 0 : outcome.status(), took, attempt, chunk.size(), verdict);
            if (outcome != null) {
                limits.learn(outcome);
            }
            if (verdict instanceof Verdict.Stored stored) {
                settleStored(chunk, stored.outcome());
                return;
            } else if (verdict instanceof Verdict.TooLarge) {
                if (chunk.size() == 1) {
                    settleAndLog(chunk, Outcome.DROPPED, DropReason.OVERSIZE);
                } else {
                    int half = chunk.size() / 2;
                    deliverChunks(new ArrayList<>(chunk.subList(0, half)));
                    deliverChunks(new ArrayList<>(chunk.subList(half, chunk.size())));
                }
                return;
            } else if (verdict instanceof Verdict.BadRequest bad) {
                rejectWholeRequest(chunk, bad.outcome());
                return;
            } else if (verdict instanceof Verdict.Unavailable unavailable) {
                probes++;
                retries.incrementAndGet();
                sleeper.sleep(untilFirstExpiry(chunk, retryPolicy.beforeProbe(probes, unavailable.retryAfter())));
            } else if (verdict instanceof Verdict.Failed failed) {
                failures++;
                if (failures > maxRetries) {
                    undeliverable(chunk.size(), DropReason.RETRIES_EXHAUSTED, failed.answer());
                    spoolOrDrop(chunk, DropReason.RETRIES_EXHAUSTED);
                    return;
                }
                retries.incrementAndGet();
                sleeper.sleep(untilFirstExpiry(chunk, retryPolicy.afterFailure(failures, failed.retryAfter())));
            } else {
                Verdict.Undeliverable undeliverable = (Verdict.Undeliverable) verdict;
                undeliverable(chunk.size(), undeliverable.reason(), undeliverable.answer());
                spoolOrDrop(chunk, undeliverable.reason());
                return;
            }
        }
    }

    private void rejectWholeRequest(List<Entry> chunk, SendOutcome outcome) throws InterruptedException {
        if (Chunker.exceeds(chunk, Entry::bytes, limits.maxCount(), limits.maxBytes())) {
            deliverChunks(chunk); // the server announced smaller limits with its refusal
            return;
        }
        rejectWarnings.add("whole_request_400", chunk.size(), outcome.detail());
        FieldViolation reason =
                new FieldViolation("request", "status 400" + (outcome.detail() == null ? "" : ": " + outcome.detail()));
        for (Entry e : chunk) {
            writeRejected(e.event, reason);
        }
        settleAndLog(chunk, Outcome.REJECTED, null);
        logRejections(false);
    }

    /**
     * The entries of {@code chunk} that are still this sender's to deliver: those close() claimed
     * are left out, and those older than {@code delivery_timeout} are spooled or dropped first.
     */
    private List<Entry> expireOverdue(List<Entry> chunk) {
        long now = ticker.nanoTime();
        List<Entry> overdue = new ArrayList<>();
        List<Entry> live = new ArrayList<>(chunk.size());
        lock.lock();
        try {
            for (Entry e : chunk) {
                if (e.settled) {
                    continue;
                }
                if (now - e.enqueuedNanos >= deliveryTimeoutNanos) {
                    e.settled = true; // claimed: still in flight until spooled or dropped
                    overdue.add(e);
                } else {
                    live.add(e);
                }
            }
        } finally {
            lock.unlock();
        }
        if (!overdue.isEmpty()) {
            undeliverable(overdue.size(), DropReason.DELIVERY_TIMEOUT, lastAnswer);
            spoolOrDropClaimed(overdue, DropReason.DELIVERY_TIMEOUT);
        }
        return live.size() == chunk.size() ? chunk : live;
    }

    /** {@code wait}, cut short so the sender is awake when the chunk's oldest event reaches delivery_timeout. */
    private Duration untilFirstExpiry(List<Entry> chunk, Duration wait) {
        long oldest = Long.MAX_VALUE;
        for (Entry e : chunk) {
            oldest = Math.min(oldest, e.enqueuedNanos);
        }
        long left = oldest + deliveryTimeoutNanos - ticker.nanoTime();
        return left < wait.toNanos() ? Duration.ofNanos(Math.max(0, left)) : wait;
    }

    /** The wait after the {@code attempt}-th failed attempt; see {@link RetryPolicy#afterFailure}. */
    Duration backoff(int attempt, Duration retryAfter) {
        return retryPolicy.afterFailure(attempt, retryAfter);
    }

    private void settleStored(List<Entry> chunk, SendOutcome outcome) {
        boolean[] isRejected = new boolean[chunk.size()];
        int rejectedCount = 0;
        String example = null;
        if (outcome.response() != null) {
            for (ItemResult r : outcome.response().results()) {
                if (r.status() == ItemStatus.REJECTED && r.index() >= 0 && r.index() < chunk.size()) {
                    if (!isRejected[r.index()]) {
                        rejectedCount++;
                    }
                    isRejected[r.index()] = true;
                    if (example == null) {
                        example = "event " + chunk.get(r.index()).event.eventId() + " "
                                + (r.error() == null ? "(no detail)" : r.error().toString());
                    }
                }
            }
        }
        List<Entry> ok = new ArrayList<>(chunk.size() - rejectedCount);
        List<Entry> bad = new ArrayList<>(rejectedCount);
        for (int i = 0; i < chunk.size(); i++) {
            (isRejected[i] ? bad : ok).add(chunk.get(i));
        }
        if (spool != null && !bad.isEmpty()) {
            // Written before the events count as rejected, so a flush that returns finds them in the file.
            Map<Entry, FieldViolation> reasons = new IdentityHashMap<>();
            for (ItemResult r : outcome.response().results()) {
                if (r.status() == ItemStatus.REJECTED && r.index() >= 0 && r.index() < chunk.size()) {
                    reasons.putIfAbsent(chunk.get(r.index()), r.error());
                }
            }
            for (Entry e : bad) {
                writeRejected(e.event, reasons.get(e));
            }
        }
        long now = ticker.nanoTime();
        lock.lock();
        try {
            settle(ok, Outcome.ACKED, null);
            settle(bad, Outcome.REJECTED, null);
            serverAnswered();
        } finally {
            lock.unlock();
        }
        for (Entry e : ok) {
            long latency = Math.max(0, now - e.enqueuedNanos);
            latencyCount.incrementAndGet();
            latencyTotalNanos.addAndGet(latency);
            latencyMaxNanos.accumulateAndGet(latency, Math::max);
            for (PipelineObserver o : observers) {
                o.delivered(latency);
            }
        }
        if (!bad.isEmpty()) {
            rejectWarnings.add("rejected", bad.size(), example);
            logRejections(false);
        }
    }

    private void recordSend(int status, long tookNanos, int attempt, int events, Verdict verdict) {
        lastAnswer = verdict.answer();
        String statusClass;
        if (status == 0) {
            statusClass = "network";
            sendsNetwork.incrementAndGet();
        } else if (status < 300) {
            statusClass = "2xx";
            sends2xx.incrementAndGet();
        } else if (status < 500) {
            statusClass = "4xx";
            sends4xx.incrementAndGet();
        } else {
            statusClass = "5xx";
            sends5xx.incrementAndGet();
        }
        if (log.isDebugEnabled()) {
            log.debug(
                    "send status={} attempt={} events={} duration={}ms{}",
                    status == 0 ? "none" : status,
                    attempt,
                    events,
                    TimeUnit.NANOSECONDS.toMillis(tookNanos),
                    status == 0 ? " error=" + verdict.answer() : "");
        }
        for (PipelineObserver o : observers) {
            o.sendFinished(statusClass, tookNanos);
        }
    }

    private boolean allSettled(List<Entry> chunk) {
        lock.lock();
        try {
            for (Entry e : chunk) {
                if (!e.settled) {
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the entries this call settled (not those already terminal or claimed). */
    private List<Entry> settleAndLog(List<Entry> entries, Outcome outcome, DropReason reason) {
        List<Entry> settledNow;
        lock.lock();
        try {
            settledNow = settle(entries, outcome, reason);
        } finally {
            lock.unlock();
        }
        logDrops(false);
        return settledNow;
    }

    // ---- spool: spilling, spooling what could not be sent, replaying

    /**
     * With the lock held, at close's deadline: takes every event not yet terminal and not already
     * being written to the spool (buffered, waiting to be spilled, in a request under way), so that
     * close spools or drops it. They stay counted in flight until that is done.
     */
    private List<Entry> claimLeftovers() {
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
        return claimed;
    }

    /**
     * With the lock held: takes the entries of a sender's chunk that are still its own for the
     * spool; those close already claimed are left to it.
     */
    private List<Entry> claim(List<Entry> entries) {
        List<Entry> claimed = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (!e.settled) {
                e.settled = true;
                claimed.add(e);
            }
        }
        return claimed;
    }

    /** A sender gives up on a chunk: to the spool when there is one, else dropped with {@code reason}. */
    private void spoolOrDrop(List<Entry> chunk, DropReason reason) {
        if (spool == null) {
            settleAndLog(chunk, Outcome.DROPPED, reason);
            return;
        }
        List<Entry> claimed;
        lock.lock();
        try {
            claimed = claim(chunk);
        } finally {
            lock.unlock();
        }
        spoolOrDropClaimed(claimed, reason);
    }

    /**
     * Writes claimed entries to the spool in records of at most one request each, then counts them
     * spooled; without a spool they are dropped with {@code reason}. A full or failed spool drops
     * them as {@code spool_full}. Called without the lock; does disk I/O.
     */
    private void spoolOrDropClaimed(List<Entry> claimed, DropReason reason) {
        if (spool == null) {
            if (!claimed.isEmpty()) {
                finishClaimed(claimed, null, reason);
            }
            return;
        }
        for (List<Entry> record : Chunker.split(claimed, Entry::bytes, limits.maxCount(), limits.maxBytes())) {
            List<AuditEvent> events = new ArrayList<>(record.size());
            for (Entry e : record) {
                events.add(e.event);
            }
            RecordKey key = RecordKey.of(events);
            lock.lock();
            try {
                appendingRecords.merge(key, 1, Integer::sum);
            } finally {
                lock.unlock();
            }
            DropReason failed = null;
            try {
                spool.append(events);
            } catch (SpoolFullException e) {
                failed = DropReason.SPOOL_FULL;
                dropWarnings.add("spool_full", 0, e.getMessage());
            } catch (IOException e) {
                failed = DropReason.SPOOL_FULL;
                dropWarnings.add("spool_full", 0, "spool write failed: " + e);
                if (!spoolFailureLogged.getAndSet(true)) {
                    // A spool whose write failed refuses every later write; later drops go to the WARN summary.
                    log.error(
                            "could not write audit events to the spool {}; dropping them (spool_full)", spool.dir(), e);
                }
            } catch (IllegalStateException e) {
                failed = DropReason.CLOSED; // the store closed the spool after its grace period
            }
            finishClaimed(record, key, failed);
        }
        logDrops(false);
    }

    /**
     * Claimed entries leave in-flight: spooled as the record {@code key} when {@code reason} is
     * {@code null}, else dropped with {@code reason}.
     */
    private void finishClaimed(List<Entry> record, RecordKey key, DropReason reason) {
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
                if (!unsealedRecords) {
                    unsealedRecords = true;
                    replayWake.signalAll();
                }
            } else {
                dropped[reason.ordinal()] += n;
                dropWarnings.add(reason.tagValue(), n, null);
            }
            settled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The spiller thread: moves spilled events from the hand-off queue to the spool in batches. */
    private void runSpiller() {
        try {
            while (true) {
                List<Entry> claimed = new ArrayList<>();
                lock.lock();
                try {
                    while (spillQueue.isEmpty()) {
                        if (stopped) {
                            return;
                        }
                        spillWake.await();
                    }
                    int n = Chunker.fit(spillQueue, Entry::bytes, limits.maxCount(), limits.maxBytes());
                    for (int i = 0; i < n; i++) {
                        Entry next = spillQueue.pollFirst();
                        next.settled = true;
                        claimed.add(next);
                        spillQueueBytes -= next.bytes;
                    }
                } finally {
                    lock.unlock();
                }
                // One fsync per batch of spilled events, never one per event.
                spoolOrDropClaimed(claimed, DropReason.SPOOL_FULL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("audit spiller thread failed; spilled events will be dropped at close", e);
            throw e;
        }
    }

    /**
     * The replayer thread: seals the spool's open segment and replays it when records are waiting
     * (at start, {@value #SEAL_INTERVAL_MILLIS} ms after this process spooled, after a backoff, or as
     * soon as DataStorage answers again), one request at a time.
     */
    private void runReplayer() {
        try {
            long lastAttempt = ticker.nanoTime() - SEAL_INTERVAL_NANOS;
            while (true) {
                lock.lock();
                try {
                    while (true) {
                        if (stopped) {
                            return;
                        }
                        long now = ticker.nanoTime();
                        // Deadlines are re-checked every poll, so that tests' tickers can move them.
                        long poll = TimeUnit.MILLISECONDS.toNanos(REPLAY_POLL_MILLIS);
                        long wait;
                        if (replayFailures > 0 && replayNotBeforeNanos - now > 0) {
                            wait = replayNotBeforeNanos - now;
                        } else if (replayRequested) {
                            break;
                        } else if (unsealedRecords) {
                            wait = lastAttempt + SEAL_INTERVAL_NANOS - now;
                            if (wait <= 0) {
                                break;
                            }
                        } else {
                            wait = SEAL_INTERVAL_NANOS; // idle: spooling and nudge() signal
                            poll = wait;
                        }
                        replayWake.awaitNanos(Math.min(wait, poll));
                    }
                    replayRequested = false;
                    unsealedRecords = false;
                } finally {
                    lock.unlock();
                }
                lastAttempt = ticker.nanoTime();
                if (!replayOnce()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("audit replayer thread failed; spooled events stay on disk for the next start", e);
            throw e;
        }
    }

    /** One seal and replay; {@code false} when the thread must stop. */
    private boolean replayOnce() {
        replayInterrupted = false;
        String error = null;
        long recordsBefore;
        lock.lock();
        try {
            recordsBefore = replayedRecords;
        } finally {
            lock.unlock();
        }
        ReplayResult result = null;
        try {
            spool.seal();
            result = spool.replay(this::replayRecord);
        } catch (IOException e) {
            error = e.toString();
        } catch (RuntimeException e) {
            if (isStopped()) {
                return false; // the spool was closed under the replay: the store is closing
            }
            // A bug or an unexpected record must not end replay for good: retried with backoff.
            log.error("audit spool replay failed unexpectedly", e);
            error = e.toString();
        }
        if (replayInterrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
        lock.lock();
        try {
            if (stopped) {
                return false;
            }
            if (result != null && result.drained()) {
                replayFailures = 0;
            } else {
                if (error != null) {
                    lastReplayError = error;
                }
                replayFailures++;
                replayNotBeforeNanos = ticker.nanoTime()
                        + retryPolicy.afterFailure(replayFailures, null).toNanos();
                replayRequested = true;
            }
            if (replayedRecords > recordsBefore) {
                log.info(
                        "replayed {} records from the audit spool{}",
                        replayedRecords - recordsBefore,
                        replayFailures == 0 ? "" : "; stopped at a failure, retrying later: " + lastReplayError);
            } else if (replayFailures == 1) {
                log.warn("audit spool replay failed, retrying with backoff: {}", lastReplayError);
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    private boolean isStopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    /** Set by {@link #replayRecord} when interrupted; the flag is restored only after the spool saved its progress. */
    private volatile boolean replayInterrupted;

    /**
     * The spool's record handler: sends one record (re-cut to the server's limits if needed) and
     * acknowledges it once every event in it is acked, rejected or dropped as oversize. Any failure
     * leaves the record in the spool; it is sent again, whole, by a later replay.
     */
    private boolean replayRecord(byte[] payload) {
        try {
            if (!awaitIdleSenderSlot()) {
                return false;
            }
            List<AuditEvent> events;
            try {
                events = EventBatchCodec.decode(payload);
            } catch (IOException e) {
                log.error("skipping an unreadable audit spool record of {} bytes: {}", payload.length, e.toString());
                lock.lock();
                try {
                    replayUnreadableRecords++;
                } finally {
                    lock.unlock();
                }
                return true;
            }
            if (events.isEmpty()) {
                return true;
            }
            if (limits.claimFirstAsk()) {
                askServerLimits();
            }
            ReplayTally tally = new ReplayTally();
            if (!replayChunks(events, tally)) {
                return false;
            }
            commitReplayed(events, tally);
            return true;
        } catch (InterruptedException e) {
            replayInterrupted = true;
            return false;
        }
    }

    /**
     * Fresh events keep priority: a replay request starts only while a sender slot is idle, so it
     * never competes with a busy pipeline; it does not take the slot either, so the batcher is never
     * kept waiting by it (at most {@code max_in_flight} + 1 requests at once).
     */
    private boolean awaitIdleSenderSlot() throws InterruptedException {
        lock.lock();
        try {
            while (!stopped && inFlightBatches >= config.buffer().maxInFlight()) {
                replayWake.awaitNanos(TimeUnit.MILLISECONDS.toNanos(REPLAY_POLL_MILLIS));
            }
            return !stopped;
        } finally {
            lock.unlock();
        }
    }

    private boolean replayChunks(List<AuditEvent> events, ReplayTally tally) throws InterruptedException {
        long maxBytes = limits.maxBytes();
        List<AuditEvent> fitting = new ArrayList<>(events.size());
        for (AuditEvent e : events) {
            if (e.estimatedJsonBytes() > maxBytes) {
                tally.oversize++;
            } else {
                fitting.add(e);
            }
        }
        for (List<AuditEvent> chunk :
                Chunker.split(fitting, AuditEvent::estimatedJsonBytes, limits.maxCount(), maxBytes)) {
            if (!replayChunk(chunk, tally)) {
                return false;
            }
        }
        return true;
    }

    /** One attempt, no retries: a failure stops the replay, which is retried later with backoff. */
    private boolean replayChunk(List<AuditEvent> chunk, ReplayTally tally) throws InterruptedException {
        long start = ticker.nanoTime();
        SendOutcome outcome = null;
        Verdict verdict;
        try {
            outcome = sink.send(chunk);
            verdict = ResponseClassifier.classify(outcome);
        } catch (IOException | RuntimeException e) {
            verdict = ResponseClassifier.classify(e);
        }
        recordSend(outcome == null ? 0 : outcome.status(), ticker.nanoTime() - start, 1, chunk.size(), verdict);
        if (outcome != null) {
            limits.learn(outcome);
        }
        if (verdict instanceof Verdict.Stored) {
            boolean[] isRejected = new boolean[chunk.size()];
            int rejectedCount = 0;
            if (outcome.response() != null) {
                for (ItemResult r : outcome.response().results()) {
                    if (r.status() == ItemStatus.REJECTED && r.index() >= 0 && r.index() < chunk.size()) {
                        if (!isRejected[r.index()]) {
                            tally.reject(chunk.get(r.index()), r.error());
                            rejectedCount++;
                        }
                        isRejected[r.index()] = true;
                    }
                }
            }
            tally.acked += chunk.size() - rejectedCount;
            lock.lock();
            try {
                serverAnswered();
            } finally {
                lock.unlock();
            }
            return true;
        }
        if (verdict instanceof Verdict.TooLarge) {
            if (chunk.size() == 1) {
                tally.oversize++;
                return true;
            }
            int half = chunk.size() / 2;
            return replayChunks(new ArrayList<>(chunk.subList(0, half)), tally)
                    && replayChunks(new ArrayList<>(chunk.subList(half, chunk.size())), tally);
        }
        if (verdict instanceof Verdict.BadRequest) {
            if (Chunker.exceeds(chunk, AuditEvent::estimatedJsonBytes, limits.maxCount(), limits.maxBytes())) {
                return replayChunks(chunk, tally);
            }
            FieldViolation reason = new FieldViolation(
                    "request", "status 400" + (outcome.detail() == null ? "" : ": " + outcome.detail()));
            for (AuditEvent e : chunk) {
                tally.reject(e, reason);
            }
            return true;
        }
        // Unavailable, failed or undeliverable alike: the record stays in the spool and the whole
        // replay is tried again after a backoff.
        lock.lock();
        try {
            lastReplayError = verdict.answer();
        } finally {
            lock.unlock();
        }
        return false;
    }

    /**
     * A replayed record went through. Its events become acked, rejected or dropped ({@code
     * oversize}): in the counters of this process when it spooled the record, else in the
     * {@code recovered} counters, because an earlier process enqueued them.
     */
    private void commitReplayed(List<AuditEvent> events, ReplayTally tally) throws InterruptedException {
        long rejectedCount = tally.rejected.size();
        for (int i = 0; i < tally.rejected.size(); i++) {
            writeRejected(tally.rejected.get(i), tally.reasons.get(i));
        }
        lock.lock();
        try {
            RecordKey key = RecordKey.of(events);
            // The spool may seal and hand out a record before its appender has counted it spooled.
            long waitEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPOOL_GRACE_MILLIS);
            while (appendingRecords.containsKey(key) && waitEnd - System.nanoTime() > 0) {
                settled.awaitNanos(waitEnd - System.nanoTime());
            }
            if (ownRecords.containsKey(key)) {
                ownRecords.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
                spooledPending -= events.size();
                acked += tally.acked;
                rejected += rejectedCount;
                dropped[DropReason.OVERSIZE.ordinal()] += tally.oversize;
            } else {
                recoveredPendingRecords = Math.max(0, recoveredPendingRecords - 1);
                recoveredAcked += tally.acked;
                recoveredRejected += rejectedCount;
                recoveredDropped += tally.oversize;
            }
            replayedRecords++;
            replayedEvents += events.size();
            if (tally.oversize > 0) {
                dropWarnings.add(DropReason.OVERSIZE.tagValue(), tally.oversize, null);
            }
            settled.signalAll();
        } finally {
            lock.unlock();
        }
        if (rejectedCount > 0) {
            AuditEvent first = tally.rejected.get(0);
            FieldViolation reason = tally.reasons.get(0);
            rejectWarnings.add(
                    "rejected",
                    rejectedCount,
                    "event " + first.eventId() + " " + (reason == null ? "(no detail)" : reason));
            logRejections(false);
        }
        logDrops(false);
    }

    private void writeRejected(AuditEvent event, FieldViolation reason) {
        if (spool != null) {
            spool.writeRejected(
                    event,
                    reason == null ? "unknown" : reason.field(),
                    reason == null ? "DataStorage gave no detail" : reason.detail());
        }
    }

    /** DataStorage answered 2xx: a replay backing off after failures may try again now. */
    private void serverAnswered() {
        if (spool != null && replayFailures > 0) {
            replayNotBeforeNanos = ticker.nanoTime();
            replayWake.signalAll();
        }
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

    // ---- accounting (lock held)

    /**
     * Moves in-flight entries that are still a sender's own to {@code outcome} (acked, rejected or
     * dropped; spooled goes through {@link #finishClaimed}); the one place that counts terminal
     * states of sent events. Returns the entries it moved.
     */
    private List<Entry> settle(List<Entry> entries, Outcome outcome, DropReason reason) {
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
                dropWarnings.add(reason.tagValue(), count, null);
            }
            case SPOOLED -> throw new IllegalArgumentException("spooled entries are counted by finishClaimed");
        }
        settled.signalAll();
        return moved;
    }

    private void dropBuffered(DropReason reason) {
        int count = buffer.size();
        for (Entry e : buffer) {
            e.settled = true;
            countWaiters(e, Outcome.DROPPED);
        }
        buffer.clear();
        bufferedBytes = 0;
        if (count > 0) {
            dropped[reason.ordinal()] += count;
            dropWarnings.add(reason.tagValue(), count, null);
            settled.signalAll();
        }
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

    /** Remembers why a chunk could not be delivered, for the next WARN summary of drops or spooling. */
    private void undeliverable(int events, DropReason reason, String why) {
        if (spool == null) {
            dropWarnings.add(reason.tagValue(), 0, why);
        } else {
            spoolWarnings.add(reason.tagValue(), events, why);
        }
    }

    private void logDrops(boolean force) {
        long now = ticker.nanoTime();
        WarnLimiter.Summary summary = dropWarnings.pollSummary(now, force);
        if (summary != null) {
            log.warn(
                    "dropped audit events for {} (reason=count since the last report): {}; last answer: {}; {}",
                    config.datastorageUrl(),
                    summary,
                    lastAnswer,
                    remedies(summary));
        }
        WarnLimiter.Summary spooling = spoolWarnings.pollSummary(now, force);
        if (spooling != null) {
            log.warn(
                    "audit events {} did not take go to the spool {} for replay (reason=count since the last"
                            + " report): {}; last answer: {}; {}",
                    config.datastorageUrl(),
                    spool.dir(),
                    spooling,
                    lastAnswer,
                    remedies(spooling));
        }
    }

    private static String remedies(WarnLimiter.Summary summary) {
        StringBuilder text = new StringBuilder();
        for (DropReason reason : DropReason.values()) {
            if (summary.counts().containsKey(reason.tagValue())) {
                text.append(text.length() == 0 ? "" : "; ")
                        .append(reason.tagValue())
                        .append(": ")
                        .append(reason.remedy());
            }
        }
        return text.toString();
    }

    private void logRejections(boolean force) {
        String summary = rejectWarnings.poll(ticker.nanoTime(), force);
        if (summary != null) {
            log.warn("DataStorage rejected audit events as invalid; they are not retried: {}", summary);
        }
    }

    /**
     * Creates a store from a configuration; the collaborators default to the production ones and
     * are replaceable for tests.
     */
    public static final class Builder {
        private final AuditClientConfig config;
        private BatchSink sink;
        private Ticker ticker = System::nanoTime;
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = d -> TimeUnit.NANOSECONDS.sleep(d.toNanos());
        private Jitter jitter = () -> ThreadLocalRandom.current().nextDouble();

        private Builder(AuditClientConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where batches go; defaults to the HTTP sender for {@code datastorage_url}. */
        public Builder sink(BatchSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** Measures event ages and latencies; defaults to {@link System#nanoTime()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Wall clock of the HTTP sender (for {@code Retry-After} dates), of the spool (segment age)
         * and of the rejected file's timestamps; defaults to UTC system time.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Waits out retry backoffs; defaults to {@link Thread#sleep}. */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Full-jitter fraction; defaults to {@link ThreadLocalRandom}. */
        public Builder jitter(Jitter jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /**
         * Starts the store's threads.
         *
         * @throws IllegalArgumentException when the HTTP sender cannot be set up (e.g. unreadable token file)
         * @throws UncheckedIOException when the spool directory cannot be opened, e.g. because another
         *     store holds it
         */
        public BufferedAuditStore build() {
            return new BufferedAuditStore(this);
        }
    }
}

package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>The client spool ({@code spool.dir}: segments in {@code dir/segments}, rejected events in
 * {@code dir/rejected/rejected.jsonl}) takes what cannot be delivered now — spilled events ({@code
 * overflow: spill}, written by the spiller thread, never by the caller), batches given up on,
 * events past {@code delivery_timeout}, what close() could not send — and the replayer thread sends
 * it again through the same sink with the same event ids, one request at a time, only while a
 * sender slot is idle, so fresh events keep priority (see {@link Spiller} and {@link Replayer}).
 * Events an earlier process left are counted apart ({@code recovered_*}), so this process's
 * identity stays exact.
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
 * DeliveryLog#WARN_INTERVAL_SECONDS} seconds, by the batching and sender threads, never by the thread calling
 * {@code store()}. Per-event rejections are logged the same way, with one example; with a spool,
 * each rejected event is also written with the server's reason to the rejected file.
 *
 * <p>The parts, each testable alone: {@link Ledger} owns the buffer, the counters and the one
 * lock; {@link BatchPolicy} decides when to cut; {@link Chunker} cuts by count and bytes; {@link
 * BatchSender} sends and acts on the {@link Verdict} of {@link ResponseClassifier}, waiting as
 * {@link RetryPolicy} says; {@link Spiller} and {@link Replayer} write and read the spool; this
 * class wires them and owns their threads.
 *
 * <p>The limits a server announces, in {@code GET /api/v1/limits} (asked once before the first
 * request) or in the {@code Audit-Max-Batch-Size} / {@code Audit-Max-Request-Bytes} headers of
 * its answers, cap every later batch, including ones already cut, which are re-cut before sending.
 */
public final class BufferedAuditStore implements AuditStore {
    private static final Logger log = LoggerFactory.getLogger(BufferedAuditStore.class);

    /** Longest the batching thread sleeps before reporting drops counted by {@code store()}: {@value} ms. */
    static final long DROP_REPORT_POLL_MILLIS = 1000;

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

    private final AuditClientConfig config;
    private final RetryPolicy retryPolicy;
    private final DeliveryLog deliveryLog;
    private final SendMetrics metrics = new SendMetrics();
    private final Ledger ledger;
    /** {@code null} without {@code spool.dir}. */
    private final ClientSpool spool;

    private final Spiller spiller;
    /** {@code null} without a spool. */
    private final Replayer replayer;

    private final ThreadPoolExecutor senders;
    private final Thread batcherThread;
    /** {@code null} unless {@code overflow: spill}. */
    private final Thread spillerThread;
    /** {@code null} without a spool. */
    private final Thread replayerThread;

    private final StoreShutdown shutdown;

    private BufferedAuditStore(Builder b) {
        this.config = b.config;
        BatchSink sink = b.sink != null ? b.sink : HttpBatchSink.create(b.config, b.clock);
        AuditClientConfig.Buffer settings = config.buffer();
        String service = config.serviceName();
        this.retryPolicy = RetryPolicy.of(config, b.jitter);
        ServerLimitsTracker limits = new ServerLimitsTracker(settings.batchSize(), settings.maxBatchBytes());
        this.deliveryLog =
                new DeliveryLog(config.datastorageUrl(), config.spool().dir(), b.ticker);
        BatchPolicy policy = new BatchPolicy(
                settings.flushInterval().toNanos(),
                settings.deliveryTimeout().toNanos(),
                TimeUnit.MILLISECONDS.toNanos(DROP_REPORT_POLL_MILLIS));
        this.ledger = new Ledger(settings, limits, policy, b.ticker, deliveryLog);

        log.info("auditline client for {} starting: {}", service, config.describe());
        this.spool = openSpool(config, b.clock);
        Replayer[] replayerRef = new Replayer[1];
        this.spiller = new Spiller(spool, ledger, limits, deliveryLog, () -> {
            if (replayerRef[0] != null) {
                replayerRef[0].recordSpooled();
            }
        });
        this.replayer = spool == null
                ? null
                : new Replayer(spool, sink, ledger, limits, retryPolicy, b.ticker, metrics, deliveryLog, spiller);
        replayerRef[0] = replayer;
        BatchSender sender = new BatchSender(
                sink,
                ledger,
                limits,
                retryPolicy,
                settings,
                b.sleeper,
                b.ticker,
                metrics,
                deliveryLog,
                spiller,
                replayer == null ? () -> {} : replayer::serverAnswered);

        AtomicInteger senderNumber = new AtomicInteger();
        int maxInFlight = settings.maxInFlight();
        this.senders = new ThreadPoolExecutor(
                maxInFlight,
                maxInFlight,
                60,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                runnable -> daemon(runnable, "auditline-sender-" + service + "-" + senderNumber.incrementAndGet()));
        this.senders.allowCoreThreadTimeOut(true);
        Batcher batcher = new Batcher(ledger, senders, sender, spiller, metrics, deliveryLog, b.ticker.nanoTime());
        if (log.isDebugEnabled()) {
            log.debug(
                    "batcher started: flush_interval={} batch_size={} max_batch_bytes={} max_in_flight={}; {}",
                    ConfigValues.formatDuration(settings.flushInterval()),
                    settings.batchSize(),
                    ConfigValues.formatSize(settings.maxBatchBytes()),
                    maxInFlight,
                    config.describe());
        }
        this.batcherThread = daemon(batcher::run, "auditline-batcher-" + service);
        this.replayerThread = replayer == null ? null : daemon(replayer::run, "auditline-replayer-" + service);
        this.spillerThread = settings.overflow() == AuditClientConfig.Overflow.SPILL
                ? daemon(spiller::runSpillQueue, "auditline-spiller-" + service)
                : null;
        this.shutdown = new StoreShutdown(
                service,
                ledger,
                spiller,
                replayer,
                spool,
                senders,
                new Thread[] {batcherThread, spillerThread, replayerThread},
                deliveryLog,
                this::stats);
        for (Thread t : new Thread[] {batcherThread, replayerThread, spillerThread}) {
            if (t != null) {
                t.start();
            }
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
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
        DropReason drop = ledger.admit(event, event.estimatedJsonBytes());
        if (drop == DropReason.CLOSED) {
            deliveryLog.storeAfterClose();
        }
        return drop == null;
    }

    /**
     * Waits until every event that was buffered or in flight at the time of the call is terminal,
     * and reports what became of exactly those events (see {@link FlushReport}). Buffered events
     * are cut into batches at once (trigger {@code explicit}), whatever their age.
     */
    @Override
    public FlushReport flush(Duration timeout) {
        return ledger.flush(timeout);
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
        return shutdown.close(timeout);
    }

    /** A consistent snapshot of every counter; cheap enough to poll. */
    public AuditClientStats stats() {
        LedgerSnapshot s = ledger.snapshot();
        AuditClientStats.SpoolSummary spoolSummary =
                replayer == null ? AuditClientStats.SpoolSummary.NONE : replayer.summary(s.spillingEvents());
        return new AuditClientStats(
                s.enqueued(),
                s.acked(),
                s.rejected(),
                s.spooled(),
                s.spooledPending(),
                s.dropped(),
                s.bufferedEvents(),
                s.bufferedBytes(),
                s.inFlightEvents(),
                s.inFlightBatches(),
                s.oldestEventAge(),
                metrics.flushCounts(),
                metrics.retries(),
                metrics.sendsByStatusClass(),
                metrics.latency(),
                spoolSummary);
    }

    /** Makes the batching thread and the replayer re-check their deadlines now; tests call it after moving their ticker. */
    void nudge() {
        ledger.wakeBatcher();
        if (replayer != null) {
            replayer.nudge();
        }
    }

    /** How many {@link #flush} calls are waiting; lets tests know a flush has taken its snapshot. */
    int pendingFlushes() {
        return ledger.pendingFlushes();
    }

    void addObserver(PipelineObserver observer) {
        metrics.addObserver(observer);
    }

    /** The wait after the {@code attempt}-th failed attempt; see {@link RetryPolicy#afterFailure}. */
    Duration backoff(int attempt, Duration retryAfter) {
        return retryPolicy.afterFailure(attempt, retryAfter);
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

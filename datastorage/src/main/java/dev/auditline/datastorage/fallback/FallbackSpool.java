package dev.auditline.datastorage.fallback;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.StorageUnavailableException;
import dev.auditline.spool.ReplayResult;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import dev.auditline.spool.SpoolFullException;
import dev.auditline.spool.SpoolStats;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server fallback spool (DESIGN §4): while the database is unavailable, the valid events of a
 * request are fsynced to a local {@link Spool} and answered {@code 202}, and one daemon thread,
 * {@code datastorage-fallback-replayer}, replays them into the database when it answers again.
 *
 * <p>Why it exists: without it a database outage turns every ingest into {@code 503}, and each
 * client has to hold the events itself. With it an outage costs the clients nothing, while ack
 * still means durable (DESIGN §1.4): {@link #store} returns only after the record is on disk.
 *
 * <p>The database counts as <em>down</em> from the first {@link StorageUnavailableException} that
 * is not {@linkplain StorageUnavailableException#busy() busy} (or a failed readiness probe) until
 * the replayer's {@link EventRepository#isReady()} poll succeeds.
 * While down, ingest goes to the spool without trying the database, so no request waits for the
 * pool's {@code connection_timeout}. Once up, new batches go to the database again while the
 * replayer drains what was spooled: the order of storing does not matter, queries order by {@code
 * event_timestamp}.
 *
 * <p>The replay goes through {@link EventRepository#insertBatch}, whose {@code ON CONFLICT DO
 * NOTHING} makes a record offered twice (a crash between commit and the spool's bookkeeping)
 * harmless. A record whose replay fails because the database is unavailable or busy, or because
 * of a fault of the server, stops the replay; it is retried after a backoff, never skipped. The
 * exceptions are records that retrying cannot help: one the database refuses (a value refused by a
 * constraint or trigger) and one that cannot be decoded at all. Each is copied whole to {@code
 * refused/} or {@code unreadable/} in the spool directory, counted, logged at ERROR and
 * acknowledged, so it cannot block every record behind it forever ({@link RecordDelivery}).
 *
 * <p>Misuse: the spool directory is locked by this instance; a second server on the same
 * directory fails at start-up. Records of a previous run are replayed after start-up like any
 * other.
 */
public final class FallbackSpool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackSpool.class);

    /** First wait after a failed probe or replay; doubled up to {@link #DEFAULT_MAX_BACKOFF}. */
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(200);

    /** Longest wait between two probes of a database that is down. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);

    private final Spool spool;
    private final EventRepository repository;
    private final ServerMetrics metrics;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Thread replayer;
    private final SetAside setAside;
    private final RecordDelivery delivery;

    /** Guards the fields below; the replayer waits on it. */
    private final Object stateLock = new Object();

    private boolean down; // guarded by stateLock
    private boolean stopping; // guarded by stateLock
    private boolean wakeUp; // guarded by stateLock: work arrived since the replayer last looked
    private volatile boolean full; // the last append was refused as full, and no replay freed space since
    private volatile boolean failed; // an append failed with IOException: the spool refuses appends until reopened

    private FallbackSpool(
            Spool spool,
            EventRepository repository,
            ServerMetrics metrics,
            Clock clock,
            Duration minBackoff,
            Duration maxBackoff) {
        this.spool = spool;
        this.repository = repository;
        this.metrics = metrics;
        this.setAside = new SetAside(spool.config().dir(), clock);
        this.delivery = new RecordDelivery(repository, metrics, setAside, this::storageFailed);
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.replayer = new Thread(this::replayLoop, "datastorage-fallback-replayer");
        this.replayer.setDaemon(true);
    }

    /**
     * Opens (recovering) the spool and starts the replayer, which at once replays what a previous
     * run left.
     *
     * @throws IOException when the directory cannot be opened or is in use by another spool
     */
    public static FallbackSpool start(
            SpoolConfig config, EventRepository repository, ServerMetrics metrics, Clock clock) throws IOException {
        return start(config, repository, metrics, clock, DEFAULT_MIN_BACKOFF, DEFAULT_MAX_BACKOFF);
    }

    /** As {@link #start(SpoolConfig, EventRepository, ServerMetrics, Clock)}, with the replayer's backoff bounds. */
    public static FallbackSpool start(
            SpoolConfig config,
            EventRepository repository,
            ServerMetrics metrics,
            Clock clock,
            Duration minBackoff,
            Duration maxBackoff)
            throws IOException {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(metrics, "metrics");
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException(
                    "backoff must satisfy 0 < min ≤ max (got " + minBackoff + ", " + maxBackoff + ")");
        }
        Spool spool = Spool.open(config, clock);
        FallbackSpool fallback = new FallbackSpool(spool, repository, metrics, clock, minBackoff, maxBackoff);
        metrics.bindFallbackSpool(config.maxBytes(), spool::stats, fallback::storageDown);
        SpoolStats stats = spool.stats();
        LOG.info(
                "Fallback spool {} open: max_bytes {}, {} records ({} bytes) left by a previous run to replay",
                config.dir(),
                config.maxBytes(),
                stats.pendingRecords(),
                stats.pendingBytes());
        fallback.replayer.start();
        return fallback;
    }

    /**
     * Fsyncs one request's valid events; returns only once they are durable, so the caller may
     * answer {@code 202}. Counts the events as spooled, or as refused.
     *
     * @param ingestedBy the authenticated client, kept for the replay; {@code null} when auth is off
     * @throws SpoolFullException when the record would take the spool over {@code max_bytes};
     *     nothing was written
     * @throws IOException when writing or syncing failed; the record may or may not be on disk (a
     *     replay of it is harmless), and the spool refuses appends from now on
     * @throws IllegalStateException after {@link #close()}
     */
    public void store(List<AuditEvent> events, String ingestedBy) throws SpoolFullException, IOException {
        byte[] record = new FallbackRecord(ingestedBy, events).encode();
        try {
            spool.append(record);
        } catch (SpoolFullException e) {
            full = true;
            metrics.fallbackRefused("spool_full", events.size());
            throw e;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IOException) {
                failed = true;
                LOG.error(
                        "Fallback spool {}: append failed; answering 503 until a restart",
                        spool.config().dir(),
                        e);
            }
            metrics.fallbackRefused("spool_error", events.size());
            throw e;
        }
        full = false;
        metrics.itemsSpooled(events.size());
        wake();
    }

    /** Whether ingest should go straight to the spool: the database was found down and not back yet. */
    public boolean storageDown() {
        synchronized (stateLock) {
            return down;
        }
    }

    /**
     * Records that the database failed a request (or a readiness probe): ingest goes to the spool
     * from now on, until the replayer finds the database ready again.
     */
    public void storageFailed(String reason) {
        synchronized (stateLock) {
            if (!down) {
                down = true;
                LOG.warn("Database unavailable ({}): ingest goes to the fallback spool until it answers again", reason);
            }
            wakeUp = true;
            stateLock.notifyAll();
        }
    }

    /** What {@code /readyz} reports. */
    public Status status() {
        SpoolStats stats = spool.stats();
        return new Status(
                storageDown(),
                !failed && !full,
                stats.pendingRecords(),
                stats.pendingBytes(),
                spool.config().maxBytes(),
                setAside.count(SetAside.Reason.UNREADABLE),
                setAside.count(SetAside.Reason.REFUSED));
    }

    /**
     * @param storageDown ingest goes to the spool
     * @param accepting the spool takes new records (not full, not failed)
     * @param pendingRecords spooled batches not yet replayed
     * @param unreadableRecords records set aside in {@code unreadable/} since start-up
     * @param refusedRecords records the database refused, set aside in {@code refused/} since start-up
     */
    public record Status(
            boolean storageDown,
            boolean accepting,
            long pendingRecords,
            long pendingBytes,
            long maxBytes,
            long unreadableRecords,
            long refusedRecords) {}

    /** Stops the replayer and seals the spool within {@code timeout}. Idempotent. */
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (stateLock) {
            if (stopping) {
                return;
            }
            stopping = true;
            stateLock.notifyAll();
        }
        try {
            // the replay stops before its next record; a record being inserted finishes first
            replayer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (replayer.isAlive()) {
            LOG.warn(
                    "Timed out waiting for the fallback replayer after {}; closing the spool anyway"
                            + " (an unfinished record is replayed after the next start)",
                    timeout);
        }
        try {
            spool.close();
        } catch (IOException e) {
            LOG.warn("Sealing the fallback spool failed; the next start recovers it", e);
        }
        SpoolStats stats = spool.stats();
        if (stats.pendingRecords() > 0) {
            LOG.info(
                    "Fallback spool closed with {} records ({} bytes) to replay after the next start",
                    stats.pendingRecords(),
                    stats.pendingBytes());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private void wake() {
        synchronized (stateLock) {
            wakeUp = true;
            stateLock.notifyAll();
        }
    }

    private void replayLoop() {
        Duration backoff = minBackoff;
        while (true) {
            synchronized (stateLock) {
                while (!stopping && !down && !wakeUp && spool.stats().pendingRecords() == 0) {
                    try {
                        stateLock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                wakeUp = false;
            }
            boolean done;
            try {
                done = replayOnce();
            } catch (RuntimeException e) {
                LOG.error("Fallback replay failed unexpectedly; retrying after {}", backoff, e);
                done = false;
            }
            if (done) {
                backoff = minBackoff;
            } else {
                if (!pause(backoff)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    /** One round: probe, seal, replay. @return {@code false} when it must be retried after a backoff */
    private boolean replayOnce() {
        if (!repository.isReady()) {
            storageFailed("readiness probe failed");
            return false;
        }
        boolean wasDown;
        synchronized (stateLock) {
            wasDown = down;
            down = false;
        }
        SpoolStats before = spool.stats();
        if (wasDown) {
            LOG.info(
                    "Database answers again: ingest goes to it; replaying {} spooled records ({} bytes)",
                    before.pendingRecords(),
                    before.pendingBytes());
        }
        if (before.pendingRecords() == 0) {
            return true;
        }
        long start = System.nanoTime();
        ReplayResult result;
        try {
            // the open segment holds the newest records; sealing makes them replayable now
            spool.seal();
            result = spool.replay(this::deliver);
        } catch (IllegalStateException e) {
            return true; // closed meanwhile: the loop sees stopping
        } catch (IOException e) {
            LOG.error("Fallback replay could not read or delete a segment; retrying", e);
            return false;
        }
        if (result.deletedSegments() > 0) {
            full = false;
        }
        SpoolStats after = spool.stats();
        LOG.info(
                "Fallback replay: {} records stored (or set aside, logged above) in {} ms, {} segments deleted,"
                        + " {} records left",
                result.deliveredRecords(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                result.deletedSegments(),
                after.pendingRecords());
        // appends racing the seal wait in the open segment: the next round seals and replays them;
        // a round that delivered nothing although records are pending backs off instead of spinning
        return result.drained() && (result.deliveredRecords() > 0 || after.pendingRecords() == 0);
    }

    /** The spool's record handler: {@code true} once the record is stored or set aside. */
    private boolean deliver(byte[] payload) {
        synchronized (stateLock) {
            if (stopping) {
                return false;
            }
        }
        return delivery.deliver(payload);
    }

    /** Waits {@code d} unless stopping. @return {@code false} when stopping */
    private boolean pause(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        synchronized (stateLock) {
            while (!stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(stateLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
    }
}

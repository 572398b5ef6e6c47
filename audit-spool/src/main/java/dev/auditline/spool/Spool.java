package dev.auditline.spool;

import dev.auditline.spool.internal.OwnerOnly;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, crash-safe, append-only queue of opaque records on local disk: where the client puts
 * batches it could not send, and where DataStorage puts batches it could not commit while
 * PostgreSQL is down. Both later {@link #replay replay} them through their normal idempotent path.
 *
 * <h2>Durability contract</h2>
 *
 * {@link #append} returns only after the record was written and {@code fsync}ed ({@link
 * FileChannel#force}); a record whose {@code append} returned survives a process or machine crash.
 * Concurrent appenders share one {@code fsync} (group commit): while one thread syncs, the others
 * write and then wait for the next sync, so throughput grows with concurrency. If {@code append}
 * throws {@link IOException}, the record may or may not be on disk; if it later appears in a
 * replay, idempotent delivery makes that harmless. After a failed {@code fsync} the spool refuses
 * every further append with {@link IOException} (the kernel may have dropped the dirty pages, so
 * later syncs would lie); reopen it to recover.
 *
 * <h2>Layout and recovery</h2>
 *
 * Records go to one open segment, {@code segment-<seq>.log.tmp}. When it reaches {@code
 * segment_bytes}, or is older than {@code segment_max_age} at the next {@code append} or {@code
 * replay}, or on {@link #seal()} or {@link #close()}, it is synced, renamed atomically to {@code
 * segment-<seq>.log} and the directory synced. Only renamed (sealed) segments are replayed. {@link
 * #open} scans every segment, cuts a torn or corrupt tail at the last good record, seals any {@code
 * .tmp} left by a crash, and reports what it did in {@link RecoveryReport}; damage never makes it
 * throw.
 *
 * <h2>Bounds</h2>
 *
 * The segment files never exceed {@code max_bytes} together: an append that would go over is
 * refused with {@link SpoolFullException} and counted. Nothing is ever evicted; space comes back
 * only when a replay deletes fully acknowledged segments.
 *
 * <h2>Replay</h2>
 *
 * {@link #replay} hands records to a {@link RecordHandler}, oldest first, and deletes a segment only
 * after the handler acknowledged every record in it. It stops at the first record not acknowledged;
 * the next replay starts again at that record (the position is kept in a small {@code .ack} file
 * next to the segment, so this holds across restarts). A crash during a replay may offer records
 * again that were already acknowledged: delivery must be idempotent (auditline dedups by {@code
 * event_id}).
 *
 * <h2>Threads and misuse</h2>
 *
 * Any number of threads may {@code append} while one thread replays; concurrent {@code replay}
 * calls run one after the other. One directory holds one spool: {@code open} takes an exclusive
 * file lock and fails if another process (or another {@code Spool} in this JVM) holds it. The
 * spool has no thread of its own. Not closing it leaves the open segment as {@code .tmp}; that is
 * safe (the next open seals it) but its records wait until then.
 */
public final class Spool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String LOCK_FILE = ".lock";

    private final SpoolConfig config;
    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private final SpoolState state;
    private final SegmentWriter writer;
    private final SpoolReplayer replayer;

    private Spool(SpoolConfig config, Clock clock, FileChannel lockChannel, FileLock dirLock) throws IOException {
        this.config = config;
        this.dir = config.dir();
        this.lockChannel = lockChannel;
        this.dirLock = dirLock;
        SpoolRecovery.Recovered recovered = SpoolRecovery.recover(dir, config.maxRecordBytes());
        this.state = new SpoolState(recovered);
        this.writer = new SegmentWriter(config, clock, state, recovered.nextSequence());
        this.replayer = new SpoolReplayer(config, state, writer);
    }

    /** Opens (creating if needed) the spool in {@code config.dir()} with the system clock. */
    public static Spool open(SpoolConfig config) throws IOException {
        return open(config, Clock.systemUTC());
    }

    /**
     * Opens the spool, recovering whatever a previous run left: torn tails are cut, open segments
     * sealed, and the result logged and kept in {@link SpoolStats#recovery()}.
     *
     * @param clock measures segment age ({@code segment_max_age}); tests inject a fixed one
     * @throws IOException when the directory cannot be created or read, or is locked by another spool
     * @throws dev.auditline.spool.internal.InsecureDirectoryException when its group or other users
     *     may write to the directory
     */
    public static Spool open(SpoolConfig config, Clock clock) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        OwnerOnly.createDirectories(config.dir());
        // whoever may write here may replace or remove spooled audit events
        OwnerOnly.checkNotWritableByOthers(config.dir(), "spool directory");
        Path lockFile = config.dir().resolve(LOCK_FILE);
        FileChannel lockChannel = FileChannel.open(
                lockFile,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                OwnerOnly.fileAttributes(lockFile));
        try {
            FileLock dirLock;
            try {
                dirLock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                dirLock = null;
            }
            if (dirLock == null) {
                throw new IOException("spool directory " + config.dir() + " is in use by another spool");
            }
            Spool spool = new Spool(config, clock, lockChannel, dirLock);
            LOG.debug(
                    "spool opened: dir={}, max_bytes={}, segment_bytes={}, segment_max_age={}, {}",
                    config.dir(),
                    config.maxBytes(),
                    config.segmentBytes(),
                    config.segmentMaxAge(),
                    spool.state.recovery);
            return spool;
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
    }

    /**
     * Appends one record and returns once it is durable (written and fsynced).
     *
     * @param payload the record, 1 byte or more; the spool keeps no reference to it
     * @throws SpoolFullException when the record would take the spool over {@code max_bytes};
     *     nothing was written
     * @throws IOException when writing or syncing failed; the record may or may not be on disk
     * @throws IllegalStateException after {@link #close()}
     */
    public void append(byte[] payload) throws SpoolFullException, IOException {
        Objects.requireNonNull(payload, "payload");
        if (payload.length == 0) {
            throw new IllegalArgumentException("payload must not be empty (got 0 bytes)");
        }
        if (payload.length > SegmentFormat.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(
                    "payload must be ≤ " + SegmentFormat.MAX_PAYLOAD_BYTES + " bytes (got " + payload.length + ")");
        }
        writer.append(SegmentFormat.frame(payload)); // the CRC is computed outside the lock
    }

    /**
     * Seals the open segment now (sync, atomic rename, directory sync), so its records become
     * replayable without waiting for {@code segment_bytes} or {@code segment_max_age}. Does nothing
     * when the open segment is empty.
     */
    public void seal() throws IOException {
        writer.seal();
    }

    /**
     * Offers every record of the sealed segments to {@code handler}, oldest first, deleting each
     * segment once all its records were acknowledged. Stops at the first record not acknowledged
     * (it is offered again by the next call). Seals the open segment first when it is older than
     * {@code segment_max_age}. Appends continue meanwhile; their records are offered by this call
     * only if their segment gets sealed before the replay reaches the end.
     *
     * @throws IOException when a segment cannot be read or deleted; progress so far is kept
     * @throws IllegalStateException after {@link #close()}
     */
    public ReplayResult replay(RecordHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (state.isClosed()) {
            throw new IllegalStateException("spool " + dir + " is closed");
        }
        return replayer.replay(handler);
    }

    /** A consistent snapshot of the counters. */
    public SpoolStats stats() {
        state.lock.lock();
        try {
            return state.stats(writer.openSegments());
        } finally {
            state.lock.unlock();
        }
    }

    /** File syncs of the open segment so far; fewer than appends when group commit works. */
    long syncCount() {
        return writer.syncCount();
    }

    public SpoolConfig config() {
        return config;
    }

    /**
     * Seals the open segment and releases the directory lock. Idempotent. Appends and replays after
     * this throw {@link IllegalStateException}; a replay in progress stops after its current record.
     *
     * @throws IOException when sealing failed; the {@code .tmp} file is then sealed by the next open
     */
    @Override
    public void close() throws IOException {
        state.lock.lock();
        try {
            if (!state.markClosed()) {
                return;
            }
            try {
                writer.close();
            } finally {
                try {
                    dirLock.release();
                } finally {
                    lockChannel.close();
                }
            }
        } finally {
            state.lock.unlock();
        }
    }
}

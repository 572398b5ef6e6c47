package dev.auditline.spool;

import dev.auditline.spool.internal.OwnerOnly;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
    private static final Duration FULL_WARN_INTERVAL = Duration.ofMinutes(1);

    private final SpoolConfig config;
    private final Clock clock;
    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private final RecoveryReport recovery;

    /** Guards everything below; the fsync itself runs outside it (see {@link #awaitDurable}). */
    private final ReentrantLock lock = new ReentrantLock();

    private final Condition syncDone = lock.newCondition();
    private final ArrayDeque<SealedSegment> sealed;
    private OpenSegment open;
    private long nextSequence;
    private long diskBytes;
    private long pendingRecords;
    private long writtenCount;
    private long durableCount;
    private boolean syncing;
    private IOException failure;
    private boolean closed;
    private long appended;
    private long refused;
    private long replayed;
    private long deletedSegments;
    private long syncs;
    private long corruptRecords;
    private long refusedSinceWarn;
    private long lastFullWarnMillis = Long.MIN_VALUE;

    /** One replay at a time; never held together with {@link #lock} while calling the handler. */
    private final ReentrantLock replayLock = new ReentrantLock();

    private Spool(SpoolConfig config, Clock clock, FileChannel lockChannel, FileLock dirLock) throws IOException {
        this.config = config;
        this.clock = clock;
        this.dir = config.dir();
        this.lockChannel = lockChannel;
        this.dirLock = dirLock;
        SpoolRecovery.Recovered recovered = SpoolRecovery.recover(dir, config.maxRecordBytes());
        this.sealed = recovered.sealed();
        this.nextSequence = recovered.nextSequence();
        this.diskBytes = recovered.diskBytes();
        this.pendingRecords = recovered.pendingRecords();
        this.recovery = recovered.report();
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
                    spool.recovery);
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
        byte[] frame = SegmentFormat.frame(payload); // the CRC is computed outside the lock
        long recordBytes = frame.length;
        lock.lock();
        try {
            checkUsable();
            while (open != null && open.records > 0 && mustSeal(open, recordBytes)) {
                if (syncing) {
                    syncDone.awaitUninterruptibly(); // one fsync at most; then look again
                    checkUsable();
                    continue;
                }
                sealOpenSegment();
            }
            long needed = recordBytes + (open == null ? SegmentFormat.HEADER_BYTES : 0);
            if (diskBytes + needed > config.maxBytes()) {
                refused++;
                refusedSinceWarn++;
                warnFull();
                throw new SpoolFullException(config.maxBytes(), diskBytes, needed);
            }
            if (open == null) {
                open = createSegment();
            }
            write(open, frame);
            appended++;
            pendingRecords++;
            awaitDurable(++writtenCount);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Seals the open segment now (sync, atomic rename, directory sync), so its records become
     * replayable without waiting for {@code segment_bytes} or {@code segment_max_age}. Does nothing
     * when the open segment is empty.
     */
    public void seal() throws IOException {
        lock.lock();
        try {
            checkUsable();
            sealWhenIdle();
        } finally {
            lock.unlock();
        }
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
        if (isClosed()) {
            throw new IllegalStateException("spool " + dir + " is closed");
        }
        replayLock.lock();
        try {
            long delivered = 0;
            int deleted = 0;
            while (true) {
                SealedSegment segment;
                lock.lock();
                try {
                    if (closed) {
                        return new ReplayResult(delivered, deleted, false);
                    }
                    checkUsable();
                    if (sealed.isEmpty() && open != null && open.records > 0 && aged(open)) {
                        sealWhenIdle();
                    }
                    segment = sealed.peekFirst();
                } finally {
                    lock.unlock();
                }
                if (segment == null) {
                    return new ReplayResult(delivered, deleted, true);
                }
                SegmentProgress progress = replaySegment(segment, handler);
                delivered += progress.delivered;
                switch (progress.end) {
                    case STOPPED -> {
                        return new ReplayResult(delivered, deleted, false);
                    }
                    case COMPLETE -> {
                        deleteSegment(segment);
                        deleted++;
                    }
                    case SET_ASIDE -> {
                        // no longer pending; go on with the next segment
                    }
                }
            }
        } finally {
            replayLock.unlock();
        }
    }

    /** A consistent snapshot of the counters. */
    public SpoolStats stats() {
        lock.lock();
        try {
            int segments = sealed.size() + (open != null ? 1 : 0);
            return new SpoolStats(
                    diskBytes,
                    pendingRecords,
                    segments,
                    appended,
                    refused,
                    replayed,
                    deletedSegments,
                    corruptRecords,
                    recovery);
        } finally {
            lock.unlock();
        }
    }

    /** File syncs of the open segment so far; fewer than appends when group commit works. */
    long syncCount() {
        lock.lock();
        try {
            return syncs;
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (failure == null) {
                    sealWhenIdle();
                } else if (open != null) {
                    SpoolFiles.closeQuietly(open.file);
                    open = null;
                }
            } finally {
                try {
                    dirLock.release();
                } finally {
                    lockChannel.close();
                }
            }
            if (refusedSinceWarn > 0) {
                LOG.warn("spool {} refused {} more records as full before close", dir, refusedSinceWarn);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- writing (all under lock) ----

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IllegalStateException("spool " + dir + " is closed");
        }
        if (failure != null) {
            throw new IOException("spool " + dir + " failed to sync earlier and refuses writes; reopen it", failure);
        }
    }

    private boolean mustSeal(OpenSegment segment, long recordBytes) {
        return segment.bytes + recordBytes > config.segmentBytes() || aged(segment);
    }

    private boolean aged(OpenSegment segment) {
        return clock.millis() - segment.createdMillis >= config.segmentMaxAge().toMillis();
    }

    /**
     * The open segment is written through {@link RandomAccessFile}, not {@link FileChannel}: an
     * interrupt during a channel operation closes the channel for every thread, which would fail all
     * concurrent appenders because one of them was interrupted.
     */
    private OpenSegment createSegment() throws IOException {
        long sequence = nextSequence++;
        Path path = SegmentFormat.openPath(dir, sequence);
        OwnerOnly.createFile(path);
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
        try {
            file.write(SegmentFormat.header(sequence));
            SpoolFiles.syncDirectory(dir); // the new name must survive a crash, not only the bytes in it
        } catch (IOException e) {
            SpoolFiles.closeQuietly(file);
            Files.deleteIfExists(path);
            throw e;
        }
        diskBytes += SegmentFormat.HEADER_BYTES;
        return new OpenSegment(sequence, path, file, clock.millis());
    }

    private void write(OpenSegment segment, byte[] frame) throws IOException {
        long before = segment.bytes;
        try {
            segment.file.write(frame);
        } catch (IOException e) {
            // cut a partial record so the next append does not land behind garbage
            try {
                segment.file.setLength(before);
                segment.file.seek(before);
            } catch (IOException cut) {
                e.addSuppressed(cut);
                failure = e;
            }
            throw e;
        }
        segment.bytes += frame.length;
        segment.records++;
        diskBytes += frame.length;
    }

    /**
     * Group commit: the first waiter becomes the syncing thread, releases the lock, forces the file
     * and publishes how many records that covered; the others wait for it (one fsync at most) and
     * either find themselves covered or take the next turn.
     */
    private void awaitDurable(long count) throws IOException {
        while (durableCount < count) {
            if (failure != null) {
                throw new IOException("spool " + dir + " failed to sync", failure);
            }
            if (syncing) {
                syncDone.awaitUninterruptibly();
                continue;
            }
            // every record not in the open segment is in a sealed one, which was synced when sealed
            syncing = true;
            long covered = writtenCount;
            FileDescriptor fd = open.file.getFD();
            IOException error = null;
            lock.unlock();
            try {
                fd.sync();
            } catch (IOException e) {
                error = e;
            } finally {
                lock.lock();
                syncing = false;
                syncDone.signalAll();
            }
            if (error != null) {
                failure = error;
                LOG.error("spool {}: fsync failed; refusing further appends until reopened", dir, error);
                throw error;
            }
            durableCount = Math.max(durableCount, covered);
            syncs++;
        }
    }

    /** Seals the open segment once no fsync runs on it (sealing closes its channel). */
    private void sealWhenIdle() throws IOException {
        while (syncing) {
            syncDone.awaitUninterruptibly();
        }
        if (open != null) {
            sealOpenSegment();
        }
    }

    private void sealOpenSegment() throws IOException {
        OpenSegment segment = open;
        open = null;
        if (segment.records == 0) {
            SpoolFiles.closeQuietly(segment.file);
            Files.deleteIfExists(segment.path);
            diskBytes -= segment.bytes;
            return;
        }
        Path target = SegmentFormat.sealedPath(dir, segment.sequence);
        try {
            segment.file.getFD().sync();
            segment.file.close();
            Files.move(segment.path, target, StandardCopyOption.ATOMIC_MOVE);
            SpoolFiles.syncDirectory(dir);
        } catch (IOException e) {
            SpoolFiles.closeQuietly(segment.file);
            failure = e;
            LOG.error("spool {}: sealing {} failed; refusing further appends until reopened", dir, segment.path, e);
            throw e;
        }
        durableCount = writtenCount;
        sealed.addLast(new SealedSegment(
                segment.sequence, target, segment.bytes, segment.records, SegmentFormat.HEADER_BYTES, 0));
        LOG.debug(
                "spool {}: sealed {} ({} records, {} bytes)",
                dir,
                target.getFileName(),
                segment.records,
                segment.bytes);
    }

    private void warnFull() {
        long now = clock.millis();
        if (lastFullWarnMillis == Long.MIN_VALUE || now - lastFullWarnMillis >= FULL_WARN_INTERVAL.toMillis()) {
            LOG.warn(
                    "spool {} is full: refused {} records (max_bytes {}, used {}); they are dropped as spool_full",
                    dir,
                    refusedSinceWarn,
                    config.maxBytes(),
                    diskBytes);
            lastFullWarnMillis = now;
            refusedSinceWarn = 0;
        }
    }

    // ---- replay ----

    private enum SegmentEnd {
        /** Every record acknowledged: delete the segment. */
        COMPLETE,
        /** A record was not acknowledged, or the spool closed: keep it and stop. */
        STOPPED,
        /** Unreadable on disk: renamed to {@code *.corrupt}, no longer pending. */
        SET_ASIDE
    }

    private record SegmentProgress(long delivered, SegmentEnd end) {}

    private SegmentProgress replaySegment(SealedSegment segment, RecordHandler handler) throws IOException {
        long delivered = 0;
        long startOffset;
        lock.lock();
        try {
            startOffset = segment.ackedOffset;
        } finally {
            lock.unlock();
        }
        try (SegmentReader reader = SegmentReader.open(segment.path, config.maxRecordBytes())) {
            while (reader.position() < startOffset && reader.skip()) {
                // skipping records acknowledged before
            }
            if (reader.position() != startOffset) {
                return setAsideUnreadable(segment, reader, delivered);
            }
            while (true) {
                if (isClosed()) {
                    saveProgress(segment);
                    return new SegmentProgress(delivered, SegmentEnd.STOPPED);
                }
                if (!reader.next()) {
                    if (reader.problem() != null) {
                        return setAsideUnreadable(segment, reader, delivered);
                    }
                    return new SegmentProgress(delivered, SegmentEnd.COMPLETE);
                }
                boolean acked;
                try {
                    acked = handler.deliver(reader.payload());
                } catch (RuntimeException e) {
                    saveProgress(segment);
                    throw e;
                }
                if (!acked) {
                    saveProgress(segment);
                    return new SegmentProgress(delivered, SegmentEnd.STOPPED);
                }
                delivered++;
                lock.lock();
                try {
                    segment.ackedOffset = reader.position();
                    segment.ackedRecords++;
                    pendingRecords--;
                    replayed++;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /**
     * A sealed segment that was good when opened went bad on disk. Its acknowledged prefix is done;
     * the rest cannot be read, so it is renamed for inspection rather than retried forever.
     */
    private SegmentProgress setAsideUnreadable(SealedSegment segment, SegmentReader reader, long delivered)
            throws IOException {
        Path aside = segment.path.resolveSibling(segment.path.getFileName() + SegmentFormat.CORRUPT_SUFFIX);
        LOG.error(
                "spool {}: {} became unreadable after offset {} ({}); renamed to {}",
                dir,
                segment.path.getFileName(),
                reader.position(),
                reader.problem(),
                aside.getFileName());
        Files.move(segment.path, aside, StandardCopyOption.ATOMIC_MOVE);
        lock.lock();
        try {
            sealed.remove(segment);
            diskBytes -= segment.bytes;
            pendingRecords -= segment.records - segment.ackedRecords;
            corruptRecords += segment.records - segment.ackedRecords;
        } finally {
            lock.unlock();
        }
        Files.deleteIfExists(SegmentFormat.ackPath(dir, segment.sequence));
        return new SegmentProgress(delivered, SegmentEnd.SET_ASIDE);
    }

    private void deleteSegment(SealedSegment segment) throws IOException {
        Files.deleteIfExists(segment.path);
        Files.deleteIfExists(SegmentFormat.ackPath(dir, segment.sequence));
        lock.lock();
        try {
            sealed.remove(segment);
            diskBytes -= segment.bytes;
            deletedSegments++;
        } finally {
            lock.unlock();
        }
        LOG.debug(
                "spool {}: deleted {} after {} records were acknowledged",
                dir,
                segment.path.getFileName(),
                segment.records);
    }

    /**
     * Remembers how far a partly acknowledged segment got, so that a restart resends less. Synced,
     * because a lost or stale file only costs resending but a wrong one must never skip records;
     * recovery also checks that the offset falls on a record boundary.
     */
    private void saveProgress(SealedSegment segment) throws IOException {
        long offset;
        lock.lock();
        try {
            offset = segment.ackedOffset;
        } finally {
            lock.unlock();
        }
        if (offset <= SegmentFormat.HEADER_BYTES) {
            return;
        }
        SpoolFiles.writeAckOffset(dir, segment.sequence, offset);
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}

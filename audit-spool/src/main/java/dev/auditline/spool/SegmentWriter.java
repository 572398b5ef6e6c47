package dev.auditline.spool;

import dev.auditline.spool.internal.OwnerOnly;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writing side of a {@link Spool}: the open segment, appends with group commit, sealing, and
 * the refusal of appends that would go over {@code max_bytes}. Every method runs with the state's
 * lock held (taken here when the caller does not hold it); only the fsync runs outside it.
 *
 * <p>After a failed fsync or seal the writer refuses every further append with {@link IOException}:
 * the kernel may have dropped the dirty pages, so a later sync could report success for data that
 * is gone. Reopening the spool re-reads and re-checks what is on disk.
 */
final class SegmentWriter {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final Duration FULL_WARN_INTERVAL = Duration.ofMinutes(1);

    private final SpoolConfig config;
    private final Clock clock;
    private final Path dir;
    private final SpoolState state;
    private final Condition syncDone;

    // guarded by state.lock
    private OpenSegment open;
    private long nextSequence;
    private long writtenCount;
    private long durableCount;
    private boolean syncing;
    private IOException failure;
    private long syncs;
    private long refusedSinceWarn;
    private long lastFullWarnMillis = Long.MIN_VALUE;

    SegmentWriter(SpoolConfig config, Clock clock, SpoolState state, long nextSequence) {
        this.config = config;
        this.clock = clock;
        this.dir = config.dir();
        this.state = state;
        this.syncDone = state.lock.newCondition();
        this.nextSequence = nextSequence;
    }

    /**
     * Writes one framed record and returns once it is durable.
     *
     * @throws SpoolFullException when it would take the spool over {@code max_bytes}; nothing written
     */
    void append(byte[] frame) throws SpoolFullException, IOException {
        long recordBytes = frame.length;
        state.lock.lock();
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
            if (state.diskBytes() + needed > config.maxBytes()) {
                state.recordRefused();
                refusedSinceWarn++;
                warnFull();
                throw new SpoolFullException(config.maxBytes(), state.diskBytes(), needed);
            }
            if (open == null) {
                open = createSegment();
            }
            write(open, frame);
            awaitDurable(++writtenCount);
        } finally {
            state.lock.unlock();
        }
    }

    /** Seals the open segment now when it holds records; see {@link Spool#seal()}. */
    void seal() throws IOException {
        state.lock.lock();
        try {
            checkUsable();
            sealWhenIdle();
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * For a replay that found nothing sealed: seals the open segment when it holds records and is
     * older than {@code segment_max_age}. Called with the lock held.
     */
    void sealIfAged() throws IOException {
        if (open != null && open.records > 0 && aged(open)) {
            sealWhenIdle();
        }
    }

    /** 1 while a segment is open, else 0; called with the lock held. */
    int openSegments() {
        return open != null ? 1 : 0;
    }

    long syncCount() {
        state.lock.lock();
        try {
            return syncs;
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * At close (lock held, spool already marked closed): seals the open segment, or just closes it
     * after a failure (the next open checks and seals what is on disk).
     */
    void close() throws IOException {
        if (failure == null) {
            sealWhenIdle();
        } else if (open != null) {
            SpoolFiles.closeQuietly(open.file);
            open = null;
        }
        if (refusedSinceWarn > 0) {
            LOG.warn("spool {} refused {} more records as full before close", dir, refusedSinceWarn);
        }
    }

    /** Throws when the spool is closed or failed earlier; called with the lock held. */
    void checkUsable() throws IOException {
        if (state.closedLocked()) {
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
        state.segmentCreated(SegmentFormat.HEADER_BYTES);
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
        state.recordWritten(frame.length);
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
            state.lock.unlock();
            try {
                fd.sync();
            } catch (IOException e) {
                error = e;
            } finally {
                state.lock.lock();
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

    /** Seals the open segment once no fsync runs on it (sealing closes its file). */
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
            state.emptySegmentDeleted(segment.bytes);
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
        state.segmentSealed(new SealedSegment(
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
                    state.diskBytes());
            lastFullWarnMillis = now;
            refusedSinceWarn = 0;
        }
    }
}

package dev.auditline.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replaying side of a {@link Spool}: offers sealed segments' records to a {@link RecordHandler},
 * oldest first, remembers how far each segment got, deletes fully acknowledged segments and sets
 * aside segments that went bad on disk. The handler is called without the state's lock, so a slow
 * handler never blocks appenders; replays run one at a time.
 */
final class SpoolReplayer {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    private final Path dir;
    private final long maxRecordBytes;
    private final SpoolState state;
    private final SegmentWriter writer;

    /** One replay at a time; never held together with the state's lock while calling the handler. */
    private final ReentrantLock replayLock = new ReentrantLock();

    SpoolReplayer(SpoolConfig config, SpoolState state, SegmentWriter writer) {
        this.dir = config.dir();
        this.maxRecordBytes = config.maxRecordBytes();
        this.state = state;
        this.writer = writer;
    }

    /** See {@link Spool#replay(RecordHandler)}. */
    ReplayResult replay(RecordHandler handler) throws IOException {
        replayLock.lock();
        try {
            long delivered = 0;
            int deleted = 0;
            while (true) {
                SealedSegment segment;
                state.lock.lock();
                try {
                    if (state.closedLocked()) {
                        return new ReplayResult(delivered, deleted, false);
                    }
                    writer.checkUsable();
                    if (!state.hasSealed()) {
                        writer.sealIfAged();
                    }
                    segment = state.oldestSealed();
                } finally {
                    state.lock.unlock();
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
        state.lock.lock();
        try {
            startOffset = segment.ackedOffset;
        } finally {
            state.lock.unlock();
        }
        try (SegmentReader reader = SegmentReader.open(segment.path, maxRecordBytes)) {
            while (reader.position() < startOffset && reader.skip()) {
                // skipping records acknowledged before
            }
            if (reader.position() != startOffset) {
                return setAsideUnreadable(segment, reader, delivered);
            }
            while (true) {
                if (state.isClosed()) {
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
                state.lock.lock();
                try {
                    state.recordAcknowledged(segment, reader.position());
                } finally {
                    state.lock.unlock();
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
        state.lock.lock();
        try {
            state.segmentSetAside(segment);
        } finally {
            state.lock.unlock();
        }
        Files.deleteIfExists(SegmentFormat.ackPath(dir, segment.sequence));
        return new SegmentProgress(delivered, SegmentEnd.SET_ASIDE);
    }

    private void deleteSegment(SealedSegment segment) throws IOException {
        Files.deleteIfExists(segment.path);
        Files.deleteIfExists(SegmentFormat.ackPath(dir, segment.sequence));
        state.lock.lock();
        try {
            state.segmentDeleted(segment);
        } finally {
            state.lock.unlock();
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
        state.lock.lock();
        try {
            offset = segment.ackedOffset;
        } finally {
            state.lock.unlock();
        }
        if (offset <= SegmentFormat.HEADER_BYTES) {
            return;
        }
        SpoolFiles.writeAckOffset(dir, segment.sequence, offset);
    }
}

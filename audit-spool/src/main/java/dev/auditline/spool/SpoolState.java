package dev.auditline.spool;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The accounting of one {@link Spool}: which sealed segments wait for replay, how many bytes the
 * segment files take (the value {@code max_bytes} bounds), how many records are pending, and the
 * counters of {@link SpoolStats}. The {@link SegmentWriter} and the {@link SpoolReplayer} change it
 * only through the verbs below, each called with {@link #lock} held, so every change of bytes and
 * records happens in one place.
 */
final class SpoolState {
    /** Guards everything in this class and the writer's fields; the fsync runs outside it. */
    final ReentrantLock lock = new ReentrantLock();

    final RecoveryReport recovery;
    private final ArrayDeque<SealedSegment> sealed;
    private long diskBytes;
    private long pendingRecords;
    private boolean closed;
    private long appended;
    private long refused;
    private long replayed;
    private long deletedSegments;
    private long corruptRecords;

    SpoolState(SpoolRecovery.Recovered recovered) {
        this.sealed = recovered.sealed();
        this.diskBytes = recovered.diskBytes();
        this.pendingRecords = recovered.pendingRecords();
        this.recovery = recovered.report();
    }

    long diskBytes() {
        return diskBytes;
    }

    boolean closedLocked() {
        return closed;
    }

    /** Marks the spool closed; {@code false} when it already was. */
    boolean markClosed() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }

    /** Reads {@link #closedLocked()} under the lock, for callers that do not hold it. */
    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    SealedSegment oldestSealed() {
        return sealed.peekFirst();
    }

    boolean hasSealed() {
        return !sealed.isEmpty();
    }

    int sealedCount() {
        return sealed.size();
    }

    void segmentCreated(long headerBytes) {
        diskBytes += headerBytes;
    }

    void recordWritten(long frameBytes) {
        diskBytes += frameBytes;
        appended++;
        pendingRecords++;
    }

    /** An append refused because it would take the spool over {@code max_bytes}. */
    void recordRefused() {
        refused++;
    }

    void emptySegmentDeleted(long bytes) {
        diskBytes -= bytes;
    }

    void segmentSealed(SealedSegment segment) {
        sealed.addLast(segment);
    }

    void recordAcknowledged(SealedSegment segment, long offset) {
        segment.ackedOffset = offset;
        segment.ackedRecords++;
        pendingRecords--;
        replayed++;
    }

    void segmentDeleted(SealedSegment segment) {
        sealed.remove(segment);
        diskBytes -= segment.bytes;
        deletedSegments++;
    }

    /** A segment that became unreadable: its unacknowledged records are lost and counted. */
    void segmentSetAside(SealedSegment segment) {
        sealed.remove(segment);
        diskBytes -= segment.bytes;
        long lost = segment.records - segment.ackedRecords;
        pendingRecords -= lost;
        corruptRecords += lost;
    }

    SpoolStats stats(int openSegments) {
        lock.lock();
        try {
            return new SpoolStats(
                    diskBytes,
                    pendingRecords,
                    sealed.size() + openSegments,
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
}

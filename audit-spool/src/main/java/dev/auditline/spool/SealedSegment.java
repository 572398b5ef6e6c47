package dev.auditline.spool;

import java.nio.file.Path;

/** A sealed, replayable segment; the replay fields are guarded by the spool's lock. */
final class SealedSegment {
    final long sequence;
    final Path path;
    final long bytes;
    final long records;
    long ackedOffset;
    long ackedRecords;

    SealedSegment(long sequence, Path path, long bytes, long records, long ackedOffset, long ackedRecords) {
        this.sequence = sequence;
        this.path = path;
        this.bytes = bytes;
        this.records = records;
        this.ackedOffset = ackedOffset;
        this.ackedRecords = ackedRecords;
    }
}

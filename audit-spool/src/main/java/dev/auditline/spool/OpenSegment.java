package dev.auditline.spool;

import java.io.RandomAccessFile;
import java.nio.file.Path;

/** The segment appends go to ({@code .tmp}); guarded by the spool's lock. */
final class OpenSegment {
    final long sequence;
    final Path path;
    final RandomAccessFile file;
    final long createdMillis;
    long bytes = SegmentFormat.HEADER_BYTES;
    long records;

    OpenSegment(long sequence, Path path, RandomAccessFile file, long createdMillis) {
        this.sequence = sequence;
        this.path = path;
        this.file = file;
        this.createdMillis = createdMillis;
    }
}

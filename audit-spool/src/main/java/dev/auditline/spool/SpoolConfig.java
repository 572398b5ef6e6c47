package dev.auditline.spool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link Spool}: where it lives and how large it and its segments may grow.
 *
 * <p>Every rule is checked when the record is created; a bad value throws and is never clamped.
 *
 * @param dir directory holding the segment files; created when missing. One spool per directory:
 *     {@link Spool#open} locks it.
 * @param maxBytes bound on the bytes of all segment files together (headers included); an append that
 *     would exceed it is refused with {@link SpoolFullException}
 * @param segmentBytes size at which the open segment is sealed; a single record larger than this gets a
 *     segment of its own
 * @param segmentMaxAge age (since its first record) at which the open segment is sealed by the next
 *     {@link Spool#append} or {@link Spool#replay}, so that a quiet spool still becomes replayable
 */
public record SpoolConfig(Path dir, long maxBytes, long segmentBytes, Duration segmentMaxAge) {
    /** Default {@code max_bytes}: {@value} (1 GiB). */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    /** Default {@code segment_bytes}: {@value} (16 MiB). */
    public static final long DEFAULT_SEGMENT_BYTES = 16L << 20;

    /** Default {@code segment_max_age}: 5 seconds. */
    public static final Duration DEFAULT_SEGMENT_MAX_AGE = Duration.ofSeconds(5);

    public SpoolConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(segmentMaxAge, "segment_max_age");
        if (segmentBytes < SegmentFormat.HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES + 1) {
            throw new IllegalArgumentException("segment_bytes must be ≥ "
                    + (SegmentFormat.HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES + 1) + " (got " + segmentBytes
                    + ")");
        }
        if (maxBytes < segmentBytes) {
            throw new IllegalArgumentException(
                    "max_bytes must be ≥ segment_bytes (got " + maxBytes + " < " + segmentBytes + ")");
        }
        if (segmentMaxAge.isNegative() || segmentMaxAge.isZero()) {
            throw new IllegalArgumentException("segment_max_age must be > 0 (got " + segmentMaxAge + ")");
        }
    }

    /**
     * The largest payload this spool can ever hold: a record alone in its own segment within {@code
     * max_bytes}. An append of more is refused; a length field on disk saying more is damage, not a
     * record, and is cut by recovery before anything is allocated for it.
     */
    public long maxRecordBytes() {
        return Math.min(
                SegmentFormat.MAX_PAYLOAD_BYTES,
                maxBytes - SegmentFormat.HEADER_BYTES - SegmentFormat.RECORD_HEADER_BYTES);
    }

    /** The defaults for {@code dir}: {@link #DEFAULT_MAX_BYTES}, {@link #DEFAULT_SEGMENT_BYTES}, 5 s. */
    public static SpoolConfig of(Path dir) {
        return new SpoolConfig(dir, DEFAULT_MAX_BYTES, DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_MAX_AGE);
    }

    public SpoolConfig withMaxBytes(long maxBytes) {
        return new SpoolConfig(dir, maxBytes, segmentBytes, segmentMaxAge);
    }

    public SpoolConfig withSegmentBytes(long segmentBytes) {
        return new SpoolConfig(dir, maxBytes, segmentBytes, segmentMaxAge);
    }

    public SpoolConfig withSegmentMaxAge(Duration segmentMaxAge) {
        return new SpoolConfig(dir, maxBytes, segmentBytes, segmentMaxAge);
    }
}

package dev.auditline.spool;

/**
 * A consistent snapshot of a {@link Spool}'s counters, taken under its lock.
 *
 * @param pendingBytes bytes of all segment files (the value bounded by {@code max_bytes})
 * @param pendingRecords records on disk not yet acknowledged by a replay
 * @param pendingSegments segment files on disk, the open one included
 * @param appendedRecords records appended since open
 * @param refusedRecords appends refused because the spool was full ({@code spool_full}) since open
 * @param replayedRecords records acknowledged by replay handlers since open
 * @param deletedSegments segments deleted after every record in them was acknowledged, since open
 * @param corruptRecords records lost since open because their sealed segment became unreadable on
 *     disk (bit rot, outside interference); the segment was renamed to {@code *.corrupt} and logged
 * @param recovery what opening the spool found and repaired
 */
public record SpoolStats(
        long pendingBytes,
        long pendingRecords,
        int pendingSegments,
        long appendedRecords,
        long refusedRecords,
        long replayedRecords,
        long deletedSegments,
        long corruptRecords,
        RecoveryReport recovery) {}

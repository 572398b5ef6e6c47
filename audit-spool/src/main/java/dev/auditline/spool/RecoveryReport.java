package dev.auditline.spool;

/**
 * What {@link Spool#open} found on disk. Damage is repaired, never fatal: a torn or corrupt tail is
 * cut at the last good record and the segment kept; a file whose header is unreadable is renamed
 * to {@code *.corrupt} and left for people to inspect.
 *
 * @param segments segment files kept (holding at least one record)
 * @param records complete, CRC-checked records kept
 * @param sealedOnOpen open ({@code .tmp}) segments of a previous run sealed during recovery
 * @param truncatedSegments segments whose tail was cut
 * @param truncatedBytes bytes cut off, over all segments
 * @param truncatedRecords best-effort count of (partial) records in the cut bytes
 * @param corruptFiles files set aside as {@code *.corrupt}
 */
public record RecoveryReport(
        int segments,
        long records,
        int sealedOnOpen,
        int truncatedSegments,
        long truncatedBytes,
        long truncatedRecords,
        int corruptFiles) {}

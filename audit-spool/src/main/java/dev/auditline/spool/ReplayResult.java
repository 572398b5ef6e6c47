package dev.auditline.spool;

/**
 * What one {@link Spool#replay} call did.
 *
 * @param deliveredRecords records the handler acknowledged
 * @param deletedSegments segments deleted because every record in them was acknowledged
 * @param drained {@code true} when no sealed segment is left; {@code false} when the handler
 *     refused a record or the spool was closed meanwhile. Records still in the open segment are not
 *     counted here: see {@link Spool#seal()} and {@code segment_max_age}.
 */
public record ReplayResult(long deliveredRecords, int deletedSegments, boolean drained) {}

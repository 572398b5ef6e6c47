package dev.auditline.spool;

/**
 * Receives spooled records during {@link Spool#replay}, oldest first.
 *
 * <p>Return {@code true} only once the record is durably delivered (for the client: DataStorage
 * answered 2xx for the batch; for the server: the transaction committed). Return {@code false} to
 * stop the replay: the record and everything after it stay on disk and are offered again by the
 * next replay. A record may be offered again after it was acknowledged (a crash before its segment
 * was deleted), so delivery must be idempotent: auditline dedups by {@code event_id}.
 *
 * <p>A {@link RuntimeException} thrown here counts as not acknowledged and leaves {@link
 * Spool#replay} after progress up to the previous record was saved.
 */
@FunctionalInterface
public interface RecordHandler {
    boolean deliver(byte[] payload);
}

package dev.auditline.client;

import java.time.Duration;

/**
 * What became of the events a {@link AuditStore#flush} waited for: those that were buffered or in
 * flight when {@code flush()} was called. Events that had already reached a terminal state before
 * the call, including those {@code store()} refused at once, are not counted, and neither are
 * events stored after the call.
 *
 * @param acked stored by DataStorage (created or duplicate; also its fallback spool)
 * @param rejected refused by DataStorage as invalid
 * @param spooled written to the client spool (terminal for a flush; replayed later)
 * @param dropped dropped for any reason
 * @param pending still not terminal when the flush returned; 0 unless {@code timedOut}
 * @param timedOut {@code true} when the timeout passed first
 * @param elapsed how long the flush took
 */
public record FlushReport(
        long acked, long rejected, long spooled, long dropped, long pending, boolean timedOut, Duration elapsed) {

    /** Every event the flush waited for was acked. */
    public boolean allAcked() {
        return !timedOut && rejected == 0 && spooled == 0 && dropped == 0;
    }

    /** How many events the flush waited for. */
    public long total() {
        return acked + rejected + spooled + dropped + pending;
    }
}

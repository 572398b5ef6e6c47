package dev.auditline.client;

import java.time.Duration;
import java.util.Map;

/**
 * The final tally of a store's whole life, taken when {@link AuditStore#close} finished: after a
 * completed close, {@code enqueued == sent + rejected + spooled + dropped}.
 *
 * @param enqueued every event handed to {@code store()} before the close finished
 * @param sent acked by DataStorage
 * @param rejected refused by DataStorage as invalid
 * @param spooled written to the client spool (always 0 until the spool arrives)
 * @param dropped dropped for any reason, including {@code closed} for what the deadline cut off
 * @param droppedByReason {@code dropped} split by reason
 * @param timedOut {@code true} when the deadline passed before every event was delivered
 * @param elapsed how long the close took
 */
public record CloseReport(
        long enqueued,
        long sent,
        long rejected,
        long spooled,
        long dropped,
        Map<DropReason, Long> droppedByReason,
        boolean timedOut,
        Duration elapsed) {
    public CloseReport {
        droppedByReason = Map.copyOf(droppedByReason);
    }
}

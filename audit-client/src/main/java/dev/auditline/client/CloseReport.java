package dev.auditline.client;

import java.time.Duration;
import java.util.Map;

/**
 * The final tally of a store's whole life, taken when {@link AuditStore#close} finished: {@code
 * enqueued == sent + rejected + spooled + dropped}. Events found in the spool from an earlier
 * process are not in it (see {@link AuditClientStats.SpoolSummary}).
 *
 * @param enqueued every event handed to {@code store()} before the close finished
 * @param sent acked by DataStorage, directly or by a replay of the spool
 * @param rejected refused by DataStorage as invalid
 * @param spooled left in the client spool for the next process to replay: what close could not
 *     send in time, and what was spooled earlier and not replayed yet
 * @param dropped dropped for any reason, including {@code closed} for what the deadline cut off
 *     when no spool is configured
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

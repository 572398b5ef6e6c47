package dev.auditline.client;

import java.time.Duration;
import java.util.Map;

/**
 * A consistent snapshot of a store's counters, taken under the pipeline lock, so the accounting
 * identity {@link #unaccounted()} {@code == 0} holds in every snapshot.
 *
 * @param enqueued every event handed to {@code store()}, including those it refused at once
 * @param acked stored by DataStorage (created or duplicate, or fsynced to its fallback spool)
 * @param rejected refused by DataStorage as invalid; never retried
 * @param spooled ever written to the client spool (terminal for this process; 0 until the spool arrives)
 * @param spooledPending in the client spool, not yet replayed (0 until the spool arrives)
 * @param dropped dropped events by reason; every reason present, most with 0
 * @param bufferedEvents events waiting in the buffer
 * @param bufferedBytes their estimated JSON bytes
 * @param inFlightEvents events handed to a sender and not yet terminal
 * @param inFlightBatches requests (with their retries) under way
 * @param oldestEventAge age of the oldest buffered event; zero when the buffer is empty
 * @param flushes batches cut, by trigger
 * @param retries attempts after a batch's first
 * @param sendsByStatusClass attempts by outcome: {@code 2xx}, {@code 4xx}, {@code 5xx}, {@code network}
 * @param deliveryLatency store → ack, over acked events
 */
public record AuditClientStats(
        long enqueued,
        long acked,
        long rejected,
        long spooled,
        long spooledPending,
        Map<DropReason, Long> dropped,
        long bufferedEvents,
        long bufferedBytes,
        long inFlightEvents,
        int inFlightBatches,
        Duration oldestEventAge,
        Map<FlushTrigger, Long> flushes,
        long retries,
        Map<String, Long> sendsByStatusClass,
        LatencySummary deliveryLatency) {

    public AuditClientStats {
        dropped = Map.copyOf(dropped);
        flushes = Map.copyOf(flushes);
        sendsByStatusClass = Map.copyOf(sendsByStatusClass);
    }

    /** Count, total and maximum of a latency. */
    public record LatencySummary(long count, Duration total, Duration max) {
        public Duration mean() {
            return count == 0 ? Duration.ZERO : total.dividedBy(count);
        }
    }

    public long dropped(DropReason reason) {
        return dropped.getOrDefault(reason, 0L);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    public long flushes(FlushTrigger trigger) {
        return flushes.getOrDefault(trigger, 0L);
    }

    /**
     * {@code enqueued - (acked + rejected + dropped + spooled_pending + buffered + in_flight)}:
     * always 0; anything else is a lost or double-counted event.
     */
    public long unaccounted() {
        return enqueued - (acked + rejected + droppedTotal() + spooledPending + bufferedEvents + inFlightEvents);
    }
}

package dev.auditline.client;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A consistent snapshot of a store's counters, taken under the pipeline lock, so the accounting
 * identity {@link #unaccounted()} {@code == 0} holds in every snapshot.
 *
 * @param enqueued every event handed to {@code store()}, including those it refused at once
 * @param acked stored by DataStorage (created or duplicate, or fsynced to its fallback spool)
 * @param rejected refused by DataStorage as invalid; never retried
 * @param spooled events this process ever wrote to the client spool (a later replay also counts them
 *     as acked, rejected or dropped, so this is not part of the identity)
 * @param spooledPending events this process wrote to the client spool that no replay has taken out
 *     yet; part of the identity
 * @param dropped dropped events by reason; every reason present, most with 0
 * @param bufferedEvents events waiting in the buffer
 * @param bufferedBytes their estimated JSON bytes
 * @param inFlightEvents events handed to a sender, or on their way to the spool (spilled, or given
 *     up on and not yet fsynced), and not yet terminal
 * @param inFlightBatches requests (with their retries) under way
 * @param oldestEventAge age of the oldest buffered event; zero when the buffer is empty
 * @param flushes batches cut, by trigger
 * @param retries attempts after a batch's first
 * @param sendsByStatusClass attempts by outcome: {@code 2xx}, {@code 4xx}, {@code 5xx}, {@code network}
 * @param deliveryLatency store → ack, over events acked by a live request (replayed ones excluded)
 * @param spool the client spool and its replay; all zero without {@code spool.dir}
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
        LatencySummary deliveryLatency,
        SpoolSummary spool) {

    public AuditClientStats {
        Objects.requireNonNull(spool, "spool");
        dropped = Map.copyOf(dropped);
        flushes = Map.copyOf(flushes);
        sendsByStatusClass = Map.copyOf(sendsByStatusClass);
    }

    /**
     * The client spool, its replay and the rejected file.
     *
     * <p>Events found in the spool at start were enqueued by an earlier process, not by this one, so
     * they are outside this process's identity: their outcomes are counted here as {@code
     * recovered*}, and never in {@code acked}, {@code rejected} or {@code dropped}. The spool counts
     * records, not events, so what is still pending of them is known in records only.
     *
     * @param enabled {@code spool.dir} is set
     * @param spillingEvents events waiting in the spill hand-off queue (part of in-flight)
     * @param pendingBytes bytes of the spool's segment files (bounded by {@code spool.max_bytes})
     * @param pendingRecords records in the spool not yet acknowledged by a replay
     * @param pendingSegments segment files, the open one included
     * @param refusedRecords records the spool refused because it was full (their events are dropped,
     *     {@code spool_full})
     * @param replayedRecords records a replay delivered, from this and earlier processes
     * @param replayedEvents the events in them
     * @param replayFailures replay attempts in a row that stopped at a failure; 0 when healthy
     * @param lastReplayError why the latest failed replay stopped, or {@code null} when none failed
     * @param recoveredRecords records an earlier process left, found at start
     * @param recoveredPendingRecords of those, not yet replayed
     * @param recoveredAcked events of those records acked by DataStorage
     * @param recoveredRejected events of those records rejected by DataStorage (in the rejected file)
     * @param recoveredDropped events of those records dropped as {@code oversize}
     * @param rejectedFileWrites events written to {@code rejected/rejected.jsonl}
     * @param rejectedFileFailures rejected events that could not be written there (logged)
     */
    public record SpoolSummary(
            boolean enabled,
            long spillingEvents,
            long pendingBytes,
            long pendingRecords,
            int pendingSegments,
            long refusedRecords,
            long replayedRecords,
            long replayedEvents,
            int replayFailures,
            String lastReplayError,
            long recoveredRecords,
            long recoveredPendingRecords,
            long recoveredAcked,
            long recoveredRejected,
            long recoveredDropped,
            long rejectedFileWrites,
            long rejectedFileFailures) {
        static final SpoolSummary NONE = new SpoolSummary(false, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0);
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

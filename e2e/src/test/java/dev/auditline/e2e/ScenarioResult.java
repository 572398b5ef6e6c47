package dev.auditline.e2e;

import dev.auditline.client.AuditClientStats;
import dev.auditline.client.DropReason;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of docs/reliability.md: what a scenario measured, written as JSON by the test that ran
 * it and assembled into the table by {@link ReliabilityReport}.
 *
 * @param id file name and table order key, e.g. {@code datastorage-killed}
 * @param title what was done, in a few words
 * @param events events handed to {@code store()} (load and probes)
 * @param acked acked by DataStorage
 * @param spooled written to the client spool
 * @param rejected rejected by DataStorage as invalid
 * @param dropped dropped events by reason, only reasons with a count
 * @param rows rows in PostgreSQL at the end
 * @param distinctIds distinct event ids among them
 * @param drainMillis from the end of the fault (or the last {@code store()}) until every event was
 *     terminal; negative when not measured
 * @param visibility store → queryable through the API (probe events, or every event for the
 *     remediation test)
 * @param commitLag store → committed ({@code ingested_at - event_timestamp}) over every load event
 * @param runSeconds how long the scenario ran, set-up excluded
 * @param notes the scenario's own figures and observations
 * @param recordedAt when it ran (UTC)
 */
public record ScenarioResult(
        String id,
        String title,
        long events,
        long acked,
        long spooled,
        long rejected,
        Map<String, Long> dropped,
        long rows,
        long distinctIds,
        long drainMillis,
        Latencies visibility,
        Latencies commitLag,
        long runSeconds,
        String notes,
        String recordedAt) {

    /** A result from the client's final counters and the database's. */
    public static ScenarioResult of(
            String id,
            String title,
            AuditClientStats stats,
            AuditDatabase.Counts counts,
            Duration drain,
            Latencies visibility,
            Latencies commitLag,
            Duration run,
            String notes) {
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            if (stats.dropped(r) > 0) {
                dropped.put(r.tagValue(), stats.dropped(r));
            }
        }
        return new ScenarioResult(
                id,
                title,
                stats.enqueued(),
                stats.acked(),
                stats.spooled(),
                stats.rejected(),
                dropped,
                counts.rows(),
                counts.distinctIds(),
                drain == null ? -1 : drain.toMillis(),
                visibility,
                commitLag,
                run.toSeconds(),
                notes,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
}

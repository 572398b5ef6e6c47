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
 * @param config every configuration key of the run away from its default (client keys, and server
 *     keys prefixed {@code DataStorage}), and why a row that has any needs them; {@code none} at
 *     the defaults
 * @param unseenProbes probe events never seen through the query API; negative when the row has no
 *     probes
 * @param ids the id-set check: the producers' ids against PostgreSQL's
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
        String recordedAt,
        String config,
        long unseenProbes,
        IdCheck ids) {

    /** A result from what {@link ScenarioRun#finish} found. */
    public static ScenarioResult of(
            String id,
            String title,
            ScenarioRun.Outcome outcome,
            Duration drain,
            Latencies visibility,
            Latencies commitLag,
            String notes) {
        return of(id, title, outcome.stats(), outcome.counts(), drain, visibility, commitLag, outcome.run(), notes)
                .with(ConfigDiff.describe(outcome.config()), outcome.unseenProbes(), outcome.ids());
    }

    /** This result with its config column, unseen probes and id-set check. */
    public ScenarioResult with(String config, long unseenProbes, IdCheck ids) {
        return new ScenarioResult(
                id,
                title,
                events,
                acked,
                spooled,
                rejected,
                dropped,
                rows,
                distinctIds,
                drainMillis,
                visibility,
                commitLag,
                runSeconds,
                notes,
                recordedAt,
                config,
                unseenProbes,
                ids);
    }

    /**
     * This result with {@code why} added to its config column: a row that runs away from the
     * defaults says what it exists to show.
     */
    public ScenarioResult tunedBecause(String why) {
        return with(config + " (" + why + ")", unseenProbes, ids);
    }

    /** This result with DataStorage's keys away from their defaults added to its config column. */
    public ScenarioResult withServerConfig(java.util.List<String> serverKeys) {
        if (serverKeys.isEmpty()) {
            return this;
        }
        String client = "none".equals(config) ? "" : config + ", ";
        return with(client + ConfigDiff.describe(serverKeys), unseenProbes, ids);
    }

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
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                "not recorded",
                -1,
                null);
    }
}

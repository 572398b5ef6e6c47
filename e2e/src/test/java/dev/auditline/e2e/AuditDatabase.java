package dev.auditline.e2e;

import dev.auditline.datastorage.store.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Reads a scenario's PostgreSQL database directly over JDBC, bypassing DataStorage: what is
 * actually committed is the ground truth the client's counters are checked against.
 */
public final class AuditDatabase {
    private final TestPostgres.Database database;

    public AuditDatabase(TestPostgres.Database database) {
        this.database = database;
    }

    /** Rows of {@code audit_events} and distinct event ids among them. */
    public record Counts(long rows, long distinctIds) {}

    public Counts counts() {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM audit_events")) {
            r.next();
            return new Counts(r.getLong(1), r.getLong(2));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count audit_events: " + e.getMessage(), e);
        }
    }

    /** Every {@code event_id} in {@code audit_events}: the database's side of the id-set check. */
    public Set<UUID> eventIds() {
        Set<UUID> ids = new HashSet<>();
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT event_id FROM audit_events")) {
            while (r.next()) {
                ids.add(r.getObject(1, UUID.class));
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the event ids of audit_events: " + e.getMessage(), e);
        }
    }

    /**
     * The store → commit lag of every event stored at or after {@code since}: {@code ingested_at
     * - event_timestamp}, where the load generator sets {@code event_timestamp} right before {@code
     * store()} and the server sets {@code ingested_at} when it writes the batch. Covers every event,
     * where the HTTP probes only sample.
     */
    public Latencies commitLag(Instant since) {
        String sql = "SELECT count(*),"
                + " percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms),"
                + " percentile_disc(0.9) WITHIN GROUP (ORDER BY lag_ms),"
                + " percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms),"
                + " max(lag_ms)"
                + " FROM (SELECT extract(epoch FROM ingested_at - event_timestamp) * 1000 AS lag_ms"
                + " FROM audit_events WHERE event_timestamp >= ? AND correlation_id NOT LIKE 'probe-%') lags";
        try (Connection c = database.connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(since));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                int count = r.getInt(1);
                if (count == 0) {
                    return Latencies.NONE;
                }
                return new Latencies(
                        count,
                        Math.round(r.getDouble(2)),
                        Math.round(r.getDouble(3)),
                        Math.round(r.getDouble(4)),
                        Math.round(r.getDouble(5)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the commit lag: " + e.getMessage(), e);
        }
    }
}

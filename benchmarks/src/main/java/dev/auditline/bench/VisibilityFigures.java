package dev.auditline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Percentiles of one window of {@link VisibilityRun}: the probes (the HTTP view: store() until
 * the query API finds the event) and every event's commit lag (the JDBC view: {@code ingested_at -
 * event_timestamp}).
 */
record VisibilityFigures(
        int probes,
        long unseen,
        double p50,
        double p90,
        double p99,
        double max,
        long events,
        double lagP50,
        double lagP90,
        double lagP99,
        double lagMax) {

    /**
     * The probes of one window, and the commit lag of every event {@code actor} stored in it, read
     * back from {@code schema} over JDBC.
     */
    static VisibilityFigures measure(
            List<VisibilityProbe.Sample> samples,
            BenchPostgres pg,
            String schema,
            String actor,
            Instant from,
            Instant to)
            throws SQLException {
        Latencies seen = new Latencies(samples.size());
        long unseen = 0;
        for (VisibilityProbe.Sample s : samples) {
            if (s.seen()) {
                seen.record(s.latencyNanos());
            } else {
                unseen++;
            }
        }
        String sql = "SELECT count(*),"
                + " percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms),"
                + " percentile_disc(0.9) WITHIN GROUP (ORDER BY lag_ms),"
                + " percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms),"
                + " max(lag_ms)"
                + " FROM (SELECT extract(epoch FROM ingested_at - event_timestamp) * 1000 AS lag_ms"
                + " FROM audit_events WHERE actor_id = ? AND event_timestamp >= ? AND event_timestamp < ?) lags";
        try (Connection c = pg.connect(schema);
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, actor);
            s.setObject(2, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            s.setObject(3, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new VisibilityFigures(
                        samples.size(),
                        unseen,
                        seen.percentileMillis(50),
                        seen.percentileMillis(90),
                        seen.percentileMillis(99),
                        seen.percentileMillis(100),
                        r.getLong(1),
                        r.getDouble(2),
                        r.getDouble(3),
                        r.getDouble(4),
                        r.getDouble(5));
            }
        }
    }
}

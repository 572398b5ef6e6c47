package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * A store as it was before the log (schema version 1), with events in it: what an upgraded
 * installation holds when migration 4 runs. Shared by the store tests of both databases.
 */
final class LegacyRows {
    private LegacyRows() {}

    /** Migrates {@code dataSource} to version 1 only and inserts {@code events} as that version did. */
    static void storeBeforeTheLog(
            DataSource dataSource, String location, List<AuditEvent> events, EventSql.Dialect dialect, boolean postgres)
            throws SQLException {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(location)
                .target("1")
                .skipDefaultCallbacks(true)
                .load()
                .migrate();
        String sql = "INSERT INTO audit_events (event_date, " + String.join(", ", EventSql.EVENT_COLUMNS)
                + ", ingested_at, ingested_by) VALUES (" + (postgres ? "?::date" : "?")
                + ", ?".repeat(EventSql.EVENT_COLUMNS.size()) + ", ?, ?)";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(postgres ? postgresInsert() : sql)) {
            Instant ingestedAt = Instant.parse("2026-03-01T00:00:00Z");
            for (AuditEvent e : events) {
                ps.setString(1, EventSql.eventDate(e.eventTimestamp()).toString());
                int i = EventSql.bindEventColumns(ps, 2, e, dialect);
                ps.setObject(i, dialect.timestampParam(ingestedAt));
                ps.setString(i + 1, "legacy");
                ps.executeUpdate();
            }
        }
    }

    /** Every column with an explicit cast, as PostgreSQL needs for text-bound values. */
    private static String postgresInsert() {
        StringBuilder sql = new StringBuilder("INSERT INTO audit_events (event_date, ")
                .append(String.join(", ", EventSql.EVENT_COLUMNS))
                .append(", ingested_at, ingested_by) VALUES (?::date");
        for (String column : EventSql.EVENT_COLUMNS) {
            sql.append(", ?").append(column.equals("event_data") ? "::jsonb" : "");
        }
        return sql.append(", ?, ?)").toString();
    }

    /** Whether every leaf of {@code store}'s log encodes the event it serves. */
    static boolean leavesMatchTheServedEvents(EventRepository store) {
        for (LogLeaf leaf : store.readLeaves(0, 10_000)) {
            AuditEvent served = store.findById(leaf.eventId()).orElseThrow();
            if (!LeafEncoding.differingFields(leaf.leaf(), LeafEncoding.encode(served))
                    .isEmpty()) {
                return false;
            }
        }
        return true;
    }
}

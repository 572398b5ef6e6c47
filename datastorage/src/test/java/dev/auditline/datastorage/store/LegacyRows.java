package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
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

    /**
     * Rewrites, with the owner's rights, every leaf of the log in {@code dataSource} as encoding
     * version 1 (leaf and leaf hash) of the event {@code served} finds for it: what a store that an
     * older DataStorage wrote holds. The append-only triggers are set aside for the rewrite only.
     */
    static void rewriteLeavesAsVersion1(DataSource dataSource, Function<UUID, AuditEvent> served, boolean postgres)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            List<String> triggers = new ArrayList<>();
            if (postgres) {
                st.execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
            } else {
                try (ResultSet rs = st.executeQuery(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")) {
                    while (rs.next()) {
                        triggers.add(rs.getString(2));
                        st.addBatch("DROP TRIGGER " + rs.getString(1));
                    }
                }
                st.executeBatch();
            }
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT log_index, event_id FROM audit_log")) {
                while (rs.next()) {
                    rows.add(new Object[] {rs.getLong(1), rs.getString(2)});
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE audit_log SET leaf = ?, leaf_hash = ? WHERE log_index = ?")) {
                for (Object[] row : rows) {
                    byte[] leaf = LeafEncoding.encode(served.apply(UUID.fromString((String) row[1])), 1);
                    ps.setBytes(1, leaf);
                    ps.setBytes(2, LeafEncoding.leafHash(leaf));
                    ps.setLong(3, (Long) row[0]);
                    ps.executeUpdate();
                }
            }
            if (postgres) {
                st.execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
            } else {
                for (String trigger : triggers) {
                    st.execute(trigger);
                }
            }
            c.commit();
        }
    }

    /** Whether every leaf of {@code store}'s log is the encoding, in the leaf's version, of the event it serves. */
    static boolean leavesMatchTheServedEvents(EventRepository store) {
        for (LogLeaf leaf : store.readLeaves(0, 10_000)) {
            AuditEvent served = store.findById(leaf.eventId()).orElseThrow();
            if (!Arrays.equals(leaf.leaf(), LeafEncoding.encode(served, leaf.leaf()[0]))) {
                return false; // the whole leaf, in its own version: fingerprints and both hashes
            }
        }
        return true;
    }
}

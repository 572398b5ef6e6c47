package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Migration 4 of both stores: appends a leaf to {@code audit_log} (and, on PostgreSQL, a claim to
 * {@code audit_event_ids}) for every event stored before the log existed, in {@code ingest_seq}
 * order, so an upgraded store serves, deduplicates and verifies its old events like new ones. A
 * fresh store has none and this does nothing.
 *
 * <p>An id stored twice before ids were unique across the store (with two event dates) keeps its
 * first copy in the log; the later copy stays in {@code audit_events} without a leaf, and
 * {@code GET /events/{id}} serves the first.
 */
final class V4__Log_existing_events extends BaseJavaMigration {
    private static final int BATCH = 1000;

    private final boolean postgres;
    private final EventSql.Dialect dialect;

    V4__Log_existing_events(boolean postgres) {
        this.postgres = postgres;
        this.dialect = postgres ? PostgresEventRepository.DIALECT : SqliteEventRepository.DIALECT;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        long next = AuditLogSql.logSize(c);
        Set<String> seen = new HashSet<>();
        String select = "SELECT " + EventSql.SELECT_COLUMNS + " FROM audit_events e"
                + " WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.event_id = e.event_id) ORDER BY ingest_seq";
        String appendLog = postgres
                ? "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash) VALUES (?, ?::uuid, ?::date,"
                        + " ?, ?)"
                : "INSERT INTO audit_log (log_index, event_id, event_date, leaf, leaf_hash) VALUES (?, ?, ?, ?, ?)";
        try (PreparedStatement read = c.prepareStatement(select);
                PreparedStatement log = c.prepareStatement(appendLog);
                PreparedStatement claim = postgres
                        ? c.prepareStatement("INSERT INTO audit_event_ids (event_id) VALUES (?::uuid)")
                        : null) {
            read.setFetchSize(BATCH);
            int pending = 0;
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    AuditEvent stored = EventSql.readEvent(rs, dialect);
                    String id = stored.eventId().toString();
                    if (!seen.add(id)) {
                        continue;
                    }
                    byte[] leaf = LeafEncoding.encode(stored);
                    log.setLong(1, next++);
                    log.setString(2, id);
                    log.setString(3, EventSql.eventDate(stored.eventTimestamp()).toString());
                    log.setBytes(4, leaf);
                    log.setBytes(5, LeafEncoding.leafHash(leaf));
                    log.addBatch();
                    if (claim != null) {
                        claim.setString(1, id);
                        claim.addBatch();
                    }
                    if (++pending == BATCH) {
                        flush(log, claim);
                        pending = 0;
                    }
                }
            }
            if (pending > 0) {
                flush(log, claim);
            }
        }
    }

    private static void flush(PreparedStatement log, PreparedStatement claim) throws SQLException {
        if (claim != null) {
            claim.executeBatch();
        }
        log.executeBatch();
    }
}

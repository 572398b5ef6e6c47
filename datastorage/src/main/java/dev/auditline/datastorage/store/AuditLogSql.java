package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The reads of the verifiable log ({@code audit_log}) both stores share. Appending differs per
 * store and lives in each repository.
 */
final class AuditLogSql {
    /** What a log entry takes in the answer besides its event: index, id, punctuation. */
    private static final int LOG_ENTRY_BYTES = 100;

    /** The most rows one read of the log returns. */
    static final int MAX_READ = 10_000;

    /** Size of a contiguous log from 0: one more than its highest index. */
    static final String LOG_SIZE = "SELECT coalesce(max(log_index) + 1, 0) FROM audit_log";

    /** The stored event of an id: the log knows its event_date, so one partition is searched. */
    static final String FIND_BY_ID = "SELECT " + EventSql.SELECT_COLUMNS
            + " FROM audit_events WHERE event_id = ?"
            + " AND event_date = (SELECT event_date FROM audit_log WHERE event_id = ?)";

    private static final String READ_LEAVES = "SELECT log_index, event_id, leaf, leaf_hash FROM audit_log"
            + " WHERE log_index >= ? ORDER BY log_index LIMIT ?";

    private static final String READ_LOG = "SELECT l.log_index, l.event_id AS log_event_id,"
            + " l.event_date AS log_event_date, "
            + EventSql.EVENT_COLUMNS.stream().map(c -> "e." + c).collect(Collectors.joining(", "))
            + ", e.ingested_at, e.ingest_seq, e.ingested_by"
            + " FROM audit_log l LEFT JOIN audit_events e"
            + " ON e.event_date = l.event_date AND e.event_id = l.event_id"
            + " WHERE l.log_index > ? ORDER BY l.log_index LIMIT ?";

    private static final String LOG_INDEX_OF = "SELECT log_index FROM audit_log WHERE event_id = ?";

    private AuditLogSql() {}

    static long logSize(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOG_SIZE);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<LogLeaf> readLeaves(Connection c, long fromInclusive, int max, EventSql.Dialect dialect)
            throws SQLException {
        checkRange("fromInclusive", fromInclusive, 0, max);
        List<LogLeaf> leaves = new ArrayList<>(Math.min(max, 1024));
        try (PreparedStatement ps = c.prepareStatement(READ_LEAVES)) {
            ps.setLong(1, fromInclusive);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.add(new LogLeaf(
                            rs.getLong("log_index"),
                            dialect.uuid(rs, "event_id"),
                            rs.getBytes("leaf"),
                            rs.getBytes("leaf_hash")));
                }
            }
        }
        return leaves;
    }

    /**
     * Up to {@code max} log entries after {@code afterExclusive}, stopping before the entry that
     * would take the answer past {@code maxBytes} (the first entry is always kept; see
     * {@link PageSize}).
     */
    static List<LogEntry> readLog(Connection c, long afterExclusive, int max, long maxBytes, EventSql.Dialect dialect)
            throws SQLException {
        checkRange("afterExclusive", afterExclusive, -1, max);
        List<LogEntry> entries = new ArrayList<>(Math.min(max, 1024));
        long bytes = 0;
        try (PreparedStatement ps = c.prepareStatement(READ_LOG)) {
            ps.setLong(1, afterExclusive);
            ps.setInt(2, max);
            ps.setFetchSize(EventSql.FETCH_SIZE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AuditEvent event = rs.getString("version") == null ? null : EventSql.readEvent(rs, dialect);
                    long size = LOG_ENTRY_BYTES + (event == null ? 0 : event.estimatedJsonBytes());
                    if (!PageSize.fits(entries.size(), bytes, size, maxBytes)) {
                        break;
                    }
                    bytes += size;
                    entries.add(new LogEntry(
                            rs.getLong("log_index"),
                            dialect.uuid(rs, "log_event_id"),
                            LocalDate.parse(rs.getString("log_event_date")),
                            event));
                }
            }
        }
        return entries;
    }

    static OptionalLong logIndexOf(Connection c, UUID eventId, EventSql.Dialect dialect) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOG_INDEX_OF)) {
            ps.setObject(1, dialect.uuidParam(eventId));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    private static void checkRange(String field, long start, long min, int max) {
        if (start < min) {
            throw new IllegalArgumentException(field + " must be ≥ " + min + " (got " + start + ")");
        }
        if (max < 1 || max > MAX_READ) {
            throw new IllegalArgumentException("max must be 1.." + MAX_READ + " (got " + max + ")");
        }
    }
}

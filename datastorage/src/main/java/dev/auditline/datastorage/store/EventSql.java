package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.EventRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The SQL both stores share: the column list, the keyset query and the row mapping. What differs
 * between PostgreSQL and SQLite (how a timestamp and a UUID travel) is a {@link Dialect}.
 */
final class EventSql {

    /** How timestamps and UUIDs are bound and read by one database. */
    interface Dialect {
        Object timestampParam(Instant instant);

        Instant timestamp(ResultSet rs, String column) throws SQLException;

        Object uuidParam(UUID id);

        UUID uuid(ResultSet rs, String column) throws SQLException;
    }

    /** The columns a client provides, in the order {@link #bindEventColumns} binds them. */
    static final List<String> EVENT_COLUMNS = EventRules.CLIENT_FIELDS;

    static final String SELECT_COLUMNS = String.join(", ", EVENT_COLUMNS) + ", ingested_at, ingest_seq, ingested_by";

    private EventSql() {}

    /** The UTC calendar day of an event: its partition key. */
    static java.time.LocalDate eventDate(Instant eventTimestamp) {
        return java.time.LocalDate.ofEpochDay(eventEpochDay(eventTimestamp));
    }

    /** {@link #eventDate} as days since 1970-01-01, without making the date. */
    static long eventEpochDay(Instant eventTimestamp) {
        return Math.floorDiv(eventTimestamp.getEpochSecond(), 86_400L);
    }

    /** Microseconds since the epoch; the precision events are stored with. */
    static long epochMicros(Instant instant) {
        // not ChronoUnit.MICROS.between: it counts in nanoseconds first, which overflow a long
        // beyond the years 1677..2262; microseconds reach ±292,000 years
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    static Instant fromEpochMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    /** The values of {@link #EVENT_COLUMNS} for one event, event_data as JSON text. */
    static Object[] eventValues(AuditEvent e, Dialect dialect) {
        return new Object[] {
            dialect.uuidParam(e.eventId()),
            e.version(),
            e.eventType(),
            e.eventCategory(),
            e.eventAction(),
            e.eventOutcome().wireName(),
            dialect.timestampParam(e.eventTimestamp().truncatedTo(ChronoUnit.MICROS)),
            e.correlationId(),
            e.actorType(),
            e.actorId(),
            e.resourceType(),
            e.resourceId(),
            e.eventData().toString(),
            e.actorIp(),
            e.resourceName(),
            e.parentEventId() == null ? null : dialect.uuidParam(e.parentEventId()),
            e.namespace(),
            e.clusterId(),
            e.severity(),
            e.durationMs(),
            e.errorCode(),
            e.errorMessage(),
            e.traceId(),
            e.spanId()
        };
    }

    /** Binds {@link #eventValues} from parameter {@code first} on; returns the next free index. */
    static int bindEventColumns(PreparedStatement ps, int first, AuditEvent e, Dialect dialect) throws SQLException {
        int i = first;
        for (Object value : eventValues(e, dialect)) {
            ps.setObject(i++, value);
        }
        return i;
    }

    static AuditEvent readEvent(ResultSet rs, Dialect dialect) throws SQLException {
        long duration = rs.getLong("duration_ms");
        Long durationMs = rs.wasNull() ? null : duration;
        long seq = rs.getLong("ingest_seq");
        String parent = rs.getString("parent_event_id");
        return new AuditEvent(
                dialect.uuid(rs, "event_id"),
                rs.getString("version"),
                rs.getString("event_type"),
                rs.getString("event_category"),
                rs.getString("event_action"),
                EventOutcome.fromWire(rs.getString("event_outcome")),
                dialect.timestamp(rs, "event_timestamp"),
                rs.getString("correlation_id"),
                rs.getString("actor_type"),
                rs.getString("actor_id"),
                rs.getString("resource_type"),
                rs.getString("resource_id"),
                EventData.parse(rs.getString("event_data")),
                rs.getString("actor_ip"),
                rs.getString("resource_name"),
                parent == null ? null : UUID.fromString(parent),
                rs.getString("namespace"),
                rs.getString("cluster_id"),
                rs.getString("severity"),
                durationMs,
                rs.getString("error_code"),
                rs.getString("error_message"),
                rs.getString("trace_id"),
                rs.getString("span_id"),
                dialect.timestamp(rs, "ingested_at"),
                seq,
                rs.getString("ingested_by"));
    }

    /** A query's SQL text and its parameters, in order. */
    record Statement(String sql, List<Object> params) {
        void bind(PreparedStatement ps) throws SQLException {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
        }
    }

    /**
     * The keyset query: every filter, then the position after the cursor, ordered on
     * (event_timestamp, event_id). Asks for one row more than the limit to learn whether another
     * page follows.
     */
    static Statement keysetQuery(EventQuery q, Dialect dialect) {
        StringBuilder sql = new StringBuilder("SELECT ").append(SELECT_COLUMNS).append(" FROM audit_events WHERE 1=1");
        List<Object> params = new ArrayList<>();
        filter(sql, params, "correlation_id", q.correlationId());
        filter(sql, params, "event_type", q.eventType());
        filter(sql, params, "event_category", q.eventCategory());
        filter(
                sql,
                params,
                "event_outcome",
                q.eventOutcome() == null ? null : q.eventOutcome().wireName());
        filter(sql, params, "actor_id", q.actorId());
        filter(sql, params, "resource_type", q.resourceType());
        filter(sql, params, "resource_id", q.resourceId());
        if (q.since() != null) {
            sql.append(" AND event_timestamp >= ?");
            params.add(dialect.timestampParam(q.since().truncatedTo(ChronoUnit.MICROS)));
        }
        if (q.until() != null) {
            sql.append(" AND event_timestamp < ?");
            params.add(dialect.timestampParam(q.until().truncatedTo(ChronoUnit.MICROS)));
        }
        String cmp = q.descending() ? "<" : ">";
        if (q.after() != null) {
            Object ts = dialect.timestampParam(q.after().eventTimestamp());
            // The redundant single-column bound lets the planner use the event_timestamp indexes;
            // the row comparison alone is not always recognised as an index range.
            sql.append(" AND event_timestamp ")
                    .append(cmp)
                    .append("= ? AND (event_timestamp, event_id) ")
                    .append(cmp)
                    .append(" (?, ?)");
            params.add(ts);
            params.add(ts);
            params.add(dialect.uuidParam(q.after().eventId()));
        }
        String dir = q.descending() ? " DESC" : " ASC";
        sql.append(" ORDER BY event_timestamp").append(dir).append(", event_id").append(dir);
        sql.append(" LIMIT ").append(q.limit() + 1);
        return new Statement(sql.toString(), params);
    }

    /** Rows the driver fetches at a time: a page cut by bytes stops reading after a few of them. */
    static final int FETCH_SIZE = 16;

    /**
     * Runs one keyset page of {@code query} on {@code connection}: the query path both stores
     * share. Reads row by row and stops at {@code limit} events or at the event that would take the
     * page past {@code maxPageBytes}; either way the cursor names the last event kept, so the next
     * page starts exactly after it.
     */
    static EventPage queryPage(Connection connection, EventQuery query, Dialect dialect) throws SQLException {
        Statement statement = keysetQuery(query, dialect);
        try (PreparedStatement ps = connection.prepareStatement(statement.sql())) {
            statement.bind(ps);
            ps.setFetchSize(FETCH_SIZE);
            List<AuditEvent> events = new ArrayList<>();
            long bytes = 0;
            boolean more = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (events.size() == query.limit()) {
                        more = true;
                        break;
                    }
                    AuditEvent e = readEvent(rs, dialect);
                    long size = e.estimatedJsonBytes();
                    if (!PageSize.fits(events.size(), bytes, size, query.maxPageBytes())) {
                        more = true;
                        break;
                    }
                    events.add(e);
                    bytes += size;
                }
            }
            if (!more) {
                return new EventPage(events, null);
            }
            AuditEvent last = events.get(events.size() - 1);
            return new EventPage(events, new PageCursor(last.eventTimestamp(), last.eventId()));
        }
    }

    private static void filter(StringBuilder sql, List<Object> params, String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            params.add(value);
        }
    }
}

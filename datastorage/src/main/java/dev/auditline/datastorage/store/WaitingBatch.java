package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A batch queued for the SQLite writer ({@link SqliteBatchWriter}) with what was computed for it before, and its outcome once a
 * group stored it (or failed it); completed exactly once, by the holder of the writer lock.
 */
final class WaitingBatch {
    private final List<AuditEvent> events;
    private final String ingestedBy;
    private final Map<UUID, PreparedRow> rows;
    private final List<UUID> ids;
    private volatile Object outcome; // an InsertResult or a RuntimeException

    private WaitingBatch(List<AuditEvent> events, String ingestedBy, Map<UUID, PreparedRow> rows, List<UUID> ids) {
        this.events = events;
        this.ingestedBy = ingestedBy;
        this.rows = rows;
        this.ids = ids;
    }

    static WaitingBatch prepare(List<AuditEvent> events, String ingestedBy) {
        Map<UUID, PreparedRow> rows = new HashMap<>();
        for (AuditEvent e : events) {
            rows.computeIfAbsent(
                    e.eventId(),
                    id -> new PreparedRow(
                            EventSql.eventDate(e.eventTimestamp()).toString(),
                            EventSql.eventValues(e, SqliteEventRepository.DIALECT),
                            LeafEncoding.clientLeaf(e)));
        }
        return new WaitingBatch(events, ingestedBy, rows, BatchPlan.distinctIds(events));
    }

    List<AuditEvent> events() {
        return events;
    }

    String ingestedBy() {
        return ingestedBy;
    }

    Map<UUID, PreparedRow> rows() {
        return rows;
    }

    List<UUID> ids() {
        return ids;
    }

    boolean isDone() {
        return outcome != null;
    }

    void succeed(InsertResult result) {
        if (outcome == null) {
            outcome = result;
        }
    }

    void fail(RuntimeException e) {
        if (outcome == null) {
            outcome = e;
        }
    }

    /** The result, or the batch's failure thrown in the caller's thread. */
    InsertResult outcome() {
        Object o = outcome;
        if (o instanceof RuntimeException e) {
            throw e;
        }
        return (InsertResult) o;
    }

    /**
     * One event's event_date, {@link EventSql#eventValues} and leaf with placeholder ingestion
     * values, computed before taking the writer lock.
     */
    record PreparedRow(String eventDate, Object[] values, byte[] clientLeaf) {}
}

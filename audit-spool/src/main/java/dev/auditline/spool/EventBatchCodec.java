package dev.auditline.spool;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.BatchRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Turns a batch of events into a spool record and back. The record is exactly the body of {@code
 * POST /api/v1/audit/events/batch} ({@code {"events":[...]}}), so a replayer can send a record as it
 * is, and a person can read a segment with {@code strings}.
 *
 * <p>{@link #decode} does not validate: the events were valid when spooled, and DataStorage checks
 * every event again when it is replayed.
 */
public final class EventBatchCodec {
    private EventBatchCodec() {}

    /** The batch as a spool record. */
    public static byte[] encode(List<AuditEvent> events) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("events must not be empty (got 0 events)");
        }
        try {
            return AuditJson.mapper().writeValueAsBytes(new BatchRequest(events));
        } catch (JsonProcessingException e) {
            // built events always serialize; this is a bug, not an input problem
            throw new UncheckedIOException("cannot serialize a batch of " + events.size() + " events", e);
        }
    }

    /**
     * The events of a spool record written by {@link #encode}.
     *
     * @throws IOException when the record is not such a batch
     */
    public static List<AuditEvent> decode(byte[] payload) throws IOException {
        BatchRequest batch = AuditJson.mapper().readValue(payload, BatchRequest.class);
        if (batch == null || batch.events() == null) {
            throw new IOException("spool record is not an event batch: no \"events\" array");
        }
        return batch.events();
    }
}

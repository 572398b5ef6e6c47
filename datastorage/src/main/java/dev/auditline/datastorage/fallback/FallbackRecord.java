package dev.auditline.datastorage.fallback;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One record of the server fallback spool: the valid events of one request and the authenticated
 * client that sent them, so the replay stores the same {@code ingested_by} the direct insert would
 * have. On disk it is the batch body plus one member, {@code {"ingested_by":"…","events":[…]}}
 * ({@code ingested_by} absent when auth is off), readable with {@code strings}.
 *
 * @param ingestedBy the authenticated client name; {@code null} when auth is off
 */
record FallbackRecord(String ingestedBy, List<AuditEvent> events) {
    FallbackRecord {
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("events must not be empty (got 0 events)");
        }
    }

    byte[] encode() {
        try {
            return AuditJson.mapper().writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            // validated events always serialize; this is a bug, not an input problem
            throw new UncheckedIOException("cannot serialize a batch of " + events.size() + " events", e);
        }
    }

    /** @throws IOException when the payload is not such a record */
    static FallbackRecord decode(byte[] payload) throws IOException {
        Wire wire = AuditJson.mapper().readValue(payload, Wire.class);
        if (wire == null || wire.events() == null || wire.events().isEmpty()) {
            throw new IOException("fallback spool record holds no \"events\" array");
        }
        return new FallbackRecord(wire.ingestedBy(), wire.events());
    }

    /** The shape Jackson reads, before the compact constructor's checks. */
    record Wire(String ingestedBy, List<AuditEvent> events) {}
}

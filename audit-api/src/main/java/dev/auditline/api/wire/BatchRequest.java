package dev.auditline.api.wire;

import dev.auditline.api.AuditEvent;
import java.util.List;

/** Body of {@code POST /api/v1/audit/events/batch}. */
public record BatchRequest(List<AuditEvent> events) {
    public BatchRequest {
        events = List.copyOf(events);
    }
}

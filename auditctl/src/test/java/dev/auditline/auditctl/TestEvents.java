package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.UuidV7;
import dev.auditline.api.json.AuditJson;
import java.time.Instant;

/** Events as a client puts them on the wire. */
final class TestEvents {
    private TestEvents() {}

    static ObjectNode event(String correlationId, Instant at, String type, String outcome) {
        ObjectNode e = AuditJson.mapper().createObjectNode();
        e.put("event_id", UuidV7.forMillis(at.toEpochMilli()).toString());
        e.put("version", "1.0");
        e.put("event_type", type);
        e.put("event_category", "orchestration");
        e.put("event_action", type.substring(type.lastIndexOf('.') + 1));
        e.put("event_outcome", outcome);
        e.put("event_timestamp", AuditJson.formatTimestamp(at));
        e.put("correlation_id", correlationId);
        e.put("actor_type", "service");
        e.put("actor_id", "remediation-orchestrator");
        e.put("resource_type", "remediation_request");
        e.put("resource_id", correlationId);
        e.putObject("event_data").put("step", type);
        return e;
    }

    static String id(ObjectNode e) {
        return e.get("event_id").asText();
    }
}

package dev.auditline.datastorage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.UuidV7;
import dev.auditline.api.json.AuditJson;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Events as a client puts them on the wire, as mutable JSON so tests can break them. */
final class WireEvents {
    private WireEvents() {}

    static ObjectNode valid(String correlationId, Instant timestamp) {
        ObjectNode e = AuditJson.mapper().createObjectNode();
        e.put("event_id", UuidV7.next().toString());
        e.put("version", "1.0");
        e.put("event_type", "orchestrator.approval.requested");
        e.put("event_category", "orchestration");
        e.put("event_action", "requested");
        e.put("event_outcome", "success");
        e.put("event_timestamp", AuditJson.formatTimestamp(timestamp));
        e.put("correlation_id", correlationId);
        e.put("actor_type", "service");
        e.put("actor_id", "remediation-orchestrator");
        e.put("resource_type", "remediation");
        e.put("resource_id", "rr-1");
        e.putObject("event_data").put("reason", "disk full").put("attempt", 1);
        return e;
    }

    static UUID id(ObjectNode event) {
        return UUID.fromString(event.get("event_id").textValue());
    }

    static String batch(List<ObjectNode> events) {
        ObjectNode body = AuditJson.mapper().createObjectNode();
        ArrayNode array = body.putArray("events");
        events.forEach(array::add);
        return body.toString();
    }

    static String batch(ObjectNode... events) {
        return batch(List.of(events));
    }

    static String uniqueCorrelationId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }
}

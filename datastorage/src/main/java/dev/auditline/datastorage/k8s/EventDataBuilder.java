package dev.auditline.datastorage.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.ValidationLimits;
import java.util.Iterator;

/**
 * The {@code event_data} of a mapped Kubernetes audit event: the request's details under
 * snake_case keys, the nested Kubernetes objects ({@code user}, {@code objectRef}, {@code
 * responseStatus}, {@code annotations}) copied verbatim, and the request and response objects
 * only when they fit the {@code max_event_data_bytes} and nesting limits; otherwise a marker
 * {@code {"truncated":true,"reason":"size","original_bytes":N}} stands in their place, so a large
 * ConfigMap never costs the whole event.
 */
final class EventDataBuilder {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    /** The key, quotes, colon and comma an added member costs besides its value. */
    private static final int MEMBER_OVERHEAD = 24;

    private EventDataBuilder() {}

    /** Everything but the request and response objects. */
    static ObjectNode base(JsonNode item) {
        ObjectNode data = PLAIN.createObjectNode();
        copyText(item, "verb", data, "verb");
        copyText(item, "stage", data, "stage");
        copyText(item, "level", data, "level");
        copyText(item, "requestURI", data, "request_uri");
        copyText(item, "userAgent", data, "user_agent");
        copyText(item, "requestReceivedTimestamp", data, "request_received_timestamp");
        copy(item, "sourceIPs", data, "source_ips");
        copy(item, "user", data, "user");
        copy(item, "impersonatedUser", data, "impersonated_user");
        copy(item, "objectRef", data, "object_ref");
        copy(item, "responseStatus", data, "response_status");
        copy(item, "annotations", data, "annotations");
        return data;
    }

    /**
     * Adds {@code requestObject} and then {@code responseObject}, each only if the whole still
     * fits {@code limits}; a marker otherwise.
     */
    static void addObjects(ObjectNode data, JsonNode item, ValidationLimits limits) {
        long used = bytes(data);
        used = add(data, item, "requestObject", "request_object", used, limits);
        add(data, item, "responseObject", "response_object", used, limits);
    }

    /** Replaces both objects (where present) by a marker naming {@code reason}. */
    static void markObjects(ObjectNode data, JsonNode item, String reason) {
        for (String[] k : new String[][] {{"requestObject", "request_object"}, {"responseObject", "response_object"}}) {
            JsonNode value = item.get(k[0]);
            if (value != null && !value.isNull()) {
                data.set(k[1], marker(reason, bytes(value)));
            }
        }
    }

    private static long add(
            ObjectNode data, JsonNode item, String from, String to, long used, ValidationLimits limits) {
        JsonNode value = item.get(from);
        if (value == null || value.isNull()) {
            return used;
        }
        long size = bytes(value);
        // event_data is depth 1, so its members start at depth 2
        if (1 + depth(value) > limits.maxNestingDepth()) {
            ObjectNode m = marker("nesting", size);
            data.set(to, m);
            return used + bytes(m) + MEMBER_OVERHEAD;
        }
        if (used + size + MEMBER_OVERHEAD > limits.maxEventDataBytes()) {
            ObjectNode m = marker("size", size);
            data.set(to, m);
            return used + bytes(m) + MEMBER_OVERHEAD;
        }
        data.set(to, value.deepCopy());
        return used + size + MEMBER_OVERHEAD;
    }

    static ObjectNode marker(String reason, long originalBytes) {
        ObjectNode m = PLAIN.createObjectNode();
        m.put("truncated", true);
        m.put("reason", reason);
        m.put("original_bytes", originalBytes);
        return m;
    }

    /** Nesting depth of containers, counting {@code node} itself as 1 when it is one (as EventData does). */
    static int depth(JsonNode node) {
        if (!node.isContainerNode()) {
            return 0;
        }
        int deepest = 0;
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            deepest = Math.max(deepest, depth(it.next()));
        }
        return 1 + deepest;
    }

    private static long bytes(JsonNode node) {
        try {
            return PLAIN.writeValueAsBytes(node).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        }
    }

    private static void copyText(JsonNode item, String from, ObjectNode data, String to) {
        JsonNode v = item.get(from);
        if (v != null && v.isTextual()) {
            data.put(to, v.textValue());
        }
    }

    private static void copy(JsonNode item, String from, ObjectNode data, String to) {
        JsonNode v = item.get(from);
        if (v != null && !v.isNull()) {
            data.set(to, v.deepCopy());
        }
    }
}

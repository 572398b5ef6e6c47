package dev.auditline.api.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.EventRules;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.ValidationLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Turns one untrusted JSON item of a request into an {@link AuditEvent} or the list of every rule
 * it breaks. Wrong JSON types, unknown fields, bad text and out-of-window timestamps are all
 * reported per field; nothing here throws on bad input, so one bad event never fails a batch.
 */
public final class EventDecoder {
    /** Fields a stored event carries that a client may echo back; DataStorage assigns them itself. */
    private static final List<String> SERVER_FIELDS = List.of("ingested_at", "ingest_seq", "ingested_by");

    private final ValidationLimits limits;

    public EventDecoder(ValidationLimits limits) {
        this.limits = limits;
    }

    /** The outcome for one item: exactly one of {@code event} and a non-empty {@code violations}. */
    public record Decoded(AuditEvent event, UUID eventId, List<FieldViolation> violations) {
        public boolean valid() {
            return event != null;
        }
    }

    /**
     * Decodes and validates {@code item}, checking the timestamp window against {@code now}. An
     * item without {@code event_id} gets a new UUIDv7 (and so is never deduplicated).
     */
    public Decoded decode(JsonNode item, Instant now) {
        List<FieldViolation> out = new ArrayList<>();
        if (item == null || !item.isObject()) {
            out.add(new FieldViolation("event", "must be a JSON object (got " + typeName(item) + ")"));
            return new Decoded(null, null, out);
        }
        AuditEvent.Builder b = AuditEvent.builder();
        UUID[] id = new UUID[1];
        Instant[] timestamp = new Instant[1];
        boolean timestampPresent = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue; // an explicit null is the same as an absent optional; required ones are reported below
            }
            switch (name) {
                case "event_id" -> uuid(name, value, out, u -> id[0] = u);
                case "version" -> text(name, value, out, b::version);
                case "event_type" -> text(name, value, out, b::eventType);
                case "event_category" -> text(name, value, out, b::eventCategory);
                case "event_action" -> text(name, value, out, b::eventAction);
                case "event_outcome" -> text(name, value, out, s -> {
                    try {
                        b.eventOutcome(EventOutcome.fromWire(s));
                    } catch (IllegalArgumentException e) {
                        out.add(new FieldViolation(name, e.getMessage()));
                    }
                });
                case "event_timestamp" -> {
                    timestampPresent = true;
                    text(name, value, out, s -> {
                        try {
                            timestamp[0] = AuditJson.parseTimestamp(s);
                        } catch (IllegalArgumentException e) {
                            out.add(new FieldViolation(name, e.getMessage()));
                        }
                    });
                }
                case "correlation_id" -> text(name, value, out, b::correlationId);
                case "actor_type" -> text(name, value, out, b::actorType);
                case "actor_id" -> text(name, value, out, b::actorId);
                case "resource_type" -> text(name, value, out, b::resourceType);
                case "resource_id" -> text(name, value, out, b::resourceId);
                case "event_data" -> {
                    if (value instanceof ObjectNode object) {
                        b.eventData(EventData.of(object));
                    } else {
                        out.add(wrongType(name, "a JSON object", value));
                    }
                }
                case "actor_ip" -> text(name, value, out, b::actorIp);
                case "resource_name" -> text(name, value, out, b::resourceName);
                case "parent_event_id" -> uuid(name, value, out, b::parentEventId);
                case "namespace" -> text(name, value, out, b::namespace);
                case "cluster_id" -> text(name, value, out, b::clusterId);
                case "severity" -> text(name, value, out, b::severity);
                case "duration_ms" -> {
                    if (value.isIntegralNumber() && value.canConvertToLong()) {
                        b.durationMs(value.longValue());
                    } else {
                        out.add(wrongType(name, "an integer number of milliseconds", value));
                    }
                }
                case "error_code" -> text(name, value, out, b::errorCode);
                case "error_message" -> text(name, value, out, b::errorMessage);
                case "trace_id" -> text(name, value, out, b::traceId);
                case "span_id" -> text(name, value, out, b::spanId);
                default -> {
                    if (!SERVER_FIELDS.contains(name)) {
                        out.add(new FieldViolation(
                                shorten(name), "is not a field of event format " + EventRules.VERSION));
                    }
                }
            }
        }
        if (!item.has("event_data") || item.get("event_data").isNull()) {
            b.eventData((EventData) null);
        }
        b.eventTimestamp(timestamp[0]);
        List<FieldViolation> rules = b.violations(limits);
        for (FieldViolation v : rules) {
            // a type error already explains a field the rules now see as missing
            if (!(v.detail().startsWith("is required") && reported(out, v.field()))
                    && !(v.field().equals("event_timestamp") && timestampPresent)) {
                out.add(v);
            }
        }
        EventRules.checkTimestampWindow(timestamp[0], now, limits, out);
        if (!out.isEmpty()) {
            return new Decoded(null, id[0], List.copyOf(out));
        }
        AuditEvent event = b.eventId(id[0]).build(limits);
        return new Decoded(event, event.eventId(), List.of());
    }

    private static boolean reported(List<FieldViolation> out, String field) {
        for (FieldViolation v : out) {
            if (v.field().equals(field)) {
                return true;
            }
        }
        return false;
    }

    private static void text(String name, JsonNode value, List<FieldViolation> out, Consumer<String> set) {
        if (value.isTextual()) {
            set.accept(value.textValue());
        } else {
            out.add(wrongType(name, "a string", value));
        }
    }

    private static void uuid(String name, JsonNode value, List<FieldViolation> out, Consumer<UUID> set) {
        if (!value.isTextual()) {
            out.add(wrongType(name, "a UUID string", value));
            return;
        }
        String text = value.textValue();
        if (text.length() != 36) {
            out.add(new FieldViolation(
                    name, "must be a UUID like 0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f (got " + quoteShort(text) + ")"));
            return;
        }
        try {
            set.accept(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            out.add(new FieldViolation(
                    name, "must be a UUID like 0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f (got " + quoteShort(text) + ")"));
        }
    }

    private static FieldViolation wrongType(String name, String expected, JsonNode value) {
        return new FieldViolation(name, "must be " + expected + " (got " + typeName(value) + ")");
    }

    private static String typeName(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        JsonNodeType type = value.getNodeType();
        return switch (type) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    private static String shorten(String name) {
        String safe = name.replace("\u0000", "\\u0000");
        return safe.length() > 64 ? safe.substring(0, 64) + "…" : safe;
    }

    private static String quoteShort(String text) {
        String safe = text.replace("\u0000", "\\u0000");
        return "\"" + (safe.length() > 40 ? safe.substring(0, 40) + "…" : safe) + "\"";
    }
}

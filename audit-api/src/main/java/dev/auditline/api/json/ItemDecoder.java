package dev.auditline.api.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.AuditEventValidationException;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.EventRules;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.ValidationLimits;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Decodes one item of a request, field by field, straight from the parser: no tree is built, and
 * each value is read once. Every broken rule is collected; the parser always ends on the item's
 * last token, so one bad item never stops the next from being read.
 */
final class ItemDecoder {
    /** Fields a stored event carries that a client may echo back; DataStorage assigns them itself. */
    private static final Set<String> SERVER_FIELDS = Set.of("ingested_at", "ingest_seq", "ingested_by");

    private static final List<String> FIELDS = EventRules.CLIENT_FIELDS;

    private static final Map<String, Integer> INDEX = index();

    private final ValidationLimits limits;

    ItemDecoder(ValidationLimits limits) {
        this.limits = limits;
    }

    private static Map<String, Integer> index() {
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            index.put(FIELDS.get(i), i);
        }
        return Map.copyOf(index);
    }

    /** Decodes the item whose first token the parser is on, leaving the parser on its last token. */
    EventDecoder.Decoded decode(JsonParser in, Instant now) throws IOException {
        List<FieldViolation> out = new ArrayList<>();
        if (in.currentToken() != JsonToken.START_OBJECT) {
            out.add(new FieldViolation("event", "must be a JSON object (got " + typeName(in.currentToken()) + ")"));
            in.skipChildren();
            return new EventDecoder.Decoded(null, null, out);
        }
        Item item = new Item(in, out);
        for (JsonToken t = in.nextToken(); t == JsonToken.FIELD_NAME; t = in.nextToken()) {
            String name = in.currentName();
            JsonToken value = in.nextToken();
            item.field(name, value);
            in.skipChildren(); // no-op after a value read whole; skips an unread object or array
        }
        return item.finish(now);
    }

    private final class Item {
        final JsonParser in;
        final List<FieldViolation> out;
        final AuditEvent.Builder b = AuditEvent.builder();
        long seen; // bit per field of FIELDS
        Set<String> otherSeen;
        UUID id;
        Instant timestamp;
        boolean timestampPresent;
        boolean eventDataPresent;

        Item(JsonParser in, List<FieldViolation> out) {
            this.in = in;
            this.out = out;
        }

        void field(String name, JsonToken value) throws IOException {
            Integer index = INDEX.get(name);
            if (index != null ? (seen & (1L << index)) != 0 : !otherSeen().add(name)) {
                out.add(new FieldViolation(shorten(name), "duplicate key: a field may appear only once in an event"));
                return;
            }
            if (index != null) {
                seen |= 1L << index;
            }
            if (value == JsonToken.VALUE_NULL) {
                return; // an explicit null is the same as an absent optional; required ones are reported later
            }
            switch (name) {
                case "event_id" -> uuid(name, value, u -> id = u);
                case "version" -> text(name, value, b::version);
                case "event_type" -> text(name, value, b::eventType);
                case "event_category" -> text(name, value, b::eventCategory);
                case "event_action" -> text(name, value, b::eventAction);
                case "event_outcome" -> text(name, value, s -> {
                    try {
                        b.eventOutcome(EventOutcome.fromWire(s));
                    } catch (IllegalArgumentException e) {
                        out.add(new FieldViolation(name, e.getMessage()));
                    }
                });
                case "event_timestamp" -> {
                    timestampPresent = true;
                    text(name, value, s -> {
                        try {
                            timestamp = AuditJson.parseTimestamp(s);
                        } catch (IllegalArgumentException e) {
                            out.add(new FieldViolation(name, e.getMessage()));
                        }
                    });
                }
                case "correlation_id" -> text(name, value, b::correlationId);
                case "actor_type" -> text(name, value, b::actorType);
                case "actor_id" -> text(name, value, b::actorId);
                case "resource_type" -> text(name, value, b::resourceType);
                case "resource_id" -> text(name, value, b::resourceId);
                case "event_data" -> {
                    if (value == JsonToken.START_OBJECT) {
                        eventDataPresent = true;
                        b.eventData(EventData.read(in, limits.maxEventDataBytes()));
                    } else {
                        out.add(wrongType(name, "a JSON object", value));
                    }
                }
                case "actor_ip" -> text(name, value, b::actorIp);
                case "resource_name" -> text(name, value, b::resourceName);
                case "parent_event_id" -> uuid(name, value, b::parentEventId);
                case "namespace" -> text(name, value, b::namespace);
                case "cluster_id" -> text(name, value, b::clusterId);
                case "severity" -> text(name, value, b::severity);
                case "duration_ms" -> duration(name, value);
                case "error_code" -> text(name, value, b::errorCode);
                case "error_message" -> text(name, value, b::errorMessage);
                case "trace_id" -> text(name, value, b::traceId);
                case "span_id" -> text(name, value, b::spanId);
                default -> {
                    if (!SERVER_FIELDS.contains(name)) {
                        out.add(new FieldViolation(
                                shorten(name), "is not a field of event format " + EventRules.VERSION));
                    }
                }
            }
        }

        private Set<String> otherSeen() {
            if (otherSeen == null) {
                otherSeen = new HashSet<>();
            }
            return otherSeen;
        }

        EventDecoder.Decoded finish(Instant now) {
            if (!eventDataPresent) {
                b.eventData((EventData) null);
            }
            b.eventTimestamp(timestamp);
            List<FieldViolation> broken = null;
            if (out.isEmpty() && timestamp != null) {
                // the common case, a valid event: its rules run once, inside build, not a second time before it
                List<FieldViolation> window = new ArrayList<>(0);
                EventRules.checkTimestampWindow(timestamp, now, limits, window);
                if (window.isEmpty()) {
                    try {
                        AuditEvent event = b.eventId(id).build(limits);
                        return new EventDecoder.Decoded(event, event.eventId(), List.of());
                    } catch (AuditEventValidationException e) {
                        broken = e.violations(); // what violations() would find: the timestamp is set
                    }
                }
            }
            for (FieldViolation v : broken != null ? broken : b.violations(limits)) {
                // a type error already explains a field the rules now see as missing
                if (!(v.detail().startsWith("is required") && reported(v.field()))
                        && !(v.field().equals("event_timestamp") && timestampPresent)) {
                    out.add(v);
                }
            }
            EventRules.checkTimestampWindow(timestamp, now, limits, out);
            if (!out.isEmpty()) {
                return new EventDecoder.Decoded(null, id, List.copyOf(out));
            }
            AuditEvent event = b.eventId(id).build(limits);
            return new EventDecoder.Decoded(event, event.eventId(), List.of());
        }

        private boolean reported(String field) {
            for (FieldViolation v : out) {
                if (v.field().equals(field)) {
                    return true;
                }
            }
            return false;
        }

        private void duration(String name, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_NUMBER_INT && in.getTextLength() <= 20) {
                try {
                    b.durationMs(in.getLongValue());
                    return;
                } catch (InputCoercionException e) {
                    // out of the long range: reported below as not an integer of milliseconds
                }
            }
            out.add(wrongType(name, "an integer number of milliseconds", value));
        }

        private void text(String name, JsonToken value, Consumer<String> set) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                set.accept(in.getText());
            } else {
                out.add(wrongType(name, "a string", value));
            }
        }

        private void uuid(String name, JsonToken value, Consumer<UUID> set) throws IOException {
            if (value != JsonToken.VALUE_STRING) {
                out.add(wrongType(name, "a UUID string", value));
                return;
            }
            String text = in.getText();
            UUID parsed = null;
            if (text.length() == 36) {
                try {
                    parsed = UUID.fromString(text);
                } catch (IllegalArgumentException e) {
                    // reported below with an example
                }
            }
            if (parsed == null) {
                out.add(new FieldViolation(
                        name,
                        "must be a UUID like 0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f (got " + quoteShort(text) + ")"));
            } else {
                set.accept(parsed);
            }
        }
    }

    private static FieldViolation wrongType(String name, String expected, JsonToken value) {
        return new FieldViolation(name, "must be " + expected + " (got " + typeName(value) + ")");
    }

    static String typeName(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "a " + token.name().toLowerCase(java.util.Locale.ROOT);
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

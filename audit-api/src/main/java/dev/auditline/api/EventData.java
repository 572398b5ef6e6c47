package dev.auditline.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * The free-form {@code event_data} object of an event: an immutable JSON object whose serialized
 * size and nesting depth are measured once, when it is created, so that batching by bytes and the
 * size rule never serialize it again.
 *
 * <p>The wrapped node is a private deep copy; {@link #node()} hands out another copy, so nothing
 * outside can change an event after it was built.
 */
public final class EventData {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    /** An empty object, {@code {}}. */
    public static final EventData EMPTY = new EventData(PLAIN.createObjectNode());

    private final ObjectNode node;
    private final int jsonBytes;
    private final int depth;
    private final String badStringPath;
    private final String badStringDetail;

    private EventData(ObjectNode node) {
        this.node = node;
        try {
            this.jsonBytes = PLAIN.writeValueAsBytes(node).length;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event_data cannot be serialized: " + e.getOriginalMessage(), e);
        }
        Scan scan = new Scan();
        scan.visit(node, "event_data", 1);
        this.depth = scan.maxDepth;
        this.badStringPath = scan.badPath;
        this.badStringDetail = scan.badDetail;
    }

    /** Wraps a deep copy of a JSON object. */
    @JsonCreator
    public static EventData of(ObjectNode node) {
        Objects.requireNonNull(node, "event_data");
        return new EventData(node.deepCopy());
    }

    /**
     * Converts a map (values: strings, numbers, booleans, null, nested maps and lists) to a JSON
     * object.
     *
     * @throws IllegalArgumentException when a value cannot be represented as JSON
     */
    public static EventData of(Map<String, ?> map) {
        Objects.requireNonNull(map, "event_data");
        return new EventData(PLAIN.valueToTree(map));
    }

    /**
     * Parses a JSON object text.
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static EventData parse(String json) {
        Objects.requireNonNull(json, "event_data");
        JsonNode parsed;
        try {
            parsed = PLAIN.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event_data: not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(parsed instanceof ObjectNode object)) {
            throw new IllegalArgumentException("event_data: must be a JSON object (got "
                    + (parsed == null ? "nothing" : parsed.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                    + ")");
        }
        return new EventData(object);
    }

    /** A deep copy of the object. */
    public ObjectNode node() {
        return node.deepCopy();
    }

    /** The object itself for serialization; callers inside auditline must not modify it. */
    @JsonValue
    ObjectNode serializedNode() {
        return node;
    }

    /** Size of the compact JSON serialization, in UTF-8 bytes. */
    public int jsonBytes() {
        return jsonBytes;
    }

    /** Deepest nesting: {@code {}} is 1, {@code {"a":{}}} is 2. */
    public int depth() {
        return depth;
    }

    /** The path of the first key or string value that is not valid text, or {@code null}. */
    String badStringPath() {
        return badStringPath;
    }

    String badStringDetail() {
        return badStringDetail;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EventData that && node.equals(that.node);
    }

    @Override
    public int hashCode() {
        return node.hashCode();
    }

    @Override
    public String toString() {
        return node.toString();
    }

    private static final class Scan {
        int maxDepth;
        String badPath;
        String badDetail;

        void visit(JsonNode value, String path, int depth) {
            if (value.isContainerNode()) {
                maxDepth = Math.max(maxDepth, depth);
            }
            if (value.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    String childPath = path + "." + field.getKey();
                    check(field.getKey(), childPath + " (key)");
                    visit(field.getValue(), childPath, depth + 1);
                }
            } else if (value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    visit(value.get(i), path + "[" + i + "]", depth + 1);
                }
            } else if (value.isTextual()) {
                check(value.textValue(), path);
            }
        }

        private void check(String text, String path) {
            if (badPath != null) {
                return;
            }
            String problem = EventRules.textProblem(text);
            if (problem != null) {
                // the path holds the offending key itself; a NUL in a field name must not reach
                // a response, a log or a rejected file
                badPath = path.replace("\u0000", "\\u0000");
                badDetail = problem;
            }
        }
    }
}

package dev.auditline.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The free-form {@code event_data} object of an event, held as its compact JSON text exactly as it
 * was sent or built: numbers keep their digits ({@code 1e400} stays {@code 1e400},
 * {@code 0.1000000000000000055511151231257827} is not rounded to a {@code double}), and
 * serializers write the text raw. Its UTF-8 size, nesting depth and the first broken content rule
 * are measured in the one pass that produces the text, so batching by bytes and validation never
 * serialize or scan it again.
 *
 * <p>Two objects are equal when they hold the same JSON value: the same members in any order and
 * numbers of the same value ({@code 1.0} equals {@code 1}), which is what a JSONB round trip keeps.
 */
@JsonSerialize(using = EventData.Serializer.class)
@JsonDeserialize(using = EventData.Deserializer.class)
public final class EventData {
    /** Reads and writes without the wire limits; the rules of the event model are checked apart. */
    private static final ObjectMapper PLAIN = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNumberLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    /** An empty object, {@code {}}. */
    public static final EventData EMPTY = new EventData("{}", 2, 1, null, null);

    private final String json; // null when the object was too large to keep: measured only
    private final long jsonBytes;
    private final int depth;
    private final String problemPath;
    private final String problemDetail;

    private EventData(String json, long jsonBytes, int depth, String problemPath, String problemDetail) {
        this.json = json;
        this.jsonBytes = jsonBytes;
        this.depth = depth;
        this.problemPath = problemPath;
        this.problemDetail = problemDetail;
    }

    /** Serializes a JSON object once, measuring it on the way. */
    public static EventData of(ObjectNode node) {
        Objects.requireNonNull(node, "event_data");
        return write(node);
    }

    /**
     * Converts a map (values: strings, numbers, booleans, null, nested maps and lists) to a JSON
     * object, serializing it once and measuring it on the way.
     *
     * @throws IllegalArgumentException when a value cannot be represented as JSON
     */
    public static EventData of(Map<String, ?> map) {
        Objects.requireNonNull(map, "event_data");
        return write(map);
    }

    private static EventData write(Object value) {
        Utf8CountingWriter text = new Utf8CountingWriter(Long.MAX_VALUE);
        try (MeasuringGenerator out = new MeasuringGenerator(PLAIN.getFactory().createGenerator(text))) {
            PLAIN.writeValue(out, value);
            out.flush();
            EventDataScan scan = out.scan();
            return new EventData(
                    text.text(),
                    text.bytes() + scan.plainSurplus(),
                    scan.depth(),
                    scan.problemPath(),
                    scan.problemDetail());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event_data cannot be serialized: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses a JSON object text, keeping every number's digits. Content rules (text, duplicate
     * keys, numbers, size, depth) are not checked here but by the event's rules.
     *
     * @throws IllegalArgumentException when the text is not one JSON object
     */
    public static EventData parse(String json) {
        Objects.requireNonNull(json, "event_data");
        try (JsonParser in = PLAIN.createParser(json)) {
            JsonToken first = in.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("event_data: must be a JSON object (got " + tokenName(first) + ")");
            }
            EventData data = read(in, Long.MAX_VALUE);
            if (in.nextToken() != null) {
                throw new IllegalArgumentException("event_data: more than one JSON value");
            }
            return data;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event_data: not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the object the parser is on ({@link JsonToken#START_OBJECT}) in one pass, leaving the
     * parser on its end. Past {@code keepBytes} the text is only measured, not kept: such an
     * object fails the size rule and cannot be serialized.
     *
     * @throws IOException when the parser cannot read JSON
     */
    public static EventData read(JsonParser in, long keepBytes) throws IOException {
        CompactJsonText text = new CompactJsonText(keepBytes);
        EventDataScan scan = new EventDataCopy().copy(in, text);
        return new EventData(
                text.truncated() ? null : text.text(),
                text.bytes() + scan.plainSurplus(),
                scan.depth(),
                scan.problemPath(),
                scan.problemDetail());
    }

    private static String tokenName(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> token.name().toLowerCase(Locale.ROOT);
        };
    }

    /** The object as a new tree (numbers exact: big decimals and big integers where needed). */
    public ObjectNode node() {
        try {
            return (ObjectNode) PLAIN.readTree(json());
        } catch (JsonProcessingException | NumberFormatException e) {
            // only data that breaks the number limits (and so fails validation) gets here
            throw new IllegalStateException("event_data cannot be read as a tree: " + e.getMessage(), e);
        }
    }

    /** The compact JSON text, exactly as it was sent or built. */
    public String json() {
        if (json == null) {
            throw new IllegalStateException("event_data of " + jsonBytes + " bytes was too large to keep");
        }
        return json;
    }

    /**
     * Size of the compact JSON text, in UTF-8 bytes, with each number that has an exponent counted
     * at its length in plain decimal notation (the form PostgreSQL's {@code jsonb} stores), so the
     * size rule bounds what a store keeps and not only what was sent.
     */
    public int jsonBytes() {
        return (int) Math.min(Integer.MAX_VALUE, jsonBytes);
    }

    /** Deepest nesting: {@code {}} is 1, {@code {"a":{}}} is 2. */
    public int depth() {
        return depth;
    }

    /** The path of the first value that breaks a content rule (text, duplicate key, number), or {@code null}. */
    String badStringPath() {
        return problemPath;
    }

    String badStringDetail() {
        return problemDetail;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof EventData that)) {
            return false;
        }
        if (json != null && json.equals(that.json)) {
            return true;
        }
        if (json == null || that.json == null || problemPath != null || that.problemPath != null) {
            // content that breaks a rule (a number past the limits has no BigDecimal) compares as text
            return false;
        }
        return node().equals(EventData::compareValues, that.node());
    }

    private static int compareValues(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    }

    @Override
    public int hashCode() {
        if (json == null) {
            return 0;
        }
        return problemPath != null ? json.hashCode() : hash(node());
    }

    /** A hash that agrees with {@link #equals}: member order and number notation do not count. */
    private static int hash(JsonNode value) {
        if (value.isObject()) {
            int h = 1;
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                h += member.getKey().hashCode() ^ hash(member.getValue());
            }
            return h;
        }
        if (value.isArray()) {
            int h = 2;
            for (JsonNode element : value) {
                h = 31 * h + hash(element);
            }
            return h;
        }
        if (value.isNumber()) {
            BigDecimal d = value.decimalValue();
            return d.signum() == 0 ? 0 : d.stripTrailingZeros().hashCode();
        }
        return value.getNodeType() == JsonNodeType.NULL ? 3 : value.hashCode();
    }

    @Override
    public String toString() {
        return json != null ? json : "{…" + jsonBytes + " bytes…}";
    }

    static final class Serializer extends JsonSerializer<EventData> {
        @Override
        public void serialize(EventData value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            if (gen instanceof TokenBuffer) {
                // a tree is being built (valueToTree): raw text would arrive there as an opaque value
                gen.writeTree(value.node());
            } else {
                gen.writeRawValue(value.json());
            }
        }
    }

    static final class Deserializer extends JsonDeserializer<EventData> {
        @Override
        public EventData deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.START_OBJECT)) {
                return (EventData) ctxt.handleUnexpectedToken(EventData.class, p);
            }
            return read(p, Long.MAX_VALUE);
        }
    }
}

package dev.auditline.api.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The one JSON configuration of the wire format: snake_case names, RFC 3339 UTC timestamps with
 * exactly six fractional digits, absent optionals omitted.
 */
public final class AuditJson {
    /** Nesting a whole request may have: an event's {@code event_data} at its limit plus the envelope. */
    public static final int MAX_DOCUMENT_DEPTH = 64;

    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final ObjectMapper MAPPER = create();

    private AuditJson() {}

    /** The shared, thread-safe mapper. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A new mapper with the wire configuration, for callers that need their own. */
    public static ObjectMapper create() {
        SimpleModule time = new SimpleModule("auditline-time");
        time.addSerializer(Instant.class, new InstantSerializer());
        time.addDeserializer(Instant.class, new InstantDeserializer());
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .addModule(time)
                .build();
        mapper.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DOCUMENT_DEPTH)
                        .build());
        return mapper;
    }

    /**
     * Refuses a body that is not UTF-8 (RFC 8259 §8.1): a byte order mark, or UTF-16/UTF-32 text,
     * whose first characters (ASCII in any JSON text) carry zero bytes. Jackson would detect and
     * accept those encodings on its own.
     *
     * @throws BodyRefusal naming the encoding found
     */
    public static void requireUtf8(byte[] body) {
        int n = body.length;
        String found = null;
        if (n >= 4 && body[0] == 0 && body[1] == 0 && (body[2] & 0xFF) == 0xFE && (body[3] & 0xFF) == 0xFF) {
            found = "a UTF-32 byte order mark";
        } else if (n >= 4 && (body[0] & 0xFF) == 0xFF && (body[1] & 0xFF) == 0xFE && body[2] == 0 && body[3] == 0) {
            found = "a UTF-32 byte order mark";
        } else if (n >= 3 && (body[0] & 0xFF) == 0xEF && (body[1] & 0xFF) == 0xBB && (body[2] & 0xFF) == 0xBF) {
            found = "a UTF-8 byte order mark";
        } else if (n >= 2
                && (((body[0] & 0xFF) == 0xFE && (body[1] & 0xFF) == 0xFF)
                        || ((body[0] & 0xFF) == 0xFF && (body[1] & 0xFF) == 0xFE))) {
            found = "a UTF-16 byte order mark";
        } else {
            for (int i = 0; i < Math.min(4, n); i++) {
                if (body[i] == 0) {
                    found = "a zero byte at offset " + i + ", as UTF-16 or UTF-32 text has";
                    break;
                }
            }
        }
        if (found != null) {
            throw BodyRefusal.body(
                    "the body must be JSON encoded as UTF-8 without a byte order mark (got " + found + ")");
        }
    }

    /** {@code 2026-11-26T18:31:04.123456Z}. */
    public static String formatTimestamp(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_FOUR_DIGIT_SECOND || seconds > LAST_FOUR_DIGIT_SECOND) {
            return MICROS.format(instant);
        }
        // The same text as MICROS, written by hand: the formatter's field resolution was most of
        // the time a stored event's leaf took (two timestamps per event, hashed on every ingest).
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, instant.getNano(), ZoneOffset.UTC);
        char[] c = new char[27];
        digits(c, 0, t.getYear(), 4);
        c[4] = '-';
        digits(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, t.getHour(), 2);
        c[13] = ':';
        digits(c, 14, t.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, t.getSecond(), 2);
        c[19] = '.';
        digits(c, 20, instant.getNano() / 1_000, 6);
        c[26] = 'Z';
        return new String(c);
    }

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years {@code uuuu} prints as four digits. */
    private static final long FIRST_FOUR_DIGIT_SECOND = -62_167_219_200L;

    private static final long LAST_FOUR_DIGIT_SECOND = 253_402_300_799L;

    /** {@code value} in {@code width} decimal digits, zero-padded, at {@code c[at]}. */
    private static void digits(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * Parses an RFC 3339 timestamp with an offset ({@code Z} or {@code +02:00}) into UTC,
     * truncated to microseconds.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    public static Instant parseTimestamp(String text) {
        try {
            return Rfc3339.parse(text);
        } catch (Rfc3339.Refused e) {
            throw new IllegalArgumentException(
                    "must be an RFC 3339 timestamp with offset, like 2026-01-31T12:00:00.000001Z (got \""
                            + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\": " + e.getMessage()
                            + ")");
        }
    }

    private static final class InstantSerializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(formatTimestamp(value));
        }
    }

    private static final class InstantDeserializer extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                // an object or array has no text; without this check the error would only say "text"
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            try {
                return parseTimestamp(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, p.getValueAsString(), e.getMessage());
            }
        }
    }
}

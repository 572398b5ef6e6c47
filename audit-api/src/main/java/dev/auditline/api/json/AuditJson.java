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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
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

    /**
     * {@code 2026-11-26T18:31:04.123456Z}. Years 0000-9999 are written digit by digit instead of
     * through the {@code DateTimeFormatter} that writes the others, which stood out in ingest
     * profiles (the stores and the log's leaves format two timestamps per stored event); the text
     * is the same either way.
     */
    public static String formatTimestamp(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_FAST_SECOND || seconds > LAST_FAST_SECOND) {
            return MICROS.format(instant);
        }
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        byte[] t = new byte[27];
        digits(t, 0, day.getYear(), 4);
        t[4] = '-';
        digits(t, 5, day.getMonthValue(), 2);
        t[7] = '-';
        digits(t, 8, day.getDayOfMonth(), 2);
        t[10] = 'T';
        digits(t, 11, secondOfDay / 3600, 2);
        t[13] = ':';
        digits(t, 14, secondOfDay / 60 % 60, 2);
        t[16] = ':';
        digits(t, 17, secondOfDay % 60, 2);
        t[19] = '.';
        digits(t, 20, instant.getNano() / 1000, 6);
        t[26] = 'Z';
        return new String(t, StandardCharsets.ISO_8859_1);
    }

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years {@link #formatTimestamp} writes itself. */
    private static final long FIRST_FAST_SECOND = LocalDate.of(0, 1, 1).toEpochDay() * 86_400L;

    private static final long LAST_FAST_SECOND = LocalDate.of(9999, 12, 31).toEpochDay() * 86_400L + 86_399L;

    private static void digits(byte[] into, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            into[i] = (byte) ('0' + value % 10);
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

package dev.auditline.api.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The canonical bytes of a JSON value, fed straight into a digest: what a JSONB round trip, key
 * order, whitespace or number formatting may change about {@code event_data} is taken out, and
 * nothing else is.
 *
 * <p>Every value is a one-byte type tag followed by its content; lengths and counts are 4-byte
 * big-endian, so no two different values share an encoding:
 *
 * <ul>
 *   <li>object {@code 'o'}, member count, then per member (keys sorted by UTF-16 code units, as
 *       RFC 8785 does) the key's length and UTF-8 bytes and the value;
 *   <li>array {@code 'a'}, element count, the elements in order;
 *   <li>string {@code 's'}, length, the exact UTF-8 bytes (no Unicode normalisation);
 *   <li>number {@code 'n'}, length, the value as {@code <unscaled>e<exponent>} with trailing zeros
 *       removed ({@code 1}, {@code 1.0}, {@code 1.00} and {@code 1e0} all become {@code 1e0};
 *       {@code 0} and {@code -0} become {@code 0}), so a number is hashed by its value;
 *   <li>{@code 't'}, {@code 'f'}, {@code 'z'} for true, false and null.
 * </ul>
 *
 * A non-finite double (which Jackson writes as the string {@code "NaN"} or {@code "Infinity"}) is
 * encoded as that string, since that is what gets stored.
 */
final class CanonicalJson {
    private static final byte OBJECT = 'o';
    private static final byte ARRAY = 'a';
    private static final byte STRING = 's';
    private static final byte NUMBER = 'n';
    private static final byte TRUE = 't';
    private static final byte FALSE = 'f';
    private static final byte NULL = 'z';

    /** Reads stored {@code event_data} text: a number may be as long as its plain notation. */
    private static final JsonFactory TEXT = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private CanonicalJson() {}

    /**
     * The canonical bytes of a JSON text, read in one streaming pass: the same bytes as
     * {@link #write(JsonNode, MessageDigest)} of its tree, without building the tree, for every
     * text without a duplicate key (ingest refuses those; a tree keeps only the last member, this
     * reading keeps both). Only an object's members are buffered, to sort them.
     *
     * @throws IllegalArgumentException when the text is not JSON
     */
    static void write(String json, MessageDigest out) {
        CanonicalJsonText direct = CanonicalJsonText.read(json);
        if (direct != null) {
            out.update(direct.bytes(), 0, direct.length());
            return;
        }
        writeParsed(json, out);
    }

    /**
     * {@link #write(String, MessageDigest)} through Jackson's parser: the reference the direct
     * reading ({@link CanonicalJsonText}) is tested against, and the reading of any text it does
     * not accept.
     */
    static void writeParsed(String json, MessageDigest out) {
        try (JsonParser in = TEXT.createParser(json)) {
            in.nextToken();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(json.length() + 64);
            value(in, bytes);
            out.update(bytes.toByteArray());
        } catch (IOException e) {
            throw new IllegalArgumentException("event_data is not JSON: " + e.getMessage(), e);
        }
    }

    private static void value(JsonParser in, ByteArrayOutputStream out) throws IOException {
        switch (in.currentToken()) {
            case START_OBJECT -> {
                List<Map.Entry<String, byte[]>> members = new ArrayList<>();
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String key = in.currentName();
                    in.nextToken();
                    ByteArrayOutputStream member = new ByteArrayOutputStream();
                    value(in, member);
                    members.add(Map.entry(key, member.toByteArray()));
                }
                members.sort(Map.Entry.comparingByKey());
                out.write(OBJECT);
                length(members.size(), out);
                for (Map.Entry<String, byte[]> member : members) {
                    bytes(member.getKey().getBytes(StandardCharsets.UTF_8), out);
                    out.write(member.getValue());
                }
            }
            case START_ARRAY -> {
                ByteArrayOutputStream elements = new ByteArrayOutputStream();
                int count = 0;
                while (in.nextToken() != JsonToken.END_ARRAY) {
                    value(in, elements);
                    count++;
                }
                out.write(ARRAY);
                length(count, out);
                elements.writeTo(out);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                out.write(NUMBER);
                bytes(canonicalNumber(in.getText()).getBytes(StandardCharsets.US_ASCII), out);
            }
            case VALUE_TRUE -> out.write(TRUE);
            case VALUE_FALSE -> out.write(FALSE);
            case VALUE_NULL -> out.write(NULL);
            default -> {
                out.write(STRING);
                bytes(in.getText().getBytes(StandardCharsets.UTF_8), out);
            }
        }
    }

    private static void bytes(byte[] b, ByteArrayOutputStream out) {
        length(b.length, out);
        out.write(b, 0, b.length);
    }

    private static void length(int n, ByteArrayOutputStream out) {
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
    }

    static void write(JsonNode value, MessageDigest out) {
        if (value.isObject()) {
            List<Map.Entry<String, JsonNode>> members = new ArrayList<>(value.size());
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                members.add(it.next());
            }
            members.sort(Map.Entry.comparingByKey());
            out.update(OBJECT);
            writeLength(members.size(), out);
            for (Map.Entry<String, JsonNode> member : members) {
                writeBytes(member.getKey().getBytes(StandardCharsets.UTF_8), out);
                write(member.getValue(), out);
            }
        } else if (value.isArray()) {
            out.update(ARRAY);
            writeLength(value.size(), out);
            for (JsonNode element : value) {
                write(element, out);
            }
        } else if (value.isNumber()) {
            if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
                writeString(value.asText(), out);
            } else {
                out.update(NUMBER);
                writeBytes(canonicalNumber(value.asText()).getBytes(StandardCharsets.US_ASCII), out);
            }
        } else if (value.isBoolean()) {
            out.update(value.booleanValue() ? TRUE : FALSE);
        } else if (value.isNull() || value.isMissingNode()) {
            out.update(NULL);
        } else {
            // text, and anything else Jackson writes as a JSON string (binary as base64)
            writeString(value.asText(), out);
        }
    }

    /** {@code <unscaled>e<exponent>} of the value with trailing zeros removed; {@code 0} for zero. */
    static String canonicalNumber(String text) {
        BigDecimal v = new BigDecimal(text);
        if (v.signum() == 0) {
            return "0";
        }
        v = v.stripTrailingZeros();
        return v.unscaledValue() + "e" + (-(long) v.scale());
    }

    private static void writeString(String s, MessageDigest out) {
        out.update(STRING);
        writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
    }

    private static void writeBytes(byte[] bytes, MessageDigest out) {
        writeLength(bytes.length, out);
        out.update(bytes);
    }

    private static void writeLength(int length, MessageDigest out) {
        out.update(ByteBuffer.allocate(4).putInt(length).array());
    }
}

package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link CompactJsonText} against what it replaced: the tokens copied to Jackson's generator at its
 * defaults (numbers as their text), counted in UTF-8 with each surrogate half as two bytes. Over
 * generated objects with every ASCII character, non-ASCII text, surrogate pairs and unpaired
 * surrogates (escaped), numbers in every notation and nesting, the text and the count must be the
 * same, and past {@code keepBytes} only the text is dropped.
 */
class CompactJsonTextTest {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private static final String[] NUMBERS = {"0", "-0", "1", "-12", "1.5", "1.50", "-0.0", "12345678901234567890", "0.1"
    };

    /** Numbers with an exponent: counted at their plain-notation length, so kept out of the byte check. */
    private static final String[] EXPONENTS = {"1e2", "1E+2", "2.5e-3", "1e400"};

    private static final String[] TEXTS = {"", "a", "é", "€", "😀", "x\u2028y", "\u007f", "日本"};

    @Test
    void writesWhatJacksonsGeneratorWroteAndCountsTheSameBytes() throws IOException {
        Random random = new Random(20261129);
        for (int i = 0; i < 3_000; i++) {
            boolean exponents = i % 2 == 0;
            StringBuilder json = new StringBuilder();
            object(random, json, 0, exponents);
            String input = json.toString();

            String reference = referenceCopy(input);
            EventData data = read(input, Long.MAX_VALUE);

            assertThat(data.json()).as(input).isEqualTo(reference);
            if (!exponents) {
                assertThat((long) data.jsonBytes()).as(input).isEqualTo(utf8Bytes(reference));
            }
        }
    }

    @Test
    void everyAsciiCharacterIsWrittenAsTheGeneratorWroteIt() throws IOException {
        for (int c = 0; c < 0x80; c++) {
            String input = "{\"k" + escaped((char) c) + "\":\"v" + escaped((char) c) + "\"}";
            assertThat(read(input, Long.MAX_VALUE).json()).as("U+%04X", c).isEqualTo(referenceCopy(input));
        }
    }

    @Test
    void pastKeepBytesTheTextIsDroppedAndTheCountStaysExact() throws IOException {
        String input = "{\"a\":\"é€😀\",\"b\":[1,2.5e3,{\"c\":null}],\"d\":\"\\u0001\\n\"}";
        EventData whole = read(input, Long.MAX_VALUE);
        EventData measured = read(input, 10);

        assertThat(measured.jsonBytes()).isEqualTo(whole.jsonBytes());
        assertThat(measured.toString()).isEqualTo("{…" + whole.jsonBytes() + " bytes…}");
    }

    private static EventData read(String input, long keepBytes) throws IOException {
        try (JsonParser in = FACTORY.createParser(input)) {
            assertThat(in.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            return EventData.read(in, keepBytes);
        }
    }

    /** The copy as EventData made it before: every token through Jackson's generator. */
    private static String referenceCopy(String input) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonParser in = FACTORY.createParser(input);
                JsonGenerator g = FACTORY.createGenerator(out)) {
            for (JsonToken t = in.nextToken(); t != null; t = in.nextToken()) {
                switch (t) {
                    case START_OBJECT -> g.writeStartObject();
                    case END_OBJECT -> g.writeEndObject();
                    case START_ARRAY -> g.writeStartArray();
                    case END_ARRAY -> g.writeEndArray();
                    case FIELD_NAME -> g.writeFieldName(in.currentName());
                    case VALUE_STRING -> g.writeString(in.getText());
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(in.getText());
                    case VALUE_TRUE -> g.writeBoolean(true);
                    case VALUE_FALSE -> g.writeBoolean(false);
                    case VALUE_NULL -> g.writeNull();
                    default -> throw new AssertionError(t);
                }
            }
        }
        return out.toString();
    }

    private static long utf8Bytes(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    private static void object(Random r, StringBuilder json, int depth, boolean exponents) {
        json.append('{');
        int members = r.nextInt(depth == 0 ? 6 : 4);
        for (int m = 0; m < members; m++) {
            if (m > 0) {
                json.append(',');
            }
            string(r, json, true);
            json.append(':');
            value(r, json, depth, exponents);
        }
        json.append('}');
    }

    private static void value(Random r, StringBuilder json, int depth, boolean exponents) {
        int kind = r.nextInt(depth < 4 ? 7 : 5);
        switch (kind) {
            case 0, 1 -> string(r, json, false);
            case 2 -> json.append(
                    exponents && r.nextBoolean()
                            ? EXPONENTS[r.nextInt(EXPONENTS.length)]
                            : NUMBERS[r.nextInt(NUMBERS.length)]);
            case 3 -> json.append(r.nextBoolean() ? "true" : r.nextBoolean() ? "false" : "null");
            case 4 -> json.append(r.nextBoolean() ? "[]" : "{}");
            case 5 -> object(r, json, depth + 1, exponents);
            default -> {
                json.append('[');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        json.append(',');
                    }
                    value(r, json, depth + 1, exponents);
                }
                json.append(']');
            }
        }
    }

    /**
     * A JSON string literal of random pieces: any ASCII character, non-ASCII text, and in a value
     * (the parser refuses them in a key) lone surrogates.
     */
    private static void string(Random r, StringBuilder json, boolean key) {
        json.append('"');
        int pieces = r.nextInt(6);
        for (int p = 0; p < pieces; p++) {
            switch (r.nextInt(4)) {
                case 0 -> json.append(escaped((char) r.nextInt(0x80)));
                case 1 -> json.append(TEXTS[r.nextInt(TEXTS.length)]);
                case 2 -> json.append(key ? "k" : r.nextBoolean() ? "\\ud800" : "\\uDFFF x");
                default -> json.append("plain text");
            }
        }
        json.append('"');
    }

    /** {@code c} as it may stand inside a JSON string literal: raw when JSON allows, else escaped. */
    private static String escaped(char c) {
        if (c < 0x20 || c == '"' || c == '\\') {
            return String.format("\\u%04x", (int) c);
        }
        return String.valueOf(c);
    }
}

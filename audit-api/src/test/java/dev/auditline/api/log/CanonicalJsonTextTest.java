package dev.auditline.api.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.EventData;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The direct reading of a JSON text ({@link CanonicalJsonText}, what {@link CanonicalJson#write(String,
 * MessageDigest)} uses) gives byte for byte the canonical form of the text's tree ({@link
 * CanonicalJson#write(com.fasterxml.jackson.databind.JsonNode, MessageDigest)}, what every leaf was
 * defined by) and of Jackson's streaming reading, over generated values: nested objects and
 * arrays, keys that look alike but differ, every escape and raw Unicode (lone surrogates included),
 * numbers in every notation, whitespace between tokens. A failing seed reproduces its text.
 */
class CanonicalJsonTextTest {
    static LongStream seeds() {
        return LongStream.range(0, 3000);
    }

    /** Captures what is fed to it, so a difference shows as bytes and not only as a digest. */
    private static final class Recording extends MessageDigest {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Recording() {
            super("recording");
        }

        @Override
        protected void engineUpdate(byte input) {
            bytes.write(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            bytes.write(input, offset, len);
        }

        @Override
        protected byte[] engineDigest() {
            return bytes.toByteArray();
        }

        @Override
        protected void engineReset() {
            bytes.reset();
        }
    }

    private static String direct(String json) {
        Recording out = new Recording();
        CanonicalJson.write(json, out);
        return HexFormat.of().formatHex(out.digest());
    }

    private static String parsed(String json) {
        Recording out = new Recording();
        CanonicalJson.writeParsed(json, out);
        return HexFormat.of().formatHex(out.digest());
    }

    private static String tree(String json) {
        Recording out = new Recording();
        CanonicalJson.write(EventData.parse(json).node(), out);
        return HexFormat.of().formatHex(out.digest());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void directReadingEqualsTheTreeForm(long seed) {
        String json = new Generator(new Random(seed)).object(0);

        String expected;
        try {
            expected = tree(json);
        } catch (IllegalArgumentException rejected) {
            // Jackson rejects an escaped unpaired surrogate in a key: so must the direct reading
            assertThatThrownBy(() -> direct(json)).isInstanceOf(IllegalArgumentException.class);
            return;
        }
        if (!json.chars().anyMatch(c -> Character.isSurrogate((char) c))
                && !json.contains("\\ud")
                && !json.contains("\\uD")) {
            // only keys with a surrogate are left to the parser
            assertThat(CanonicalJsonText.read(json)).as("accepted: %s", json).isNotNull();
        }
        assertThat(direct(json)).as(json).isEqualTo(expected);
        assertThat(parsed(json)).as(json).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                " { } ",
                "{\"a\":[]}",
                "{\"a\":[{}],\"\":{}}",
                "{\"z\":0,\"y\":-0,\"x\":0.000,\"w\":-0.0e7,\"v\":100,\"u\":1.2300,\"t\":-0.5e1}",
                "{\"n\":0.05,\"m\":-120.0,\"l\":1E+2,\"k\":1e-2,\"j\":10.010,\"i\":123456789012345678901234567890.000}",
                "{\"k\":\"\\ud83d\\ude00\\ud83d\",\"x\":\"\\ud83d\\u0041\\udc00\",\"y\":\"\uD83D\"}",
                "{\"é\":1,\"e\\u0301\":2,\"\\u00e9x\":3,\"A\":4,\"a\":5,\"a \":6,\"\\u0000\":7}",
                "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\\u007f\"}"
            })
    void directReadingEqualsTheTreeFormOnEdgeCases(String json) {
        assertThat(CanonicalJsonText.read(json)).as("accepted").isNotNull();
        assertThat(direct(json)).isEqualTo(tree(json));
    }

    /**
     * What the tree form cannot hold: a duplicate key (ingest refuses it, but the function takes
     * any text) keeps both members in the parser's reading, and so must the direct one; past 64
     * levels the direct reader passes the text on to the parser.
     */
    @Test
    void directReadingEqualsTheParsersReadingForDuplicateKeysAndDeepNesting() {
        String duplicates = "{\"a\":1,\"b\":{\"x\":2,\"x\":[3]},\"a\":2}";
        assertThat(CanonicalJsonText.read(duplicates)).as("accepted").isNotNull();
        assertThat(direct(duplicates)).isEqualTo(parsed(duplicates));
        String deep = "{\"a\":".repeat(70) + "1" + "}".repeat(70);
        assertThat(CanonicalJsonText.read(deep)).as("passed on").isNull();
        assertThat(direct(deep)).isEqualTo(parsed(deep));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{",
                "{\"a\":01}",
                "{\"a\":1,}",
                "[1,]",
                "{\"a\" 1}",
                "{\"a\":1.}",
                "{\"a\":-}",
                "{\"a\":tru}",
                "{\"a\":\"\\x\"}",
                "{\"a\":\"\\u12g4\"}",
                "{\"a\":\"raw\ncontrol\"}",
                "{\"a\":1e}",
                "{a:1}",
                "{\"\\udc00\":1}",
                "{\"\\ud83dx\":1}",
                // digits Character.digit accepts and JSON does not: Arabic-Indic, fullwidth
                "{\"a\":\"\\u\u0660\u0660\u0664\u0661\"}",
                "{\"a\":\"\\u\uFF26\uFF26\uFF26\uFF26\"}"
            })
    void textsThatAreNotJsonAreLeftToTheParserWhichRejectsThem(String json) {
        assertThat(CanonicalJsonText.read(json)).isNull();
        assertThatThrownBy(() -> CanonicalJson.write(json, new Recording()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("event_data is not JSON");
    }

    /** Random JSON texts: objects at the top, with distinct keys (a duplicate key is rejected on ingest). */
    private static final class Generator {
        private static final String[] KEYS = {
            "",
            "a",
            "A",
            "a ",
            "aa",
            "b",
            "é",
            "e\u0301",
            "😀",
            "\uD83D",
            "\uDE00",
            "\u0000",
            "\"",
            "\\",
            "/",
            "\u007f",
            "\uFFFF",
            "Z",
            "z\u00e9\uD83D\uDE00",
            "\t\n"
        };
        private static final String RAW = "abcXYZ09 _-.:,{}[]é€ß中😀\u007f\u0080\u07ff\u0800\uFFFD\uFFFF";

        private final Random r;

        Generator(Random r) {
            this.r = r;
        }

        String object(int depth) {
            StringBuilder s = new StringBuilder().append(space()).append('{').append(space());
            List<String> keys = new ArrayList<>(List.of(KEYS));
            Collections.shuffle(keys, r);
            int members = r.nextInt(depth > 3 ? 3 : 9);
            for (int i = 0; i < members; i++) {
                if (i > 0) {
                    s.append(',').append(space());
                }
                // a few keys get an index so longer objects stay distinct; the rest look alike
                String key = i < keys.size() ? keys.get(i) : "k" + i;
                s.append(literal(key)).append(space()).append(':').append(space());
                s.append(value(depth + 1)).append(space());
            }
            return s.append('}').append(space()).toString();
        }

        private String array(int depth) {
            StringBuilder s = new StringBuilder("[").append(space());
            int elements = r.nextInt(depth > 3 ? 3 : 6);
            for (int i = 0; i < elements; i++) {
                if (i > 0) {
                    s.append(',').append(space());
                }
                s.append(value(depth + 1)).append(space());
            }
            return s.append(']').toString();
        }

        private String value(int depth) {
            return switch (r.nextInt(depth > 5 ? 6 : 8)) {
                case 0, 1 -> number();
                case 2, 3 -> literal(text());
                case 4 -> r.nextBoolean() ? "true" : "false";
                case 5 -> "null";
                case 6 -> array(depth);
                default -> object(depth);
            };
        }

        private String text() {
            if (r.nextInt(4) == 0) {
                return KEYS[r.nextInt(KEYS.length)];
            }
            StringBuilder s = new StringBuilder();
            int n = r.nextInt(r.nextInt(10) == 0 ? 300 : 12);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(6)) {
                    case 0 -> s.append((char) r.nextInt(0x20)); // escaped below
                    case 1 -> s.append((char) r.nextInt(0x10000)); // any UTF-16 unit, lone surrogates too
                    case 2 -> s.appendCodePoint(0x10000 + r.nextInt(0x100000));
                    default -> s.append(RAW.charAt(r.nextInt(RAW.length())));
                }
            }
            return s.toString();
        }

        /** A JSON string literal of {@code s}, each character raw or escaped at random. */
        private String literal(String s) {
            StringBuilder out = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean mustEscape = c < 0x20 || c == '"' || c == '\\';
                if (!mustEscape && r.nextInt(5) != 0) {
                    out.append(c);
                    continue;
                }
                String shortForm =
                        switch (c) {
                            case '"' -> "\\\"";
                            case '\\' -> "\\\\";
                            case '/' -> "\\/";
                            case '\b' -> "\\b";
                            case '\f' -> "\\f";
                            case '\n' -> "\\n";
                            case '\r' -> "\\r";
                            case '\t' -> "\\t";
                            default -> null;
                        };
                if (shortForm != null && r.nextBoolean()) {
                    out.append(shortForm);
                } else {
                    String hex = String.format("%04x", (int) c);
                    out.append("\\u").append(r.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
                }
            }
            return out.append('"').toString();
        }

        private String number() {
            StringBuilder s = new StringBuilder();
            if (r.nextInt(3) == 0) {
                s.append('-');
            }
            switch (r.nextInt(5)) {
                case 0 -> s.append('0');
                case 1 -> s.append(1 + r.nextInt(9));
                case 2 -> s.append(r.nextLong() & Long.MAX_VALUE);
                case 3 -> s.append(1 + r.nextInt(9)).append(digits(1 + r.nextInt(40)));
                default -> s.append(1 + r.nextInt(9)).append("0".repeat(r.nextInt(6)));
            }
            if (r.nextBoolean()) {
                s.append('.').append(digits(1 + r.nextInt(8)));
                if (r.nextBoolean()) {
                    s.append("0".repeat(1 + r.nextInt(4)));
                }
            }
            if (r.nextInt(3) == 0) {
                s.append(r.nextBoolean() ? 'e' : 'E');
                int sign = r.nextInt(3);
                s.append(sign == 0 ? "" : sign == 1 ? "+" : "-");
                s.append(r.nextInt(3) == 0 ? "0" : "").append(r.nextInt(400));
            }
            return s.toString();
        }

        private String digits(int n) {
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                s.append(r.nextInt(4) == 0 ? '0' : (char) ('0' + r.nextInt(10)));
            }
            return s.toString();
        }

        private String space() {
            return switch (r.nextInt(12)) {
                case 0 -> " ";
                case 1 -> "\n\t";
                case 2 -> "\r\n  ";
                default -> "";
            };
        }
    }
}

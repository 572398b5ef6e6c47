package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link EventData#parse} takes {@link PlainObjectText}'s one-pass compaction for texts that need
 * no decoding and Jackson's token copy for every other: both must give the same object (text, size,
 * depth, first broken rule) or the same error, for any text.
 */
class PlainObjectTextTest {

    @Test
    void compactsPostgresJsonbOutputAsTheCopyDoes() {
        String stored =
                "{\"a\": 1, \"b\": {\"c\": [1.50, -0, 0.25, true, false, null], \"d\": \"x y\"}, \"é\": \"ü€\"}";
        EventData fast = PlainObjectText.compact(stored);

        assertThat(fast).isNotNull();
        assertThat(fast.json())
                .isEqualTo("{\"a\":1,\"b\":{\"c\":[1.50,-0,0.25,true,false,null],\"d\":\"x y\"},\"é\":\"ü€\"}");
        assertThat(fast.jsonBytes()).isEqualTo(fast.json().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(fast.depth()).isEqualTo(3);
        assertSame(stored);
    }

    @Test
    void leavesToTheCopyWhatNeedsDecodingOrBreaksARule() {
        for (String text : new String[] {
            "{\"a\": \"tab\\tquote\\\"\"}", // escapes
            "{\"a\": \"\\u0000\"}", // NUL: a broken rule the copy names
            "{\"a\": \"\uD83D\uDE00\"}", // a surrogate pair
            "{\"a\": 1e5}", // an exponent: counted in plain notation by the copy
            "{\"a\": 1, \"a\": 2}", // a duplicate key
            "{\"n\": " + "9".repeat(101) + "}", // past the number limit
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": -}",
            "{\"a\": tru}",
            "{\"a\": truex}",
            "{\"a\": 1,}",
            "{\"a\" 1}",
            "{a: 1}",
            "{} {}",
            "{}x",
            "[1]",
            "",
            "{",
            "{\"a\": [1 2]}",
            "{\"a\": \"unterminated}",
            nested(PlainObjectText.MAX_DEPTH + 1),
        }) {
            assertThat(PlainObjectText.compact(text)).as(text).isNull();
            assertSame(text);
        }
    }

    @Test
    void keepsDepthAndKeysAsTheCopyCounts() {
        assertSame(nested(PlainObjectText.MAX_DEPTH));
        assertThat(PlainObjectText.compact(nested(PlainObjectText.MAX_DEPTH)).depth())
                .isEqualTo(PlainObjectText.MAX_DEPTH);
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 70; i++) {
            many.append(i == 0 ? "" : ", ")
                    .append("\"k")
                    .append(i)
                    .append("\": ")
                    .append(i);
        }
        assertSame(many.append('}').toString());
        // the same key in sibling objects is no duplicate
        assertThat(PlainObjectText.compact("{\"k\": {\"k\": 1}, \"j\": {\"k\": 2}}"))
                .isNotNull();
        assertSame("{\"k\": {\"k\": 1}, \"j\": {\"k\": 2}}");
    }

    @Test
    void randomTextsGiveWhatTheCopyGives() {
        SplittableRandom random = new SplittableRandom(20261128);
        int fast = 0;
        for (int i = 0; i < 20_000; i++) {
            String text = randomObject(random, 1);
            if (random.nextInt(4) == 0) {
                text = mutate(text, random);
            }
            if (PlainObjectText.compact(text) != null) {
                fast++;
            }
            assertSame(text);
        }
        assertThat(fast).as("texts that took the fast path").isGreaterThan(5_000);
    }

    /** {@code parse} (fast path when it applies) and the copy agree on {@code text}. */
    static void assertSame(String text) {
        EventData expected;
        try {
            expected = EventData.copy(text);
        } catch (IllegalArgumentException e) {
            assertThatThrownBy(() -> EventData.parse(text)).as(text).hasMessage(e.getMessage());
            return;
        }
        EventData actual = EventData.parse(text);
        assertThat(actual.toString()).as(text).isEqualTo(expected.toString());
        assertThat(actual.jsonBytes()).as(text).isEqualTo(expected.jsonBytes());
        assertThat(actual.depth()).as(text).isEqualTo(expected.depth());
        assertThat(actual.badStringPath()).as(text).isEqualTo(expected.badStringPath());
        assertThat(actual.badStringDetail()).as(text).isEqualTo(expected.badStringDetail());
        assertThat(actual).as(text).isEqualTo(expected);
    }

    private static String nested(int depth) {
        return "{\"a\": ".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    private static final String[] PIECES = {
        "a", "k", "é", "€", "x y", "\\n", "\\\"", "\\u00e9", "\uD83D\uDE00", "\u0001", "\\u0000", "/", "\u2028"
    };
    private static final String[] NUMBERS = {
        "0",
        "-0",
        "1",
        "-12",
        "1.50",
        "0.001",
        "123456789012345678901234567890",
        "1e5",
        "2.5E-7",
        "01",
        "1.",
        "-",
        "9".repeat(101)
    };
    private static final String[] SPACES = {"", "", "", " ", "  ", "\n", "\t", "\r\n "};

    private static String randomObject(SplittableRandom r, int depth) {
        StringBuilder s = new StringBuilder("{");
        int members = r.nextInt(depth > 3 ? 2 : 6);
        for (int i = 0; i < members; i++) {
            if (i > 0) {
                s.append(',').append(space(r));
            }
            s.append(randomString(r, true)).append(space(r)).append(':').append(space(r));
            s.append(randomValue(r, depth));
        }
        return s.append(space(r)).append('}').toString();
    }

    private static String randomValue(SplittableRandom r, int depth) {
        return switch (r.nextInt(depth > 4 ? 5 : 7)) {
            case 0 -> randomString(r, false);
            case 1 -> NUMBERS[r.nextInt(r.nextInt(4) == 0 ? NUMBERS.length : 7)];
            case 2 -> "true";
            case 3 -> "false";
            case 4 -> "null";
            case 5 -> randomObject(r, depth + 1);
            default -> {
                StringBuilder a = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.append(i > 0 ? "," + space(r) : "").append(randomValue(r, depth + 1));
                }
                yield a.append(']').toString();
            }
        };
    }

    private static String randomString(SplittableRandom r, boolean key) {
        StringBuilder s = new StringBuilder("\"");
        int n = key ? 1 + r.nextInt(2) : r.nextInt(4);
        for (int i = 0; i < n; i++) {
            // mostly plain text, sometimes what the fast path must leave to the copy
            s.append(PIECES[r.nextInt(r.nextInt(3) == 0 ? PIECES.length : 5)]);
        }
        return s.append('"').toString();
    }

    private static String space(SplittableRandom r) {
        return SPACES[r.nextInt(SPACES.length)];
    }

    private static String mutate(String text, SplittableRandom r) {
        if (text.isEmpty()) {
            return text;
        }
        int at = r.nextInt(text.length());
        return switch (r.nextInt(3)) {
            case 0 -> text.substring(0, at) + text.substring(at + 1);
            case 1 -> text.substring(0, at) + "{}[],:\"0- x".charAt(r.nextInt(11)) + text.substring(at);
            default -> text.substring(0, at);
        };
    }
}

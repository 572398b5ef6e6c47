package dev.auditline.api.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.EventData;
import java.security.MessageDigest;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming canonical form of a JSON text equals the tree form's, byte for byte, so leaves
 * written before and after it are the same. Seeded cases name the seed that reproduces a failure.
 */
class CanonicalJsonTest {
    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    private static byte[] streamed(String json) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        CanonicalJson.write(json, sha);
        return sha.digest();
    }

    private static byte[] fromTree(String json) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        CanonicalJson.write(EventData.parse(json).node(), sha);
        return sha.digest();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                "{\"b\":1,\"a\":[1.50,2.0,{\"z\":null,\"y\":true}],\"c\":\"é😀\"}",
                "{\"n\":1e400,\"m\":-0.0,\"k\":123456789012345678901234567890,\"f\":1.5E-7,\"x\":false}",
                "{\"aa\":1,\"a\":2,\"B\":3,\"\":4,\"é\":5,\"😀\":6,\"\uFFFF\":7}"
            })
    void streamingEqualsTheTreeForm(String json) throws Exception {
        assertThat(streamed(json)).isEqualTo(fromTree(json));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void streamingEqualsTheTreeFormOnGeneratedObjects(long seed) throws Exception {
        String json = object(new Random(seed), 0);

        assertThat(streamed(json)).as(json).isEqualTo(fromTree(json));
    }

    private static String object(Random r, int depth) {
        StringBuilder s = new StringBuilder("{");
        int members = r.nextInt(depth > 3 ? 2 : 6);
        for (int i = 0; i < members; i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append('"').append(key(r, i)).append("\":").append(value(r, depth + 1));
        }
        return s.append('}').toString();
    }

    private static String key(Random r, int unique) {
        String[] parts = {"a", "b", "é", "😀", "Z", "aa", "\\u0001", ""};
        return parts[r.nextInt(parts.length)] + unique;
    }

    private static String value(Random r, int depth) {
        return switch (r.nextInt(depth > 3 ? 5 : 7)) {
            case 0 -> Long.toString(r.nextLong());
            case 1 -> r.nextInt(1000) + "." + r.nextInt(1000) + (r.nextBoolean() ? "e" + (r.nextInt(600) - 300) : "");
            case 2 -> "\"" + key(r, r.nextInt(10)) + "\"";
            case 3 -> r.nextBoolean() ? "true" : "false";
            case 4 -> "null";
            case 5 -> "[" + value(r, depth + 1) + "," + value(r, depth + 1) + "]";
            default -> object(r, depth + 1);
        };
    }
}

package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.json.AuditJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The estimate is never below the serialized size, over 200 random events. Each case is a fixed
 * seed, so a failure names the seed that reproduces it.
 */
class EstimatedJsonBytesPropertyTest {

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void estimateIsNeverBelowTheSerializedSize(long seed) throws Exception {
        AuditEvent event = event(new Random(seed));
        int actual = AuditJson.mapper().writeValueAsBytes(event).length;

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(actual);
    }

    /** Valid text of 1 to {@code max} characters, often with characters JSON escapes or UTF-8 widens. */
    private static String text(Random random, int max) {
        int length = 1 + random.nextInt(max);
        StringBuilder text = new StringBuilder(length);
        switch (random.nextInt(3)) {
            case 0 -> { // any BMP character outside the surrogates
                while (text.length() < length) {
                    char c = (char) (1 + random.nextInt(0xFFFF));
                    if (!Character.isSurrogate(c)) {
                        text.append(c);
                    }
                }
            }
            case 1 -> { // control characters and the ones JSON escapes, with some UTF-8 widening
                String chars = "\"\\/aé€";
                for (int i = 0; i < length; i++) {
                    text.append(
                            random.nextBoolean()
                                    ? (char) (1 + random.nextInt(0x1F))
                                    : chars.charAt(random.nextInt(chars.length())));
                }
            }
            default -> { // supplementary characters: two chars, four UTF-8 bytes each
                text.append("\uD83D\uDE00".repeat(Math.max(1, length / 2)));
            }
        }
        return text.toString();
    }

    private static EventData eventData(Random random) {
        Map<String, Object> map = new LinkedHashMap<>();
        int size = random.nextInt(9);
        for (int i = 0; i < size; i++) {
            Object value =
                    switch (random.nextInt(4)) {
                        case 0 -> text(random, 200);
                        case 1 -> random.nextLong();
                        case 2 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                        default -> random.nextBoolean();
                    };
            map.put(text(random, 30), value);
        }
        return EventData.of(map);
    }

    private static AuditEvent event(Random random) {
        AuditEvent.Builder b = TestEvents.minimal()
                .eventCategory(text(random, 50))
                .eventAction(text(random, 50))
                .correlationId(text(random, 255))
                .actorType(text(random, 50))
                .actorId(text(random, 255))
                .resourceType(text(random, 100))
                .resourceId(text(random, 255))
                .eventData(eventData(random));
        if (random.nextBoolean()) {
            b.resourceName(text(random, 255));
        }
        if (random.nextBoolean()) {
            b.namespace(text(random, 253));
        }
        if (random.nextBoolean()) {
            b.clusterId(text(random, 255));
        }
        if (random.nextBoolean()) {
            b.severity(text(random, 20));
        }
        if (random.nextBoolean()) {
            b.durationMs(random.nextLong() & Long.MAX_VALUE);
        }
        if (random.nextBoolean()) {
            b.errorCode(text(random, 100));
        }
        if (random.nextBoolean()) {
            b.errorMessage(text(random, 4096));
        }
        return b.build();
    }
}

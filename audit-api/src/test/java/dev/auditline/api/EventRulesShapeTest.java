package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventRulesShapeTest {
    /** The rule as the event model states it; the hand-written check must agree with it on every input. */
    private static final Pattern EVENT_TYPE = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+){2,}");

    private static final Pattern HEX_32 = Pattern.compile("[0-9a-f]{32}");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "orchestrator.approval.requested",
                "a.b.c",
                "a.b.c.d.e",
                "k8s-api.pods_x.create",
                "a.b",
                "a..b.c",
                ".a.b.c",
                "a.b.c.",
                "A.b.c",
                "a.b.c d",
                "a.b.é",
                "",
                ".",
                "...",
                "a.b.c\u0000"
            })
    void eventTypeCheckAgreesWithTheModelsPattern(String candidate) {
        assertThat(EventRules.isEventType(candidate))
                .isEqualTo(EVENT_TYPE.matcher(candidate).matches());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "4bf92f3577b34da6a3ce929d0e0e4736",
                "00000000000000000000000000000000",
                "00000000000000000000000000000001",
                "4BF92F3577B34DA6A3CE929D0E0E4736",
                "4bf92f3577b34da6a3ce929d0e0e473",
                "4bf92f3577b34da6a3ce929d0e0e47361",
                "4bf92f3577b34da6a3ce929d0e0e473g"
            })
    void traceIdCheckIsLowercaseHexOfTheLengthNotAllZero(String candidate) {
        boolean expected =
                HEX_32.matcher(candidate).matches() && !candidate.chars().allMatch(c -> c == '0');
        assertThat(EventRules.isLowerHexNotAllZero(candidate, 32)).isEqualTo(expected);
    }
}

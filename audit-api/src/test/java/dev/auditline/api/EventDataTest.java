package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventDataTest {

    /** An object nested {@code depth} levels deep: depth 1 is {@code {}}. */
    static String nestedObject(int depth) {
        return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    private static List<FieldViolation> violationsOf(EventData data) {
        return TestEvents.minimal().eventData(data).violations(ValidationLimits.DEFAULTS);
    }

    @Test
    void jsonBytesIsTheCompactUtf8Size() {
        EventData data = EventData.parse("{ \"k\" : \"ü\" }");

        assertThat(data.jsonBytes()).isEqualTo("{\"k\":\"ü\"}".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void emptyObjectHasDepthOne() {
        assertThat(EventData.EMPTY.depth()).isEqualTo(1);
        assertThat(EventData.EMPTY.jsonBytes()).isEqualTo(2);
    }

    @Test
    void arraysCountAsNestingLevels() {
        assertThat(EventData.parse("{\"a\":[[1]]}").depth()).isEqualTo(3);
    }

    @Test
    void nestingAtTheLimitOf32IsAccepted() {
        EventData data = EventData.parse(nestedObject(32));

        assertThat(data.depth()).isEqualTo(32);
        assertThat(violationsOf(data)).isEmpty();
    }

    @Test
    void nestingOf33IsRejectedNamingLimitAndDepth() {
        assertThat(violationsOf(EventData.parse(nestedObject(33))))
                .containsExactly(new FieldViolation("event_data", "must nest at most 32 levels deep (got 33)"));
    }

    @Test
    void sizeExactlyAtTheLimitIsAccepted() {
        // {"p":"…"} is eight bytes around the padding
        EventData data = EventData.of(Map.of("p", "x".repeat(ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES - 8)));

        assertThat(data.jsonBytes()).isEqualTo(262_144);
        assertThat(violationsOf(data)).isEmpty();
    }

    @Test
    void sizeOneByteOverTheLimitIsRejectedNamingLimitAndSize() {
        EventData data = EventData.of(Map.of("p", "x".repeat(ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES - 7)));

        assertThat(violationsOf(data))
                .containsExactly(new FieldViolation("event_data", "must be at most 262144 bytes as JSON (got 262145)"));
    }

    @Test
    void sizeLimitComesFromTheGivenLimits() {
        ValidationLimits small = new ValidationLimits(
                10, 32, ValidationLimits.DEFAULTS.maxPast(), ValidationLimits.DEFAULTS.maxFuture());

        List<FieldViolation> violations =
                TestEvents.minimal().eventData(Map.of("k", "12345")).violations(small);

        assertThat(violations)
                .containsExactly(new FieldViolation("event_data", "must be at most 10 bytes as JSON (got 13)"));
    }

    @Test
    void nulInANestedStringValueIsRejectedWithItsPath() {
        EventData data = EventData.parse("{\"steps\":[{\"note\":\"ok\"},{\"note\":\"a\\u0000b\"}]}");

        assertThat(violationsOf(data))
                .containsExactly(new FieldViolation(
                        "event_data.steps[1].note", "must not contain the NUL character (U+0000, at index 1)"));
    }

    @Test
    void nulInAKeyIsRejectedWithTheNulEscapedInThePath() {
        EventData data = EventData.parse("{\"outer\":{\"a\\u0000b\":1}}");

        assertThat(violationsOf(data))
                .containsExactly(new FieldViolation(
                        "event_data.outer.a\\u0000b (key)", "must not contain the NUL character (U+0000, at index 1)"));
    }

    @Test
    void unpairedSurrogateInAValueIsRejected() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("note", "x\uDBFF");

        assertThat(violationsOf(EventData.of(map)))
                .containsExactly(new FieldViolation(
                        "event_data.note", "must be valid Unicode text (unpaired surrogate at index 1)"));
    }

    @Test
    void severalDataProblemsAreReportedTogether() {
        String deepWithNul = "{\"n\":\"\\u0000\",\"d\":" + nestedObject(33) + "}";
        ValidationLimits small = new ValidationLimits(
                50, 32, ValidationLimits.DEFAULTS.maxPast(), ValidationLimits.DEFAULTS.maxFuture());
        EventData data = EventData.parse(deepWithNul);

        List<FieldViolation> violations = TestEvents.minimal().eventData(data).violations(small);

        assertThat(violations)
                .containsExactly(
                        new FieldViolation(
                                "event_data", "must be at most 50 bytes as JSON (got " + data.jsonBytes() + ")"),
                        new FieldViolation("event_data", "must nest at most 32 levels deep (got 34)"),
                        new FieldViolation("event_data.n", "must not contain the NUL character (U+0000, at index 0)"));
    }

    @Test
    void parseRejectsTextThatIsNotAnObject() {
        assertThatThrownBy(() -> EventData.parse("[1,2]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event_data: must be a JSON object (got array)");
    }

    @Test
    void parseRejectsTextThatIsNotJson() {
        assertThatThrownBy(() -> EventData.parse("{nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event_data: not valid JSON: ");
    }

    @Test
    void changingTheSourceNodeAfterwardsDoesNotChangeTheData() {
        ObjectNode source = EventData.EMPTY.node();
        source.put("k", 1);
        EventData data = EventData.of(source);

        source.put("k", 2);
        data.node().put("k", 3);

        assertThat(data).hasToString("{\"k\":1}");
    }

    @Test
    void mapValuesBecomeJsonTypes() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("s", "x");
        map.put("n", 1.5);
        map.put("b", true);
        map.put("z", null);
        map.put("l", List.of(1, Map.of("k", "v")));

        assertThat(EventData.of(map))
                .hasToString("{\"s\":\"x\",\"n\":1.5,\"b\":true,\"z\":null,\"l\":[1,{\"k\":\"v\"}]}");
    }

    @Test
    void equalDataAreEqual() {
        assertThat(EventData.parse("{\"a\":1}"))
                .isEqualTo(EventData.of(Map.of("a", 1)))
                .hasSameHashCodeAs(EventData.of(Map.of("a", 1)));
    }

    @Test
    void numbersKeepTheDigitsTheyWereSentWith() throws Exception {
        String text = "{\"huge\":1e400,\"precise\":0.1000000000000000055511151231257827,"
                + "\"big\":123456789012345678901234567890123,\"neg\":-0.0,\"plain\":1.50}";

        EventData data = EventData.parse(text);
        String wire = dev.auditline.api.json.AuditJson.mapper()
                .writeValueAsString(TestEvents.minimal().eventData(data).build());

        assertThat(data.json()).isEqualTo(text);
        assertThat(wire).contains("\"event_data\":" + text);
        assertThat(dev.auditline.api.json.AuditJson.mapper()
                        .readValue(wire, AuditEvent.class)
                        .eventData()
                        .json())
                .isEqualTo(text);
    }

    @Test
    void parsingCompactsWhitespaceButNothingElse() {
        assertThat(EventData.parse("{ \"a\" : [ 1.0E+2 , \"\\u00e9\" ] }").json())
                .isEqualTo("{\"a\":[1.0E+2,\"é\"]}");
    }

    @Test
    void aDuplicateKeyIsRejectedNamingItsPath() {
        assertThat(violationsOf(EventData.parse("{\"a\":{\"b\":1,\"c\":2,\"b\":3}}")))
                .containsExactly(
                        new FieldViolation("event_data.a.b", "duplicate key: a key may appear only once in an object"));
    }

    @Test
    void theSameKeyInDifferentObjectsIsNoDuplicate() {
        assertThat(violationsOf(EventData.parse("{\"a\":{\"k\":1},\"b\":{\"k\":1},\"k\":[{\"k\":2},{\"k\":3}]}")))
                .isEmpty();
    }

    @Test
    void aNumberLongerThanTheNumberLimitIsRejectedNamingTheLimit() {
        assertThat(violationsOf(EventData.parse("{\"n\":[" + "9".repeat(1000) + "]}")))
                .containsExactly(
                        new FieldViolation("event_data.n[0]", "must be a number of at most 100 characters (got 1000)"));
    }

    @Test
    void aNumberAtTheNumberLimitIsAccepted() {
        assertThat(violationsOf(EventData.parse("{\"n\":" + "9".repeat(100) + ",\"e\":1e1000,\"f\":-2.5E-1000}")))
                .isEmpty();
    }

    @Test
    void aNumberWithAnExponentPastTheLimitIsRejected() {
        assertThat(violationsOf(EventData.parse("{\"e\":1e1001}")))
                .containsExactly(new FieldViolation(
                        "event_data.e", "must be a number with an exponent between -1000 and 1000 (got 1e1001)"));
    }

    @Test
    void dataEqualInValueAreEqualWhateverTheKeyOrderOrNumberNotation() {
        EventData sent = EventData.parse("{\"b\":[1.50,{\"y\":1e2}],\"a\":\"x\"}");
        EventData rewritten = EventData.parse("{\"a\": \"x\", \"b\": [1.5, {\"y\": 100}]}");

        assertThat(rewritten).isEqualTo(sent).hasSameHashCodeAs(sent);
        assertThat(EventData.parse("{\"a\":1.01}")).isNotEqualTo(EventData.parse("{\"a\":1.0}"));
    }

    @Test
    void aMapIsMeasuredWhileItIsSerialized() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("deep", Map.of("l", List.of(List.of())));
        map.put("bad", Map.of("k", "a\u0000"));

        EventData data = EventData.of(map);

        assertThat(data.depth()).isEqualTo(4);
        assertThat(data.jsonBytes()).isEqualTo(data.json().getBytes(StandardCharsets.UTF_8).length);
        assertThat(violationsOf(data))
                .containsExactly(new FieldViolation(
                        "event_data.bad.k", "must not contain the NUL character (U+0000, at index 1)"));
    }
}

package dev.auditline.api.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.TestEvents;
import dev.auditline.api.UuidV7;
import dev.auditline.api.ValidationLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventDecoderTest {
    private static final Instant NOW = TestEvents.TIMESTAMP.plusSeconds(60);

    private final EventDecoder decoder = new EventDecoder(ValidationLimits.DEFAULTS);

    /** A valid event with every field, as the JSON object a client sends. */
    private static ObjectNode validItem() {
        return AuditJson.mapper().valueToTree(TestEvents.full().build());
    }

    private static ObjectNode item(String json) throws Exception {
        return (ObjectNode) AuditJson.mapper().readTree(json);
    }

    private static String nestedObject(int depth) {
        return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    private EventDecoder.Decoded decode(JsonNode item) {
        return decoder.decode(item, NOW);
    }

    private List<FieldViolation> violationsOf(JsonNode item) {
        EventDecoder.Decoded decoded = decode(item);
        assertThat(decoded.valid()).isFalse();
        assertThat(decoded.event()).isNull();
        return decoded.violations();
    }

    @Test
    void aValidItemDecodesToTheSameEvent() {
        AuditEvent sent = TestEvents.full().build();

        EventDecoder.Decoded decoded = decode(AuditJson.mapper().valueToTree(sent));

        assertThat(decoded.valid()).isTrue();
        assertThat(decoded.violations()).isEmpty();
        assertThat(decoded.event()).isEqualTo(sent);
        assertThat(decoded.eventId()).isEqualTo(sent.eventId());
    }

    @Test
    void anItemWithoutEventIdGetsANewVersion7Id() {
        ObjectNode item = validItem();
        item.remove("event_id");

        EventDecoder.Decoded decoded = decode(item);

        assertThat(decoded.valid()).isTrue();
        assertThat(decoded.eventId().version()).isEqualTo(7);
        assertThat(decoded.event().eventId()).isEqualTo(decoded.eventId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"event\"", "42", "null"})
    void anItemThatIsNotAnObjectIsRejectedNamingWhatItIs(String json) throws Exception {
        JsonNode item = AuditJson.mapper().readTree(json);
        String got =
                switch (json) {
                    case "[]" -> "an array";
                    case "\"event\"" -> "a string";
                    case "42" -> "a number";
                    default -> "null";
                };

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("event", "must be a JSON object (got " + got + ")"));
    }

    @Test
    void aMissingItemIsRejectedAsNothing() {
        assertThat(violationsOf(null))
                .containsExactly(new FieldViolation("event", "must be a JSON object (got nothing)"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "version",
                "event_type",
                "event_category",
                "event_action",
                "correlation_id",
                "actor_type",
                "actor_id",
                "resource_type",
                "resource_id",
                "actor_ip",
                "resource_name",
                "namespace",
                "cluster_id",
                "severity",
                "error_code",
                "error_message",
                "trace_id",
                "span_id",
                "event_outcome",
                "event_timestamp"
            })
    void aStringFieldGivenANumberIsRejectedNamingTheFieldOnce(String field) {
        ObjectNode item = validItem();
        item.put(field, 12);

        assertThat(violationsOf(item)).containsExactly(new FieldViolation(field, "must be a string (got a number)"));
    }

    @Test
    void aStringFieldGivenAnObjectOrBooleanNamesWhatItGot() {
        ObjectNode item = validItem();
        item.putObject("actor_id");
        item.put("resource_id", true);
        item.putArray("correlation_id");

        assertThat(violationsOf(item))
                .containsExactlyInAnyOrder(
                        new FieldViolation("actor_id", "must be a string (got an object)"),
                        new FieldViolation("resource_id", "must be a string (got a boolean)"),
                        new FieldViolation("correlation_id", "must be a string (got an array)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"event_id", "parent_event_id"})
    void aUuidFieldGivenANumberIsRejected(String field) {
        ObjectNode item = validItem();
        item.put(field, 7);

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(field, "must be a UUID string (got a number)"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"not-a-uuid", "0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9", "0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9g"})
    void aUuidFieldGivenMalformedTextIsRejectedWithAnExample(String text) {
        ObjectNode item = validItem();
        item.put("parent_event_id", text);

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "parent_event_id",
                        "must be a UUID like 0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f (got \"" + text + "\")"));
    }

    @Test
    void anInvalidItemStillReportsItsReadableEventId() {
        ObjectNode item = validItem();
        item.remove("actor_id");

        EventDecoder.Decoded decoded = decode(item);

        assertThat(decoded.eventId())
                .isEqualTo(java.util.UUID.fromString(item.get("event_id").textValue()));
        assertThat(decoded.violations())
                .containsExactly(new FieldViolation("actor_id", "is required: 1 to 255 characters"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"{}\"", "1"})
    void eventDataThatIsNotAnObjectIsRejectedOnce(String json) throws Exception {
        ObjectNode item = validItem();
        JsonNode value = AuditJson.mapper().readTree(json);
        item.set("event_data", value);
        String got = value.isArray() ? "an array" : value.isTextual() ? "a string" : "a number";

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("event_data", "must be a JSON object (got " + got + ")"));
    }

    @Test
    void missingEventDataIsRejected() {
        ObjectNode item = validItem();
        item.remove("event_data");

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "event_data", "is required: a JSON object ({} when there is nothing to add)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"5\"", "1.5", "true", "12345678901234567890123"})
    void durationThatIsNotAnIntegerIsRejected(String json) throws Exception {
        ObjectNode item = validItem();
        JsonNode value = AuditJson.mapper().readTree(json);
        item.set("duration_ms", value);
        String got = value.isTextual() ? "a string" : value.isBoolean() ? "a boolean" : "a number";

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "duration_ms", "must be an integer number of milliseconds (got " + got + ")"));
    }

    @Test
    void negativeDurationIsRejectedByTheRules() {
        ObjectNode item = validItem();
        item.put("duration_ms", -3);

        assertThat(violationsOf(item)).containsExactly(new FieldViolation("duration_ms", "must be ≥ 0 (got -3)"));
    }

    @Test
    void anUnknownFieldIsRejectedByName() {
        ObjectNode item = validItem();
        item.put("colour", "blue");

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("colour", "is not a field of event format 1.0"));
    }

    @Test
    void anUnknownFieldWithAHugeNameIsShortened() {
        ObjectNode item = validItem();
        item.put("x".repeat(1000), 1);

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("x".repeat(64) + "…", "is not a field of event format 1.0"));
    }

    @Test
    void serverAssignedFieldsEchoedBackAreIgnored() {
        ObjectNode item = validItem();
        item.put("ingested_at", "2026-11-26T18:31:05.000000Z");
        item.put("ingest_seq", 99);
        item.put("ingested_by", "ds-1");

        EventDecoder.Decoded decoded = decode(item);

        assertThat(decoded.valid()).isTrue();
        assertThat(decoded.event().ingestedAt()).isNull();
        assertThat(decoded.event().ingestSeq()).isNull();
    }

    @Test
    void anExplicitNullOptionalIsTheSameAsAbsent() {
        ObjectNode item = validItem();
        item.putNull("namespace");
        item.putNull("duration_ms");
        item.putNull("parent_event_id");

        EventDecoder.Decoded decoded = decode(item);

        assertThat(decoded.valid()).isTrue();
        assertThat(decoded.event().namespace()).isNull();
        assertThat(decoded.event().durationMs()).isNull();
        assertThat(decoded.event().parentEventId()).isNull();
    }

    @Test
    void anExplicitNullRequiredFieldIsReportedAsMissing() {
        ObjectNode item = validItem();
        item.putNull("actor_id");
        item.putNull("event_timestamp");
        item.putNull("event_data");

        assertThat(violationsOf(item))
                .containsExactly(
                        new FieldViolation("event_timestamp", "is required (RFC 3339 with offset)"),
                        new FieldViolation("actor_id", "is required: 1 to 255 characters"),
                        new FieldViolation(
                                "event_data", "is required: a JSON object ({} when there is nothing to add)"));
    }

    @Test
    void anExplicitNullEventIdGetsANewId() {
        ObjectNode item = validItem();
        item.putNull("event_id");

        EventDecoder.Decoded decoded = decode(item);

        assertThat(decoded.valid()).isTrue();
        assertThat(decoded.eventId().version()).isEqualTo(7);
    }

    @Test
    void nulInAStringValueIsRejected() throws Exception {
        ObjectNode item = validItem();
        item.set("correlation_id", AuditJson.mapper().readTree("\"rr\\u0000x\""));

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "correlation_id", "must not contain the NUL character (U+0000, at index 2)"));
    }

    @Test
    void nulInAnEventDataKeyIsRejectedWithoutANulInTheReport() throws Exception {
        ObjectNode item = validItem();
        item.set("event_data", AuditJson.mapper().readTree("{\"ok\":1,\"a\\u0000b\":2}"));

        List<FieldViolation> violations = violationsOf(item);

        assertThat(violations)
                .containsExactly(new FieldViolation(
                        "event_data.a\\u0000b (key)", "must not contain the NUL character (U+0000, at index 1)"));
        assertThat(violations.get(0).field()).doesNotContain("\u0000");
    }

    @Test
    void nulInAnEventDataValueIsRejectedWithItsPath() throws Exception {
        ObjectNode item = validItem();
        item.set("event_data", AuditJson.mapper().readTree("{\"list\":[\"fine\",\"\\u0000\"]}"));

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "event_data.list[1]", "must not contain the NUL character (U+0000, at index 0)"));
    }

    @Test
    void anUnpairedSurrogateEscapeIsRejected() throws Exception {
        ObjectNode item = item(AuditJson.mapper()
                .writeValueAsString(validItem())
                .replace("\"remediation-orchestrator\"", "\"remediation\\ud800orchestrator\""));

        assertThat(violationsOf(item))
                .containsExactly(
                        new FieldViolation("actor_id", "must be valid Unicode text (unpaired surrogate at index 11)"));
    }

    @Test
    void aPairedSurrogateEscapeIsAccepted() throws Exception {
        ObjectNode item = item(AuditJson.mapper()
                .writeValueAsString(validItem())
                .replace("\"remediation-orchestrator\"", "\"remediation\\ud83d\\ude00\""));

        EventDecoder.Decoded decoded = decode(item);

        assertThat(decoded.valid()).isTrue();
        assertThat(decoded.event().actorId()).isEqualTo("remediation\uD83D\uDE00");
    }

    @Test
    void eventDataNestedThirtyTwoDeepIsAccepted() throws Exception {
        ObjectNode item = validItem();
        item.set("event_data", AuditJson.mapper().readTree(nestedObject(32)));

        assertThat(decode(item).valid()).isTrue();
    }

    @Test
    void eventDataNestedThirtyThreeDeepIsRejected() throws Exception {
        ObjectNode item = validItem();
        item.set("event_data", AuditJson.mapper().readTree(nestedObject(33)));

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("event_data", "must nest at most 32 levels deep (got 33)"));
    }

    @Test
    void eventDataOverTheNestingLimitInsideABatchIsStillReadAndRejectedPerEvent() throws Exception {
        ObjectNode item = validItem();
        item.set("event_data", AuditJson.mapper().readTree(nestedObject(33)));
        String batch = "{\"events\":[" + AuditJson.mapper().writeValueAsString(item) + "]}";

        JsonNode events = AuditJson.mapper().readTree(batch).get("events");

        assertThat(violationsOf(events.get(0)))
                .containsExactly(new FieldViolation("event_data", "must nest at most 32 levels deep (got 33)"));
    }

    @Test
    void eventDataExactlyAtTheSizeLimitIsAccepted() throws Exception {
        ObjectNode item = validItem();
        // {"p":"…"} is eight bytes around the padding
        item.putObject("event_data").put("p", "x".repeat(ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES - 8));

        assertThat(decode(item).valid()).isTrue();
    }

    @Test
    void eventDataOneByteOverTheSizeLimitIsRejected() {
        ObjectNode item = validItem();
        item.putObject("event_data").put("p", "x".repeat(ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES - 7));

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("event_data", "must be at most 262144 bytes as JSON (got 262145)"));
    }

    @Test
    void theServersOwnLimitsApply() {
        EventDecoder strict =
                new EventDecoder(new ValidationLimits(16, 2, Duration.ofMinutes(1), Duration.ofSeconds(1)));
        ObjectNode item = validItem();
        item.putObject("event_data").putObject("a").putObject("b");
        item.put("event_timestamp", "2026-11-26T18:31:04.123456Z");

        List<FieldViolation> violations =
                strict.decode(item, NOW.plusSeconds(61)).violations();

        assertThat(violations)
                .containsExactly(
                        new FieldViolation("event_data", "must nest at most 2 levels deep (got 3)"),
                        new FieldViolation(
                                "event_timestamp",
                                "must not be more than 1m in the past (got 2026-11-26T18:31:04.123456Z, 121s old)"));
    }

    @Test
    void timestampOlderThanMaxPastIsRejectedSayingHowOld() {
        ObjectNode item = validItem();
        item.put("event_timestamp", AuditJson.formatTimestamp(NOW.minus(Duration.ofDays(31))));

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "event_timestamp",
                        "must not be more than 30d in the past (got 2026-10-26T18:32:04.123456Z, 31d old)"));
    }

    @Test
    void timestampExactlyMaxPastOldIsAccepted() {
        ObjectNode item = validItem();
        item.put("event_timestamp", AuditJson.formatTimestamp(NOW.minus(Duration.ofDays(30))));

        assertThat(decode(item).valid()).isTrue();
    }

    @Test
    void timestampFurtherAheadThanMaxFutureIsRejectedSayingHowFar() {
        ObjectNode item = validItem();
        item.put("event_timestamp", AuditJson.formatTimestamp(NOW.plus(Duration.ofMinutes(16))));

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "event_timestamp",
                        "must not be more than 15m in the future (got 2026-11-26T18:48:04.123456Z, 16m ahead)"));
    }

    @Test
    void timestampExactlyMaxFutureAheadIsAccepted() {
        ObjectNode item = validItem();
        item.put("event_timestamp", AuditJson.formatTimestamp(NOW.plus(Duration.ofMinutes(15))));

        assertThat(decode(item).valid()).isTrue();
    }

    @Test
    void timestampWithAnOffsetIsStoredInUtc() {
        ObjectNode item = validItem();
        item.put("event_timestamp", "2026-11-26T20:31:04.123456+02:00");

        assertThat(decode(item).event().eventTimestamp()).isEqualTo(Instant.parse("2026-11-26T18:31:04.123456Z"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "yesterday | too short: expected YYYY-MM-DDTHH:MM:SS and an offset",
                "2026-11-26T18:31:04 | an offset is required: Z or ±HH:MM",
                "2026-11-26 | too short: expected YYYY-MM-DDTHH:MM:SS and an offset",
                "2026-11-26T25:00:00Z | hour must be 00-23 (got 25)"
            })
    void timestampThatIsNotRfc3339WithOffsetIsRejectedOnceNamingTheRule(String text, String rule) {
        ObjectNode item = validItem();
        item.put("event_timestamp", text);

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "event_timestamp",
                        "must be an RFC 3339 timestamp with offset, like 2026-01-31T12:00:00.000001Z (got \"" + text
                                + "\": " + rule + ")"));
    }

    @Test
    void missingTimestampIsRejected() {
        ObjectNode item = validItem();
        item.remove("event_timestamp");

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation("event_timestamp", "is required (RFC 3339 with offset)"));
    }

    @Test
    void unknownOutcomeIsRejectedListingTheChoices() {
        ObjectNode item = validItem();
        item.put("event_outcome", "sucess");

        assertThat(violationsOf(item))
                .containsExactly(new FieldViolation(
                        "event_outcome", "must be one of success, failure, pending (got \"sucess\")"));
    }

    @Test
    void everyProblemOfAnItemIsReportedAtOnce() {
        ObjectNode item = validItem();
        item.put("event_type", "Not Valid");
        item.put("event_outcome", "done");
        item.put("actor_type", 5);
        item.remove("resource_id");
        item.put("extra", true);
        item.put("event_timestamp", AuditJson.formatTimestamp(NOW.plus(Duration.ofHours(1))));
        item.put("trace_id", "xyz");

        assertThat(violationsOf(item))
                .extracting(FieldViolation::field)
                .containsExactlyInAnyOrder(
                        "event_type",
                        "event_outcome",
                        "actor_type",
                        "resource_id",
                        "extra",
                        "event_timestamp",
                        "trace_id");
    }

    @Test
    void decodingNeverThrowsAndIdsAreKeptForValidItems() {
        ObjectNode item = validItem();
        String id = UuidV7.next().toString();
        item.put("event_id", id);

        assertThat(decode(item).event().eventId()).hasToString(id);
    }
}

package dev.auditline.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.TestEvents;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AuditJsonTest {
    private final ObjectMapper mapper = AuditJson.mapper();

    private JsonNode tree(Object value) throws Exception {
        return mapper.readTree(mapper.writeValueAsString(value));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void anEventRoundTripsToAnEqualEvent() throws Exception {
        AuditEvent event = TestEvents.full().build();

        String json = mapper.writeValueAsString(event);

        assertThat(mapper.readValue(json, AuditEvent.class)).isEqualTo(event);
    }

    @Test
    void aStoredEventRoundTripsWithItsIngestionFields() throws Exception {
        AuditEvent stored = TestEvents.full().build().withIngestion(Instant.parse("2026-11-26T18:31:05.5Z"), 7, "ds-1");

        JsonNode json = tree(stored);

        assertThat(json.get("ingested_at").textValue()).isEqualTo("2026-11-26T18:31:05.500000Z");
        assertThat(json.get("ingest_seq").longValue()).isEqualTo(7);
        assertThat(json.get("ingested_by").textValue()).isEqualTo("ds-1");
        assertThat(mapper.treeToValue(json, AuditEvent.class)).isEqualTo(stored);
    }

    @Test
    void everyFieldIsWrittenInSnakeCase() throws Exception {
        JsonNode json = tree(TestEvents.full().build());

        assertThat(fieldNames(json))
                .containsExactly(
                        "event_id",
                        "version",
                        "event_type",
                        "event_category",
                        "event_action",
                        "event_outcome",
                        "event_timestamp",
                        "correlation_id",
                        "actor_type",
                        "actor_id",
                        "resource_type",
                        "resource_id",
                        "event_data",
                        "actor_ip",
                        "resource_name",
                        "parent_event_id",
                        "namespace",
                        "cluster_id",
                        "severity",
                        "duration_ms",
                        "error_code",
                        "error_message",
                        "trace_id",
                        "span_id");
    }

    @Test
    void absentOptionalsAreOmittedNotWrittenAsNull() throws Exception {
        String json = mapper.writeValueAsString(TestEvents.minimal().build());

        assertThat(json).doesNotContain("null", "actor_ip", "ingested_at", "ingest_seq", "duration_ms");
        assertThat(fieldNames(mapper.readTree(json))).hasSize(13);
    }

    @Test
    void timestampIsWrittenInUtcWithExactlySixFractionalDigits() throws Exception {
        AuditEvent event = TestEvents.minimal()
                .eventTimestamp(Instant.parse("2026-11-26T18:31:04.123456789Z"))
                .build();

        assertThat(mapper.writeValueAsString(event)).contains("\"event_timestamp\":\"2026-11-26T18:31:04.123456Z\"");
    }

    @Test
    void wholeSecondTimestampStillHasSixFractionalDigits() {
        assertThat(AuditJson.formatTimestamp(Instant.parse("2026-01-31T12:00:00Z")))
                .isEqualTo("2026-01-31T12:00:00.000000Z");
    }

    @Test
    void timestampIsWrittenAsTheMicrosecondFormatterWritesItInEveryYear() {
        DateTimeFormatter reference =
                DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z").plusNanos(1),
                Instant.parse("1969-12-31T23:59:59.999999Z"),
                Instant.EPOCH,
                Instant.parse("2024-02-29T23:59:59.000001Z"),
                Instant.parse("-0001-12-31T23:59:59.5Z"),
                Instant.parse("0001-01-01T00:00:00Z"),
                Instant.parse("1969-12-31T23:59:59.999999999Z"),
                Instant.parse("2026-11-26T18:31:04.123456789Z"),
                Instant.parse("2028-02-29T07:08:09.000001Z"),
                Instant.parse("9999-12-31T23:59:59.999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59Z")));
        SplittableRandom random = new SplittableRandom(7);
        long first = Instant.parse("-0100-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("+10100-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong(first, last), random.nextInt(1_000_000_000)));
        }

        for (Instant instant : instants) {
            assertThat(AuditJson.formatTimestamp(instant)).as("%s", instant).isEqualTo(reference.format(instant));
        }
    }

    @Test
    void timestampWithAnOffsetIsReadAsTheSameInstantInUtc() throws Exception {
        String json = mapper.writeValueAsString(TestEvents.minimal().build())
                .replace("2026-11-26T18:31:04.123456Z", "2026-11-26T20:31:04.123456+02:00");

        AuditEvent read = mapper.readValue(json, AuditEvent.class);

        assertThat(read.eventTimestamp()).isEqualTo(Instant.parse("2026-11-26T18:31:04.123456Z"));
        assertThat(mapper.writeValueAsString(read)).contains("\"event_timestamp\":\"2026-11-26T18:31:04.123456Z\"");
    }

    @Test
    void parseTimestampTruncatesToMicroseconds() {
        assertThat(AuditJson.parseTimestamp("2026-01-31T12:00:00.123456789-05:00"))
                .isEqualTo(Instant.parse("2026-01-31T17:00:00.123456Z"));
    }

    @Test
    void parseTimestampRejectsATimestampWithoutOffset() {
        assertThatThrownBy(() -> AuditJson.parseTimestamp("2026-01-31T12:00:00"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("must be an RFC 3339 timestamp with offset, like 2026-01-31T12:00:00.000001Z"
                        + " (got \"2026-01-31T12:00:00\": an offset is required: Z or ±HH:MM)");
    }

    @Test
    void readingATimestampThatIsNotAStringNamesTheFieldAndTheTokenFound() {
        assertThatThrownBy(() -> mapper.readValue("{\"event_timestamp\":{}}", AuditEvent.class))
                .isInstanceOf(MismatchedInputException.class)
                .hasMessageContaining("java.time.Instant")
                .hasMessageContaining("START_OBJECT")
                .hasMessageContaining("event_timestamp");
    }

    @Test
    void readingATimestampThatIsNotRfc3339SaysWhatWasExpected() {
        assertThatThrownBy(() -> mapper.readValue("{\"event_timestamp\":\"yesterday\"}", AuditEvent.class))
                .isInstanceOf(InvalidFormatException.class)
                .hasMessageContaining("must be an RFC 3339 timestamp with offset");
    }

    @Test
    void eventDataIsWrittenAsANestedObjectNotAString() throws Exception {
        AuditEvent event = TestEvents.minimal()
                .eventData(Map.of("approver", "alice", "steps", List.of(1, 2)))
                .build();

        JsonNode data = tree(event).get("event_data");

        assertThat(data.isObject()).isTrue();
        assertThat(data.get("approver").textValue()).isEqualTo("alice");
        assertThat(data.get("steps").isArray()).isTrue();
    }

    @Test
    void emptyEventDataIsWrittenAsAnEmptyObject() throws Exception {
        assertThat(mapper.writeValueAsString(TestEvents.minimal().build())).contains("\"event_data\":{}");
    }

    @Test
    void outcomeIsWrittenInLowerCase() throws Exception {
        AuditEvent event =
                TestEvents.minimal().eventOutcome(EventOutcome.FAILURE).build();

        assertThat(tree(event).get("event_outcome").textValue()).isEqualTo("failure");
    }

    @Test
    void controlCharactersInTextAreEscaped() throws Exception {
        AuditEvent event = TestEvents.minimal().errorMessage("line\nnext\u0001").build();

        assertThat(mapper.writeValueAsString(event)).contains("\"error_message\":\"line\\nnext\\u0001\"");
    }

    @Test
    void createReturnsAnIndependentMapperWithTheSameWireFormat() throws Exception {
        ObjectMapper own = AuditJson.create();
        AuditEvent event = TestEvents.full().build();

        assertThat(own).isNotSameAs(mapper);
        assertThat(own.writeValueAsString(event)).isEqualTo(mapper.writeValueAsString(event));
    }

    @Test
    void documentsNestedDeeperThanTheLimitAreRefusedWhileReading() {
        String deep = "[".repeat(AuditJson.MAX_DOCUMENT_DEPTH + 1) + "]".repeat(AuditJson.MAX_DOCUMENT_DEPTH + 1);

        assertThatThrownBy(() -> mapper.readTree(deep)).hasMessageContaining("nesting depth");
    }
}

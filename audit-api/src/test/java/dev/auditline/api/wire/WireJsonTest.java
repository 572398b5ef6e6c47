package dev.auditline.api.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.TestEvents;
import dev.auditline.api.json.AuditJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WireJsonTest {
    private static final UUID ID = UUID.fromString("0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f");

    private final ObjectMapper mapper = AuditJson.mapper();

    @Test
    void batchRequestIsAnObjectWithAnEventsArray() throws Exception {
        AuditEvent event = TestEvents.minimal().build();

        JsonNode json = mapper.readTree(mapper.writeValueAsString(new BatchRequest(List.of(event, event))));

        assertThat(json.size()).isEqualTo(1);
        assertThat(json.get("events").isArray()).isTrue();
        assertThat(json.get("events").get(1).get("event_id").textValue())
                .isEqualTo(event.eventId().toString());
    }

    @Test
    void batchRequestRoundTrips() throws Exception {
        BatchRequest request = new BatchRequest(
                List.of(TestEvents.full().build(), TestEvents.minimal().build()));

        assertThat(mapper.readValue(mapper.writeValueAsString(request), BatchRequest.class))
                .isEqualTo(request);
    }

    @Test
    void batchRequestKeepsItsOwnCopyOfTheEvents() {
        List<AuditEvent> events = new ArrayList<>(List.of(TestEvents.minimal().build()));
        BatchRequest request = new BatchRequest(events);

        events.clear();

        assertThat(request.events()).hasSize(1);
    }

    @Test
    void batchResponseHasTheDesignedShape() throws Exception {
        BatchResponse response = new BatchResponse(
                1,
                1,
                1,
                List.of(
                        new ItemResult(1, ID, ItemStatus.DUPLICATE, null),
                        new ItemResult(2, null, ItemStatus.REJECTED, new FieldViolation("actor_id", "is required"))));

        assertThat(mapper.writeValueAsString(response))
                .isEqualTo("{\"created\":1,\"duplicates\":1,\"rejected\":1,\"conflicts\":0,\"results\":["
                        + "{\"index\":1,\"event_id\":\"0190f3c2-7b1a-7c3e-9d2f-4a5b6c7d8e9f\",\"status\":\"duplicate\"},"
                        + "{\"index\":2,\"status\":\"rejected\",\"error\":{\"field\":\"actor_id\",\"detail\":\"is required\"}}"
                        + "]}");
    }

    @Test
    void batchResponseRoundTrips() throws Exception {
        BatchResponse response = new BatchResponse(
                0, 0, 1, List.of(new ItemResult(0, ID, ItemStatus.REJECTED, new FieldViolation("version", "bad"))));

        assertThat(mapper.readValue(mapper.writeValueAsString(response), BatchResponse.class))
                .isEqualTo(response);
    }

    @Test
    void batchResponseWithoutResultsWritesAnEmptyArray() throws Exception {
        assertThat(mapper.writeValueAsString(new BatchResponse(1000, 0, 0, null)))
                .isEqualTo("{\"created\":1000,\"duplicates\":0,\"rejected\":0,\"conflicts\":0,\"results\":[]}");
    }

    @Test
    void batchResponseWithResultsOmittedReadsAsEmpty() throws Exception {
        BatchResponse read = mapper.readValue("{\"created\":3,\"duplicates\":0,\"rejected\":0}", BatchResponse.class);

        assertThat(read.results()).isEmpty();
    }

    @Test
    void itemStatusesUseLowerCaseWireNames() {
        assertThat(List.of(ItemStatus.values()))
                .extracting(ItemStatus::wireName)
                .containsExactly("created", "duplicate", "rejected", "conflict");
        assertThat(ItemStatus.fromWire("duplicate")).isEqualTo(ItemStatus.DUPLICATE);
        assertThat(ItemStatus.fromWire("conflict")).isEqualTo(ItemStatus.CONFLICT);
        assertThat(List.of(ItemStatus.values()))
                .filteredOn(ItemStatus::isRefused)
                .containsExactly(ItemStatus.REJECTED, ItemStatus.CONFLICT);
    }

    @Test
    void aConflictReadsBackWithItsCountAndAnAnswerWithoutConflictsReadsAsZero() throws Exception {
        BatchResponse read = mapper.readValue(
                "{\"created\":0,\"duplicates\":0,\"rejected\":0,\"conflicts\":1,\"results\":[{\"index\":0,"
                        + "\"status\":\"conflict\",\"error\":{\"field\":\"event_id\",\"detail\":\"x\"}}]}",
                BatchResponse.class);
        BatchResponse older = mapper.readValue("{\"created\":3,\"duplicates\":0,\"rejected\":0}", BatchResponse.class);

        assertThat(read.conflicts()).isEqualTo(1);
        assertThat(read.results().get(0).status()).isEqualTo(ItemStatus.CONFLICT);
        assertThat(older.conflicts()).isZero();
    }

    @Test
    void problemWritesTheRfc7807MembersAndExtensionsAtTopLevel() throws Exception {
        Problem problem = new Problem(
                        "https://auditline.dev/problems/too-many-events",
                        "Too many events",
                        400,
                        "a batch holds at most 5000 events (got 5001)",
                        "/api/v1/audit/events/batch")
                .with("field", "events")
                .with("limit", 5000);

        assertThat(mapper.writeValueAsString(problem))
                .isEqualTo("{\"type\":\"https://auditline.dev/problems/too-many-events\",\"title\":\"Too many events\","
                        + "\"status\":400,\"detail\":\"a batch holds at most 5000 events (got 5001)\","
                        + "\"instance\":\"/api/v1/audit/events/batch\",\"field\":\"events\",\"limit\":5000}");
    }

    @Test
    void problemOmitsAbsentMembersAndHasNoExtensionsWrapper() throws Exception {
        Problem problem = new Problem("about:blank", "Service Unavailable", 503, null, null);

        assertThat(mapper.writeValueAsString(problem))
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}");
    }

    @Test
    void problemReadsUnknownMembersBackAsExtensions() throws Exception {
        Problem read = mapper.readValue(
                "{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"retry_after_seconds\":3}",
                Problem.class);

        assertThat(read.status()).isEqualTo(429);
        assertThat(read.extensions()).containsExactly(Map.entry("retry_after_seconds", 3));
    }

    @Test
    void problemWithLeavesTheOriginalUnchanged() {
        Problem original = new Problem("about:blank", "Bad Request", 400, null, null);

        Problem extended = original.with("field", "events");

        assertThat(original.extensions()).isEmpty();
        assertThat(extended.extensions()).containsExactly(Map.entry("field", "events"));
    }

    @Test
    void serverLimitsAreWrittenInSnakeCase() throws Exception {
        assertThat(mapper.writeValueAsString(new ServerLimits(5000, 16L << 20, 262_144)))
                .isEqualTo("{\"max_batch_size\":5000,\"max_request_bytes\":16777216,\"max_event_data_bytes\":262144}");
    }
}

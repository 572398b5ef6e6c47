package dev.auditline.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventBatchCodecTest {
    @TempDir
    Path dir;

    static AuditEvent event(String correlationId) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.SUCCESS)
                .eventTimestamp(Instant.parse("2026-11-26T12:00:00.123456Z"))
                .correlationId(correlationId)
                .actor("service", "remediation-orchestrator")
                .resource("remediation_request", "rr-42")
                .eventData(Map.of("step", 3, "note", "ok"))
                .durationMs(12L)
                .build();
    }

    @Test
    void encodesABatchAsTheBodyOfABatchRequest() {
        byte[] payload = EventBatchCodec.encode(List.of(event("rr-42")));
        assertThat(new String(payload, StandardCharsets.UTF_8))
                .startsWith("{\"events\":[{\"event_id\":")
                .contains("\"event_outcome\":\"success\"", "\"event_timestamp\":\"2026-11-26T12:00:00.123456Z\"");
    }

    @Test
    void decodesWhatItEncoded() throws IOException {
        List<AuditEvent> events = List.of(event("rr-1"), event("rr-2"));
        assertThat(EventBatchCodec.decode(EventBatchCodec.encode(events))).isEqualTo(events);
    }

    @Test
    void spooledBatchesSurviveARoundTripThroughTheSpool() throws Exception {
        List<AuditEvent> events = List.of(event("rr-1"), event("rr-2"));
        try (Spool spool = Spool.open(SpoolConfig.of(dir))) {
            spool.append(EventBatchCodec.encode(events));
            spool.seal();
            List<List<AuditEvent>> replayed = new java.util.ArrayList<>();
            spool.replay(p -> {
                try {
                    return replayed.add(EventBatchCodec.decode(p));
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(replayed).containsExactly(events);
        }
    }

    @Test
    void refusesToDecodeSomethingElse() {
        assertThatThrownBy(() -> EventBatchCodec.decode("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void refusesAnEmptyBatch() {
        assertThatThrownBy(() -> EventBatchCodec.encode(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("events must not be empty (got 0 events)");
    }
}

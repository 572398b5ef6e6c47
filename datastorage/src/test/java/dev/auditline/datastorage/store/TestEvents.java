package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import java.time.Instant;
import java.util.UUID;

/** Events for the store tests. */
final class TestEvents {

    private TestEvents() {}

    /** A valid event with only the required fields. */
    static AuditEvent.Builder minimal(String correlationId, Instant timestamp) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.SUCCESS)
                .eventTimestamp(timestamp)
                .correlationId(correlationId)
                .actor("service", "remediation-orchestrator")
                .resource("remediation", "rr-1");
    }

    static AuditEvent event(String correlationId, Instant timestamp) {
        return minimal(correlationId, timestamp).build();
    }

    /** Every optional field set, microsecond timestamp, nested event_data of all JSON types. */
    static AuditEvent full(String correlationId, Instant timestamp) {
        return minimal(correlationId, timestamp)
                .eventOutcome(EventOutcome.FAILURE)
                .eventData(EventData.parse("{\"reason\":\"quota exceeded ✓ ü 日本\",\"attempt\":3,\"ratio\":0.25,"
                        + "\"big\":9007199254740993,\"ok\":false,\"missing\":null,"
                        + "\"steps\":[\"plan\",{\"name\":\"apply\",\"ms\":12}],\"nested\":{\"a\":{\"b\":[1,2,3]}}}"))
                .actorIp("2001:db8::1")
                .resourceName("payments-db")
                .parentEventId(UUID.randomUUID())
                .namespace("prod")
                .clusterId("eu-west-1a")
                .severity("high")
                .durationMs(1234L)
                .errorCode("E_QUOTA")
                .errorMessage("quota \"cpu\" exceeded\nretry later")
                .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
                .spanId("00f067aa0ba902b7")
                .build();
    }
}

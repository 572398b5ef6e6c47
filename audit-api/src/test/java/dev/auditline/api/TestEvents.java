package dev.auditline.api;

import java.time.Instant;
import java.util.Map;

/** Valid events to start from; each test breaks exactly the rule it is about. */
public final class TestEvents {
    public static final Instant TIMESTAMP = Instant.parse("2026-11-26T18:31:04.123456Z");

    private TestEvents() {}

    /** Every required field set, nothing optional. */
    public static AuditEvent.Builder minimal() {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.PENDING)
                .eventTimestamp(TIMESTAMP)
                .correlationId("rr-2026-0001")
                .actor("service", "remediation-orchestrator")
                .resource("remediation_request", "rr-2026-0001");
    }

    /** Every field set, optional ones included. */
    public static AuditEvent.Builder full() {
        return minimal()
                .eventData(Map.of("approver", "alice", "steps", java.util.List.of(1, 2, 3)))
                .actorIp("10.1.2.3")
                .resourceName("restart payments pod")
                .parentEventId(UuidV7.forMillis(TIMESTAMP.toEpochMilli() - 1))
                .namespace("payments")
                .clusterId("eu-west-1a")
                .severity("high")
                .durationMs(1250L)
                .errorCode("E_TIMEOUT")
                .errorMessage("approval timed out")
                .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
                .spanId("00f067aa0ba902b7");
    }
}

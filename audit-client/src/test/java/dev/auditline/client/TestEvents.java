package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import java.util.Map;

/** Valid events for tests. */
final class TestEvents {
    private TestEvents() {}

    static AuditEvent event(int n) {
        return base(n).build();
    }

    /** An event whose {@code event_data} holds a string of {@code padding} characters. */
    static AuditEvent eventWithPadding(int n, int padding) {
        return base(n).eventData(Map.of("padding", "x".repeat(padding))).build();
    }

    private static AuditEvent.Builder base(int n) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId("rr-" + n)
                .actor("service", "remediation-orchestrator")
                .resource("remediation_request", "rr-" + n);
    }
}

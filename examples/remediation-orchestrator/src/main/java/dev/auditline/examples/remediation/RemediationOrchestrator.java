package dev.auditline.examples.remediation;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A stand-in for a service that remediates incidents: each remediation request goes through
 * started → approval requested → completed, and each step is recorded as an audit event under the
 * request's name as correlation id, so the whole flow reads back as one trail.
 */
final class RemediationOrchestrator {
    static final String SERVICE = "remediation-orchestrator";

    private final AuditStore audit;

    RemediationOrchestrator(AuditStore audit) {
        this.audit = Objects.requireNonNull(audit, "audit");
    }

    /**
     * Runs one remediation and records its lifecycle. Returns the events it stored, in order.
     * Storing never waits for the network: the audit client delivers in the background.
     */
    List<AuditEvent> remediate(String requestName, String target, String approver, Duration took) {
        AuditEvent started = event(
                        "orchestrator.lifecycle.started",
                        "lifecycle",
                        "started",
                        EventOutcome.SUCCESS,
                        requestName,
                        target)
                .eventData(Map.of("target", target, "playbook", "restart-pod"))
                .build();
        AuditEvent approval = event(
                        "orchestrator.approval.requested",
                        "orchestration",
                        "requested",
                        EventOutcome.PENDING,
                        requestName,
                        target)
                .parentEventId(started.eventId())
                .eventData(Map.of("approver", approver))
                .build();
        AuditEvent completed = event(
                        "orchestrator.lifecycle.completed",
                        "lifecycle",
                        "completed",
                        EventOutcome.SUCCESS,
                        requestName,
                        target)
                .parentEventId(started.eventId())
                .durationMs(took.toMillis())
                .eventData(Map.of("target", target, "result", "pod restarted"))
                .build();
        List<AuditEvent> lifecycle = List.of(started, approval, completed);
        lifecycle.forEach(audit::store);
        return lifecycle;
    }

    private static AuditEvent.Builder event(
            String type, String category, String action, EventOutcome outcome, String requestName, String target) {
        return AuditEvent.builder()
                .eventType(type)
                .eventCategory(category)
                .eventAction(action)
                .eventOutcome(outcome)
                .correlationId(requestName)
                .actor("service", SERVICE)
                .resource("remediation_request", requestName)
                .resourceName(target)
                .namespace("production");
    }
}

package dev.auditline.examples.springboot;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditStore;
import java.security.Principal;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /invoices/{id}/approve}: records who approved which invoice. {@code store()} only
 * buffers, so the request never waits for DataStorage.
 */
@RestController
class InvoiceController {
    private final AuditStore audit;

    InvoiceController(AuditStore audit) {
        this.audit = audit;
    }

    @PostMapping("/invoices/{id}/approve")
    ResponseEntity<Map<String, String>> approve(
            @PathVariable("id") String id,
            @RequestHeader(name = "X-Request-Id", required = false) String requestId,
            Principal user) {
        String correlationId = requestId != null ? requestId : UUID.randomUUID().toString();
        audit.store(AuditEvent.builder()
                .eventType("invoices.approval.granted")
                .eventCategory("approval")
                .eventAction("granted")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId(correlationId)
                .actor("user", user.getName())
                .resource("invoice", id)
                .eventData(Map.of("channel", "api"))
                .build());
        return ResponseEntity.ok(Map.of("invoice", id, "status", "approved", "correlation_id", correlationId));
    }
}

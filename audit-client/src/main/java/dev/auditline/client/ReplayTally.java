package dev.auditline.client;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import java.util.ArrayList;
import java.util.List;

/** What the server said about one replayed record, applied only once the whole record is through. */
final class ReplayTally {
    long acked;
    long oversize;
    final List<AuditEvent> rejected = new ArrayList<>();
    final List<FieldViolation> reasons = new ArrayList<>();

    void reject(AuditEvent event, FieldViolation reason) {
        rejected.add(event);
        reasons.add(reason);
    }
}

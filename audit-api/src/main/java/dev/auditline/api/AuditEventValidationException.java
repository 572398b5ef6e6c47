package dev.auditline.api;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown by {@link AuditEvent.Builder#build()} with every rule the event breaks, not just the first. */
public final class AuditEventValidationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<FieldViolation> violations;

    public AuditEventValidationException(List<FieldViolation> violations) {
        super("invalid audit event: "
                + violations.stream().map(FieldViolation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<FieldViolation> violations() {
        return violations;
    }
}

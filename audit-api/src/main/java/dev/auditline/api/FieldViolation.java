package dev.auditline.api;

import java.util.Objects;

/**
 * One broken rule of the event model: the field (snake_case wire name, nested paths dotted) and
 * what is wrong with it, naming the limit and the offending value.
 */
public record FieldViolation(String field, String detail) {
    public FieldViolation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return field + ": " + detail;
    }
}

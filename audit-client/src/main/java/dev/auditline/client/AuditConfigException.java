package dev.auditline.client;

import java.util.List;

/**
 * A client configuration that cannot be used, with every problem found, each prefixed by the key's
 * path ({@code audit.buffer.batch_size: must be ≤ buffer_size (got 20000 > 10000)}).
 *
 * <p>Thrown instead of falling back to defaults: a service with a broken audit configuration
 * should fail at start-up, where someone looks, rather than lose events quietly later.
 */
public final class AuditConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public AuditConfigException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem, {@code path: what is wrong (got value)}, in the order the keys are declared. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        StringBuilder sb = new StringBuilder("invalid audit client configuration (")
                .append(problems.size())
                .append(problems.size() == 1 ? " problem):" : " problems):");
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}

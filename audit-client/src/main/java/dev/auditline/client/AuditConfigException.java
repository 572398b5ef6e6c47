package dev.auditline.client;

import dev.auditline.api.internal.Secrets;
import java.util.List;

/**
 * A client configuration that cannot be used, with every problem found, each prefixed by the key's
 * path ({@code audit.buffer.batch_size: must be ≤ buffer_size (got 20000 > 10000)}). Problems quote
 * the values they refuse, so each is masked ({@link Secrets#mask}): a refused URL may hold a secret.
 *
 * <p>Thrown instead of falling back to defaults: a service with a broken audit configuration
 * should fail at start-up, where someone looks, rather than lose events quietly later.
 */
public final class AuditConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public AuditConfigException(List<String> problems) {
        super(message(masked(problems)));
        this.problems = masked(problems);
    }

    /** Each problem, {@code path: what is wrong (got value)}, in the order the keys are declared. */
    public List<String> problems() {
        return problems;
    }

    private static List<String> masked(List<String> problems) {
        return problems.stream().map(Secrets::mask).toList();
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

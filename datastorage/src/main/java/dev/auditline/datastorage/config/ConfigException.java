package dev.auditline.datastorage.config;

import dev.auditline.api.internal.Secrets;
import java.util.List;

/** A configuration that cannot be used; lists every problem found, each with its path. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        // every message is masked here, the one way out: a problem may quote a value that holds a secret
        super(Secrets.mask("invalid configuration " + source + ":\n  " + String.join("\n  ", problems)));
        this.problems = problems.stream().map(Secrets::mask).toList();
    }

    /** One line per problem: {@code server.max_batch_size: must be ≥ 1 (got 0)}. */
    public List<String> problems() {
        return problems;
    }
}

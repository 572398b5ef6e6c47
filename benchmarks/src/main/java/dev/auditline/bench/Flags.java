package dev.auditline.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} command-line flags of the load runs; unknown names fail fast. */
final class Flags {
    private final Map<String, String> values = new HashMap<>();

    /** @throws IllegalArgumentException for a flag not in {@code known} or one without a value */
    Flags(String[] args, Set<String> known) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + a + "\"; flags are --name value");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown flag --" + name + "; known: " + known);
            }
            values.put(name, value);
        }
    }

    String string(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    int positiveInt(String name, int otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        int n;
        try {
            n = Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number (got \"" + v + "\")", e);
        }
        if (n < 1) {
            throw new IllegalArgumentException("--" + name + " must be ≥ 1 (got " + n + ")");
        }
        return n;
    }

    boolean bool(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }
}

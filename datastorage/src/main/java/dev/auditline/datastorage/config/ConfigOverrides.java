package dev.auditline.datastorage.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Values that replace the YAML file's: the command line's ({@code --listen}) and the environment's,
 * in the client's convention: {@value #ENV_PREFIX} followed by the key's path upper-cased with dots
 * and underscores as underscores ({@code server.listen} → {@code DATASTORAGE_SERVER_LISTEN}, {@code
 * storage.fallback_spool.dir} → {@code DATASTORAGE_STORAGE_FALLBACK_SPOOL_DIR}). Command line beats
 * environment beats file beats default.
 *
 * <p>The rule is applied to every key the loader reads, so a key added to the file format gets its
 * variable without further code. A variable under one of the file's sections that names no key is
 * an error, like an unknown key in the file; other {@code DATASTORAGE_*} variables are left alone
 * (Kubernetes, for one, sets {@code DATASTORAGE_SERVICE_HOST} and {@code DATASTORAGE_PORT} for a
 * Service named {@code datastorage}).
 */
public final class ConfigOverrides {
    static final String ENV_PREFIX = "DATASTORAGE_";
    /** The file's top-level sections; variables below them must name a key. */
    private static final List<String> SECTIONS = List.of("server", "storage", "validation", "retention");

    /** One replacing value and where it came from, for messages. */
    record Override(String value, String origin) {}

    private final Map<String, String> env;
    private final Map<String, Override> commandLine;
    private final Set<String> consulted = new HashSet<>();

    private ConfigOverrides(Map<String, String> env, Map<String, Override> commandLine) {
        this.env = Map.copyOf(env);
        this.commandLine = Map.copyOf(commandLine);
    }

    /** No overrides: the file and the defaults only. */
    public static ConfigOverrides none() {
        return new ConfigOverrides(Map.of(), Map.of());
    }

    public static ConfigOverrides fromEnvironment(Map<String, String> env) {
        return new ConfigOverrides(env, Map.of());
    }

    /** A copy with {@code path} set from the command line option {@code option}. */
    public ConfigOverrides withCommandLine(String path, String value, String option) {
        Map<String, Override> copy = new LinkedHashMap<>(commandLine);
        copy.put(path, new Override(value, option));
        return new ConfigOverrides(env, copy);
    }

    static String envName(String path) {
        return ENV_PREFIX + path.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The value replacing the key at {@code path}, or {@code null}; remembers the key as known. */
    Override find(String path) {
        String name = envName(path);
        consulted.add(name);
        Override fromCommandLine = commandLine.get(path);
        if (fromCommandLine != null) {
            return fromCommandLine;
        }
        String value = env.get(name);
        return value == null ? null : new Override(value, name);
    }

    /** Problems for variables under a section of the file that named no key the loader read. */
    List<String> unknownVariables() {
        TreeSet<String> unknown = new TreeSet<>();
        for (String name : env.keySet()) {
            boolean ours =
                    SECTIONS.stream().anyMatch(s -> name.startsWith(ENV_PREFIX + s.toUpperCase(Locale.ROOT) + "_"));
            if (ours && !consulted.contains(name)) {
                unknown.add(name);
            }
        }
        List<String> problems = new ArrayList<>();
        for (String name : unknown) {
            problems.add(name + ": unknown setting in the environment (known: "
                    + String.join(", ", new TreeSet<>(consulted)) + ")");
        }
        return problems;
    }
}

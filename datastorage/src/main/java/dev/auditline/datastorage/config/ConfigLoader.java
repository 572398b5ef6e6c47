package dev.auditline.datastorage.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import dev.auditline.datastorage.store.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads DataStorage's YAML file into a {@link DataStorageConfig}. Every problem is collected with
 * its path ({@code server.max_batch_size: must be ≥ 1 (got 0)}) and reported at once in one
 * {@link ConfigException}; unknown keys are errors, because a misspelt key silently falling back
 * to its default is how a production server ends up open or unbounded.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final long MIN_FALLBACK_SPOOL_BYTES = 1L << 20;
    private static final long MAX_FALLBACK_SPOOL_BYTES = 1L << 40;

    private ConfigLoader() {}

    /**
     * @throws ConfigException listing every problem, or naming the file when it cannot be read
     */
    public static DataStorageConfig load(Path file) {
        return load(file, ConfigOverrides.none());
    }

    /** As {@link #load(Path)}, with environment and command line values replacing the file's. */
    public static DataStorageConfig load(Path file, ConfigOverrides overrides) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + e));
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent(), overrides);
    }

    /**
     * Parses YAML text; relative file paths in it resolve against {@code baseDir} (the config
     * file's directory), so a config works the same from any working directory.
     */
    public static DataStorageConfig parse(String yaml, String source, Path baseDir) {
        return parse(yaml, source, baseDir, ConfigOverrides.none());
    }

    /**
     * As {@link #parse(String, String, Path)}, with {@code overrides} replacing the file's values; a
     * relative path given there resolves against the working directory.
     */
    public static DataStorageConfig parse(String yaml, String source, Path baseDir, ConfigOverrides overrides) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        Section top = new Section("", root == null || root.isMissingNode() ? null : root, problems, overrides);
        DataStorageConfig config = read(top, baseDir, problems);
        top.rejectUnknown();
        problems.addAll(overrides.unknownVariables());
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return config;
    }

    private static DataStorageConfig read(Section top, Path baseDir, List<String> problems) {
        Section server = top.section("server");
        ServerConfig ds = ServerConfig.DEFAULT;
        String listen = server.text("listen", ds.listen());
        String host = ds.host();
        int port = ds.port();
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1) {
            problems.add("server.listen: must be host:port, like 127.0.0.1:8080 or 0.0.0.0:8080 (got \""
                    + ConfigValues.shorten(listen) + "\")");
        } else {
            host = listen.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    problems.add("server.listen: port must be between 0 and 65535 (got " + port + ")");
                }
            } catch (NumberFormatException e) {
                problems.add("server.listen: port must be a number (got \""
                        + ConfigValues.shorten(listen.substring(colon + 1)) + "\")");
            }
        }
        int maxBatchSize = server.integer("max_batch_size", ds.maxBatchSize(), 1, 100_000);
        long maxRequestBytes = server.size("max_request_bytes", ds.maxRequestBytes(), 1024, 1L << 30);
        Section auth = server.section("auth");
        Path tokensFile = auth.file("tokens_file", baseDir, true);
        auth.rejectUnknown();
        Duration shutdownTimeout =
                server.duration("shutdown_timeout", ds.shutdownTimeout(), Duration.ofMillis(1), Duration.ofMinutes(10));
        Duration ingestWait = server.duration("ingest_wait", ds.ingestWait(), Duration.ZERO, Duration.ofSeconds(30));
        ConnectionLimits connections = readConnections(server, maxRequestBytes, problems);
        boolean accessLog = server.bool("access_log", ds.accessLog());
        server.rejectUnknown();

        Section storage = top.section("storage");
        StorageSettings dst = StorageSettings.DEFAULT;
        String url = storage.text("url", dst.url());
        if (url.startsWith("postgresql://")) {
            url = "jdbc:" + url;
        }
        try {
            StorageConfig.of(url);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage().replaceFirst("^storage\\.url ", "storage.url: "));
        }
        Path credentialsFile = storage.file("credentials_file", baseDir, true);
        String username = null;
        String password = null;
        if (credentialsFile != null && Files.isReadable(credentialsFile)) {
            if (url.contains("sqlite:")) {
                problems.add("storage.credentials_file: SQLite takes no credentials; remove the key or use a"
                        + " PostgreSQL url");
            }
            String[] userAndPassword = readCredentials("storage.credentials_file", credentialsFile, problems);
            username = userAndPassword[0];
            password = userAndPassword[1];
        }
        Path ownerCredentialsFile = storage.file("owner_credentials_file", baseDir, true);
        StorageSettings.Owner owner = null;
        if (ownerCredentialsFile != null && Files.isReadable(ownerCredentialsFile)) {
            if (url.contains("sqlite:")) {
                problems.add("storage.owner_credentials_file: SQLite has no roles; remove the key or use a"
                        + " PostgreSQL url");
            } else if (credentialsFile == null) {
                problems.add("storage.owner_credentials_file: needs storage.credentials_file too, naming the runtime"
                        + " user the server connects as");
            }
            String[] ownerUserAndPassword =
                    readCredentials("storage.owner_credentials_file", ownerCredentialsFile, problems);
            if (ownerUserAndPassword[0] != null && ownerUserAndPassword[1] != null) {
                owner = new StorageSettings.Owner(
                        ownerCredentialsFile, ownerUserAndPassword[0], ownerUserAndPassword[1]);
                if (owner.username().equals(username)) {
                    problems.add("storage.owner_credentials_file: names the same user as storage.credentials_file ("
                            + username + "); give the runtime its own role, or leave the owner out");
                }
            }
        }
        int poolSize = storage.integer("pool_size", dst.poolSize(), 1, 1000);
        int partitionsAhead = storage.integer("partitions_ahead", dst.partitionsAhead(), 0, 120);
        Duration connectionTimeout = storage.duration(
                "connection_timeout", dst.connectionTimeout(), Duration.ofMillis(250), Duration.ofMinutes(5));
        Section spool = storage.section("fallback_spool");
        Path spoolDir = spool.file("dir", baseDir, false);
        long spoolMaxBytes = spool.size(
                "max_bytes", dst.fallbackSpoolMaxBytes(), MIN_FALLBACK_SPOOL_BYTES, MAX_FALLBACK_SPOOL_BYTES);
        if (spoolMaxBytes < maxRequestBytes) {
            // one batch is one spool record: a bound below the largest request refuses such a batch forever
            problems.add("storage.fallback_spool.max_bytes: must be ≥ server.max_request_bytes (got "
                    + ConfigValues.formatSize(spoolMaxBytes) + " < " + ConfigValues.formatSize(maxRequestBytes) + ")");
        }
        spool.rejectUnknown();
        storage.rejectUnknown();

        Section validation = top.section("validation");
        ValidationConfig dv = ValidationConfig.DEFAULT;
        long maxEventDataBytes = validation.size("max_event_data_bytes", dv.maxEventDataBytes(), 2, Integer.MAX_VALUE);
        if (maxEventDataBytes > maxRequestBytes) {
            problems.add("validation.max_event_data_bytes: must be ≤ server.max_request_bytes (got "
                    + ConfigValues.formatSize(maxEventDataBytes) + " > " + ConfigValues.formatSize(maxRequestBytes)
                    + ")");
        }
        Duration maxPast = validation.duration("max_past", dv.maxPast(), Duration.ofMinutes(1), Duration.ofDays(3650));
        Duration maxFuture = validation.duration("max_future", dv.maxFuture(), Duration.ZERO, Duration.ofDays(1));
        validation.rejectUnknown();

        Section retention = top.section("retention");
        int defaultDays = retention.integer("default_days", RetentionConfig.DEFAULT.defaultDays(), 0, 36500);
        retention.rejectUnknown();

        Section log = top.section("log");
        LogConfig dl = LogConfig.DEFAULT;
        Path signingKeyFile = null;
        String keyText = log.text("signing_key_file", "");
        if (!keyText.isBlank()) {
            // a missing file is created with a new key at start; an existing one must be a file
            signingKeyFile = Path.of(keyText);
            if (!signingKeyFile.isAbsolute() && baseDir != null) {
                signingKeyFile = baseDir.resolve(signingKeyFile);
            }
            signingKeyFile = signingKeyFile.normalize();
            if (Files.isDirectory(signingKeyFile)) {
                problems.add("log.signing_key_file: must name a file (got \"" + ConfigValues.shorten(keyText)
                        + "\", a directory)");
            }
        }
        String origin = log.text("origin", null);
        if (origin != null && (origin.isBlank() || origin.contains("+") || origin.contains("\n"))) {
            problems.add("log.origin: must be one non-empty line without '+' (got \"" + ConfigValues.shorten(origin)
                    + "\")");
            origin = null;
        }
        Duration checkpointInterval = log.duration(
                "checkpoint_interval", dl.checkpointInterval(), Duration.ofMillis(10), Duration.ofHours(1));
        log.rejectUnknown();
        KubernetesConfig kubernetes = readKubernetes(top.section("kubernetes"), baseDir, problems);
        Section query = top.section("query");
        long maxPageBytes = query.size(
                "max_page_bytes",
                QueryConfig.DEFAULT.maxPageBytes(),
                QueryConfig.MIN_MAX_PAGE_BYTES,
                QueryConfig.MAX_MAX_PAGE_BYTES);
        query.rejectUnknown();

        return new DataStorageConfig(
                new ServerConfig(
                        host,
                        port,
                        maxBatchSize,
                        maxRequestBytes,
                        tokensFile,
                        shutdownTimeout,
                        ingestWait,
                        connections,
                        accessLog),
                new StorageSettings(
                        url,
                        credentialsFile,
                        username,
                        password,
                        poolSize,
                        partitionsAhead,
                        connectionTimeout,
                        spoolDir,
                        spoolMaxBytes,
                        owner),
                new ValidationConfig((int) maxEventDataBytes, maxPast, maxFuture),
                new RetentionConfig(defaultDays),
                new LogConfig(signingKeyFile, origin, checkpointInterval),
                kubernetes,
                new QueryConfig(maxPageBytes));
    }

    private static ConnectionLimits readConnections(Section server, long maxRequestBytes, List<String> problems) {
        ConnectionLimits dc = ConnectionLimits.defaults(maxRequestBytes);
        Duration bodyTimeout =
                server.duration("body_timeout", dc.bodyTimeout(), Duration.ofSeconds(1), Duration.ofHours(1));
        long minRate = server.size("min_request_data_rate", dc.minRequestDataRate(), 0, 1L << 30);
        long inFlight = server.size("max_body_bytes_in_flight", dc.maxBodyBytesInFlight(), 1024, 1L << 40);
        if (inFlight < maxRequestBytes) {
            // the largest allowed body could never be admitted: every such request would be refused forever
            problems.add("server.max_body_bytes_in_flight: must be ≥ server.max_request_bytes (got "
                    + ConfigValues.formatSize(inFlight) + " < " + ConfigValues.formatSize(maxRequestBytes) + ")");
            inFlight = maxRequestBytes;
        }
        return new ConnectionLimits(bodyTimeout, minRate, inFlight);
    }

    private static KubernetesConfig readKubernetes(Section k8s, Path baseDir, List<String> problems) {
        KubernetesConfig dk = KubernetesConfig.DEFAULT;
        List<String> stages = k8s.texts("stored_stages", dk.storedStagesSorted());
        Set<String> stored = new HashSet<>();
        for (String stage : stages) {
            if (!KubernetesAuditMapping.STAGES.contains(stage)) {
                problems.add("kubernetes.stored_stages: unknown stage \"" + ConfigValues.shorten(stage)
                        + "\" (known: Panic, RequestReceived, ResponseComplete, ResponseStarted)");
            } else {
                stored.add(stage);
            }
        }
        if (stages.isEmpty()) {
            problems.add("kubernetes.stored_stages: must name at least one stage (got an empty list)");
        }
        Section quarantine = k8s.section("quarantine");
        Path file = quarantine.file("file", baseDir, false);
        if (file != null && Files.isDirectory(file)) {
            problems.add("kubernetes.quarantine.file: must name a file, not a directory (got " + file + ")");
        }
        long maxBytes = quarantine.size("max_bytes", dk.quarantineMaxBytes(), 1024, 1L << 40);
        quarantine.rejectUnknown();
        k8s.rejectUnknown();
        return new KubernetesConfig(
                stored.isEmpty() ? dk.storedStages() : stored, file == null ? dk.quarantineFile() : file, maxBytes);
    }

    /**
     * {@code username} (or {@code user}) and {@code password} from the credentials file, each
     * {@code null} when absent.
     */
    private static String[] readCredentials(String key, Path file, List<String> problems) {
        String[] out = new String[2];
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (IOException e) {
            problems.add(key + ": cannot read " + file + " as YAML: " + e.getMessage());
            return out;
        }
        List<String> fileProblems = new ArrayList<>();
        Section s = new Section("", root, fileProblems, ConfigOverrides.none());
        String username = s.text("username", null);
        String user = s.text("user", null);
        if (username != null && user != null) {
            fileProblems.add("give either username or user, not both");
        }
        out[0] = username != null ? username : user;
        out[1] = s.text("password", null);
        s.rejectUnknown();
        if (out[0] == null || out[1] == null) {
            fileProblems.add("must hold both username (or user) and password");
        }
        for (String p : fileProblems) {
            // the values are secrets: report keys and shape only
            problems.add(key + " (" + file + "): " + p.replaceAll("\\(got .*\\)$", ""));
        }
        return out;
    }

    /** One mapping of the file; remembers which keys were read so the rest can be reported. */
    private static final class Section {
        private final String path;
        private final JsonNode node;
        private final List<String> problems;
        private final Set<String> known = new HashSet<>();
        private final ConfigOverrides overrides;
        /** Keys whose value came from an override, with its origin (for messages and path resolution). */
        private final java.util.Map<String, String> overridden = new java.util.HashMap<>();

        Section(String path, JsonNode node, List<String> problems, ConfigOverrides overrides) {
            this.path = path;
            this.problems = problems;
            this.overrides = overrides;
            if (node != null && !node.isNull() && !node.isObject()) {
                problems.add((path.isEmpty() ? "(top level)" : path) + ": must be a mapping of keys (got "
                        + describe(node) + ")");
                this.node = null;
            } else {
                this.node = node == null || node.isNull() ? null : node;
            }
        }

        Section section(String key) {
            // sections themselves are not overridden, only the values in them
            known.add(key);
            JsonNode v = node == null ? null : node.get(key);
            return new Section(fullPath(key), v == null || v.isNull() ? null : v, problems, overrides);
        }

        String text(String key, String fallback) {
            return scalar(key, fallback, s -> s);
        }

        /** A list of strings, given as a YAML list or as one comma-separated string. */
        List<String> texts(String key, List<String> fallback) {
            JsonNode v = value(key);
            if (v == null) {
                return fallback;
            }
            List<String> out = new ArrayList<>();
            if (v.isArray()) {
                for (JsonNode item : v) {
                    if (!item.isValueNode() || item.isNull()) {
                        problems.add(pathOf(key) + ": every entry must be a single value (got " + describe(item) + ")");
                        return fallback;
                    }
                    out.add(item.asText().trim());
                }
            } else if (v.isValueNode()) {
                for (String part : v.asText().split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            } else {
                problems.add(pathOf(key) + ": must be a list (got " + describe(v) + ")");
                return fallback;
            }
            return out;
        }

        int integer(String key, int fallback, int min, int max) {
            JsonNode v = value(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                problems.add(pathOf(key) + ": must be a whole number (got " + describe(v) + ")");
                return fallback;
            }
            int n = v.intValue();
            if (n < min || n > max) {
                problems.add(pathOf(key) + ": must be between " + min + " and " + max + " (got " + n + ")");
                return fallback;
            }
            return n;
        }

        long size(String key, long fallback, long min, long max) {
            JsonNode v = value(key);
            if (v == null) {
                return fallback;
            }
            long n = v.isIntegralNumber() ? v.longValue() : scalar(key, fallback, ConfigValues::parseSize);
            if (n < min || n > max) {
                problems.add(pathOf(key) + ": must be between " + ConfigValues.formatSize(min) + " and "
                        + ConfigValues.formatSize(max) + " (got " + ConfigValues.formatSize(n) + ")");
                return fallback;
            }
            return n;
        }

        boolean bool(String key, boolean fallback) {
            JsonNode v = value(key);
            if (v == null) {
                return fallback;
            }
            if (v.isBoolean()) {
                return v.booleanValue();
            }
            String t = v.isValueNode() ? v.asText().trim() : "";
            if (t.equals("true") || t.equals("false")) {
                return Boolean.parseBoolean(t);
            }
            problems.add(pathOf(key) + ": must be true or false (got " + describe(v) + ")");
            return fallback;
        }

        Duration duration(String key, Duration fallback, Duration min, Duration max) {
            Duration d = scalar(key, fallback, ConfigValues::parseDuration);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                problems.add(pathOf(key) + ": must be between " + ConfigValues.formatDuration(min) + " and "
                        + ConfigValues.formatDuration(max) + " (got " + ConfigValues.formatDuration(d) + ")");
                return fallback;
            }
            return d;
        }

        /** An optional path; empty means "not set". */
        Path file(String key, Path baseDir, boolean mustBeReadableFile) {
            String text = text(key, "");
            if (text.isBlank()) {
                return null;
            }
            Path p = Path.of(text);
            if (!p.isAbsolute() && baseDir != null && !overridden.containsKey(key)) {
                p = baseDir.resolve(p);
            }
            p = p.normalize();
            if (mustBeReadableFile && !(Files.isRegularFile(p) && Files.isReadable(p))) {
                problems.add(pathOf(key) + ": must name a readable file (got \"" + ConfigValues.shorten(text)
                        + "\", resolved to " + p + ")");
            } else if (!mustBeReadableFile && Files.exists(p) && !Files.isDirectory(p)) {
                problems.add(
                        pathOf(key) + ": must name a directory (got \"" + ConfigValues.shorten(text) + "\", a file)");
            }
            return p;
        }

        void rejectUnknown() {
            if (node == null) {
                return;
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!known.contains(name)) {
                    problems.add(pathOf(name) + ": unknown key (known here: " + String.join(", ", sorted(known)) + ")");
                }
            }
        }

        private <T> T scalar(String key, T fallback, Function<String, T> parse) {
            JsonNode v = value(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isValueNode()) {
                problems.add(pathOf(key) + ": must be a single value (got " + describe(v) + ")");
                return fallback;
            }
            try {
                return parse.apply(v.asText());
            } catch (IllegalArgumentException e) {
                problems.add(pathOf(key) + ": " + e.getMessage());
                return fallback;
            }
        }

        private JsonNode value(String key) {
            known.add(key);
            ConfigOverrides.Override override = overrides.find(fullPath(key));
            if (override != null) {
                overridden.put(key, override.origin());
                // read as a YAML scalar, so "5000" is a number and "16MiB" text, as in the file
                return overrideNode(override.value());
            }
            if (node == null) {
                return null;
            }
            JsonNode v = node.get(key);
            return v == null || v.isNull() ? null : v;
        }

        private String fullPath(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        /** The key's path for messages, naming the variable or option when the value came from one. */
        private String pathOf(String key) {
            String origin = overridden.get(key);
            return origin == null ? fullPath(key) : fullPath(key) + " (from " + origin + ")";
        }

        private static JsonNode overrideNode(String value) {
            try {
                JsonNode parsed = YAML.readTree(value);
                if (parsed != null && parsed.isValueNode() && !parsed.isNull()) {
                    return parsed;
                }
            } catch (JsonProcessingException e) {
                // not a YAML scalar: taken as the text it is
            }
            return com.fasterxml.jackson.databind.node.TextNode.valueOf(value);
        }

        private static List<String> sorted(Set<String> keys) {
            List<String> list = new ArrayList<>(keys);
            list.sort(null);
            return list;
        }

        private static String describe(JsonNode v) {
            if (v.isObject()) {
                return "a mapping";
            }
            if (v.isArray()) {
                return "a list";
            }
            return "\"" + ConfigValues.shorten(v.asText()) + "\"";
        }
    }
}

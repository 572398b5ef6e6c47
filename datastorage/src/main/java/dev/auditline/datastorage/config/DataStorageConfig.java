package dev.auditline.datastorage.config;

import dev.auditline.api.ValidationLimits;
import dev.auditline.api.internal.Secrets;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import dev.auditline.datastorage.store.StorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * DataStorage's whole configuration (DESIGN §6), as read from its YAML file by {@link ConfigLoader}.
 * Immutable; the loader has already checked every value, so the records only guard against
 * programming errors.
 */
public record DataStorageConfig(
        Server server,
        Storage storage,
        Validation validation,
        Retention retention,
        Log log,
        Kubernetes kubernetes,
        Query query) {

    public DataStorageConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(kubernetes, "kubernetes");
        Objects.requireNonNull(query, "query");
    }

    /** With the query limits at their defaults. */
    public DataStorageConfig(
            Server server,
            Storage storage,
            Validation validation,
            Retention retention,
            Log log,
            Kubernetes kubernetes) {
        this(server, storage, validation, retention, log, kubernetes, Query.DEFAULT);
    }

    /** With the verifiable log and the Kubernetes webhook at their defaults. */
    public DataStorageConfig(Server server, Storage storage, Validation validation, Retention retention) {
        this(server, storage, validation, retention, Log.DEFAULT, Kubernetes.DEFAULT);
    }

    /** The embedded default: 127.0.0.1:8080, SQLite in {@code ./data/audit.db}, open (no auth). */
    public static DataStorageConfig defaults() {
        return new DataStorageConfig(
                Server.DEFAULT,
                Storage.DEFAULT,
                Validation.DEFAULT,
                Retention.DEFAULT,
                Log.DEFAULT,
                Kubernetes.DEFAULT,
                Query.DEFAULT);
    }

    /**
     * The effective configuration as one line per key, for the start-up log; a password inside
     * the storage url is masked (the credentials file itself is never read here).
     */
    public String describe() {
        return String.join(
                "\n",
                "server.listen: " + server.listen(),
                "server.max_batch_size: " + server.maxBatchSize(),
                "server.max_request_bytes: " + ConfigValues.formatSize(server.maxRequestBytes()),
                "server.auth.tokens_file: " + orNone(server.authTokensFile()),
                "server.shutdown_timeout: " + ConfigValues.formatDuration(server.shutdownTimeout()),
                "server.ingest_wait: " + ConfigValues.formatDuration(server.ingestWait()),
                "server.body_timeout: "
                        + ConfigValues.formatDuration(server.connections().bodyTimeout()),
                "server.min_request_data_rate: "
                        + ConfigValues.formatSize(server.connections().minRequestDataRate()),
                "server.max_body_bytes_in_flight: "
                        + ConfigValues.formatSize(server.connections().maxBodyBytesInFlight()),
                "server.access_log: " + server.accessLog(),
                "storage.url: " + maskPassword(storage.url()),
                "storage.credentials_file: " + orNone(storage.credentialsFile())
                        + (storage.username() == null ? "" : " (username " + storage.username() + ", password ***)"),
                "storage.owner_credentials_file: "
                        + (storage.owner() == null
                                ? "(none: migrations run as the storage user)"
                                : storage.owner().credentialsFile() + " (username "
                                        + storage.owner().username() + ", password ***)"),
                "storage.pool_size: " + storage.poolSize(),
                "storage.partitions_ahead: " + storage.partitionsAhead(),
                "storage.connection_timeout: " + ConfigValues.formatDuration(storage.connectionTimeout()),
                "storage.fallback_spool.dir: " + orNone(storage.fallbackSpoolDir()),
                "storage.fallback_spool.max_bytes: " + ConfigValues.formatSize(storage.fallbackSpoolMaxBytes()),
                "validation.max_event_data_bytes: " + ConfigValues.formatSize(validation.maxEventDataBytes()),
                "validation.max_past: " + ConfigValues.formatDuration(validation.maxPast()),
                "validation.max_future: " + ConfigValues.formatDuration(validation.maxFuture()),
                "retention.default_days: " + retention.defaultDays(),
                "log.signing_key_file: "
                        + (log.signingKeyFile() == null
                                ? "(default: log-signing.key next to the SQLite file, or ./data/log-signing.key)"
                                : log.signingKeyFile().toString()),
                "log.origin: "
                        + (log.origin() == null ? "(default: auditline/ and the key's fingerprint)" : log.origin()),
                "log.checkpoint_interval: " + ConfigValues.formatDuration(log.checkpointInterval()),
                "kubernetes.stored_stages: " + String.join(", ", kubernetes.storedStagesSorted()),
                "kubernetes.quarantine.file: " + kubernetes.quarantineFile(),
                "kubernetes.quarantine.max_bytes: " + ConfigValues.formatSize(kubernetes.quarantineMaxBytes()),
                "query.max_page_bytes: " + ConfigValues.formatSize(query.maxPageBytes()));
    }

    private static String orNone(Path p) {
        return p == null ? "(none)" : p.toString();
    }

    /** {@code postgresql://app:secret@db/audit} → {@code postgresql://app:***@db/audit}; every form {@link Secrets#mask} knows. */
    static String maskPassword(String url) {
        return Secrets.mask(url);
    }

    public DataStorageConfig withServer(Server newServer) {
        return new DataStorageConfig(newServer, storage, validation, retention, log, kubernetes, query);
    }

    public DataStorageConfig withStorage(Storage newStorage) {
        return new DataStorageConfig(server, newStorage, validation, retention, log, kubernetes, query);
    }

    public DataStorageConfig withValidation(Validation newValidation) {
        return new DataStorageConfig(server, storage, newValidation, retention, log, kubernetes, query);
    }

    public DataStorageConfig withLog(Log newLog) {
        return new DataStorageConfig(server, storage, validation, retention, newLog, kubernetes, query);
    }

    public DataStorageConfig withQuery(Query newQuery) {
        return new DataStorageConfig(server, storage, validation, retention, log, kubernetes, newQuery);
    }

    public DataStorageConfig withKubernetes(Kubernetes newKubernetes) {
        return new DataStorageConfig(server, storage, validation, retention, log, newKubernetes, query);
    }

    /**
     * @param host the address to bind; {@code 127.0.0.1} keeps an unauthenticated server off the network
     * @param port {@code 0} picks a free port (tests)
     * @param authTokensFile {@code null} runs the API open
     * @param ingestWait how long an ingest waits for a free database connection before {@code 429}
     */
    public record Server(
            String host,
            int port,
            int maxBatchSize,
            long maxRequestBytes,
            Path authTokensFile,
            Duration shutdownTimeout,
            Duration ingestWait,
            ConnectionLimits connections,
            boolean accessLog) {
        /** Default {@code server.max_batch_size}: {@value}. */
        public static final int DEFAULT_MAX_BATCH_SIZE = 5000;
        /** Default {@code server.max_request_bytes}: {@value} (16 MiB). */
        public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;

        public static final Server DEFAULT = new Server(
                "127.0.0.1",
                8080,
                DEFAULT_MAX_BATCH_SIZE,
                DEFAULT_MAX_REQUEST_BYTES,
                null,
                Duration.ofSeconds(10),
                Duration.ofMillis(200));

        public Server {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
            Objects.requireNonNull(ingestWait, "ingestWait");
            Objects.requireNonNull(connections, "connections");
            if (connections.maxBodyBytesInFlight() < maxRequestBytes) {
                throw new IllegalArgumentException("server.max_body_bytes_in_flight must be ≥ max_request_bytes (got "
                        + connections.maxBodyBytesInFlight() + " < " + maxRequestBytes + ")");
            }
        }

        /** With the default connection limits for {@code maxRequestBytes} and the access log on. */
        public Server(
                String host,
                int port,
                int maxBatchSize,
                long maxRequestBytes,
                Path authTokensFile,
                Duration shutdownTimeout,
                Duration ingestWait) {
            this(
                    host,
                    port,
                    maxBatchSize,
                    maxRequestBytes,
                    authTokensFile,
                    shutdownTimeout,
                    ingestWait,
                    ConnectionLimits.defaults(maxRequestBytes),
                    true);
        }

        public String listen() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        public Server withPort(int newPort) {
            return new Server(
                    host,
                    newPort,
                    maxBatchSize,
                    maxRequestBytes,
                    authTokensFile,
                    shutdownTimeout,
                    ingestWait,
                    connections,
                    accessLog);
        }

        public Server withAuthTokensFile(Path file) {
            return new Server(
                    host,
                    port,
                    maxBatchSize,
                    maxRequestBytes,
                    file,
                    shutdownTimeout,
                    ingestWait,
                    connections,
                    accessLog);
        }

        /** New body and batch limits; the byte budget grows to {@code newMaxRequestBytes} when below it. */
        public Server withLimits(int newMaxBatchSize, long newMaxRequestBytes) {
            ConnectionLimits c = connections.maxBodyBytesInFlight() < newMaxRequestBytes
                    ? connections.withMaxBodyBytesInFlight(newMaxRequestBytes)
                    : connections;
            return new Server(
                    host,
                    port,
                    newMaxBatchSize,
                    newMaxRequestBytes,
                    authTokensFile,
                    shutdownTimeout,
                    ingestWait,
                    c,
                    accessLog);
        }

        public Server withConnections(ConnectionLimits newConnections) {
            return new Server(
                    host,
                    port,
                    maxBatchSize,
                    maxRequestBytes,
                    authTokensFile,
                    shutdownTimeout,
                    ingestWait,
                    newConnections,
                    accessLog);
        }

        public Server withAccessLog(boolean on) {
            return new Server(
                    host,
                    port,
                    maxBatchSize,
                    maxRequestBytes,
                    authTokensFile,
                    shutdownTimeout,
                    ingestWait,
                    connections,
                    on);
        }
    }

    /**
     * @param url {@code sqlite:PATH} or {@code jdbc:postgresql://host:port/db}
     * @param credentialsFile the YAML file {@code username} and {@code password} were read from; {@code null} for none
     * @param connectionTimeout how long a request waits for a pooled connection before the store reports unavailable
     * @param fallbackSpoolDir where valid events are fsynced (and answered {@code 202}) while the
     *     database is unavailable; {@code null} answers {@code 503} instead
     * @param fallbackSpoolMaxBytes bound of the fallback spool's files together; a batch that would go
     *     over is answered {@code 503}
     */
    public record Storage(
            String url,
            Path credentialsFile,
            String username,
            String password,
            int poolSize,
            int partitionsAhead,
            Duration connectionTimeout,
            Path fallbackSpoolDir,
            long fallbackSpoolMaxBytes,
            Owner owner) {
        /** Default {@code storage.fallback_spool.max_bytes}: {@value} (1 GiB). */
        public static final long DEFAULT_FALLBACK_SPOOL_MAX_BYTES = 1L << 30;

        public static final Storage DEFAULT = new Storage(
                StorageConfig.DEFAULT_URL,
                null,
                null,
                null,
                StorageConfig.DEFAULT_POOL_SIZE,
                StorageConfig.DEFAULT_PARTITIONS_AHEAD,
                StorageConfig.DEFAULT_CONNECTION_TIMEOUT,
                null,
                DEFAULT_FALLBACK_SPOOL_MAX_BYTES,
                null);

        /**
         * The PostgreSQL role that runs the migrations and owns the schema
         * ({@code storage.owner_credentials_file}); the storage credentials are then the runtime
         * role's, which may only INSERT and SELECT.
         *
         * @param credentialsFile the YAML file {@code username} and {@code password} were read from
         */
        public record Owner(Path credentialsFile, String username, String password) {
            public Owner {
                Objects.requireNonNull(username, "owner username");
                Objects.requireNonNull(password, "owner password");
            }

            @Override
            public String toString() {
                return "Owner[credentialsFile=" + credentialsFile + ", username=" + username + ", password=***]";
            }
        }

        public Storage {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(connectionTimeout, "connectionTimeout");
            if (fallbackSpoolMaxBytes <= 0) {
                throw new IllegalArgumentException(
                        "fallback_spool.max_bytes must be > 0 (got " + fallbackSpoolMaxBytes + ")");
            }
        }

        /** What the store layer needs to open the repository. */
        public StorageConfig toStorageConfig() {
            if (owner != null) {
                return new StorageConfig(url, username, password, poolSize, partitionsAhead, connectionTimeout)
                        .withOwner(owner.username(), owner.password());
            }
            return new StorageConfig(url, username, password, poolSize, partitionsAhead, connectionTimeout);
        }

        public Storage withUrl(String newUrl) {
            return new Storage(
                    newUrl,
                    credentialsFile,
                    username,
                    password,
                    poolSize,
                    partitionsAhead,
                    connectionTimeout,
                    fallbackSpoolDir,
                    fallbackSpoolMaxBytes,
                    owner);
        }

        public Storage withCredentials(String newUsername, String newPassword) {
            return new Storage(
                    url,
                    credentialsFile,
                    newUsername,
                    newPassword,
                    poolSize,
                    partitionsAhead,
                    connectionTimeout,
                    fallbackSpoolDir,
                    fallbackSpoolMaxBytes,
                    owner);
        }

        public Storage withPoolSize(int newPoolSize) {
            return new Storage(
                    url,
                    credentialsFile,
                    username,
                    password,
                    newPoolSize,
                    partitionsAhead,
                    connectionTimeout,
                    fallbackSpoolDir,
                    fallbackSpoolMaxBytes,
                    owner);
        }

        /** Migrations as {@code newOwner} ({@code null}: as the storage user). */
        public Storage withOwner(Owner newOwner) {
            return new Storage(
                    url,
                    credentialsFile,
                    username,
                    password,
                    poolSize,
                    partitionsAhead,
                    connectionTimeout,
                    fallbackSpoolDir,
                    fallbackSpoolMaxBytes,
                    newOwner);
        }

        /** Turns the server fallback spool on ({@code dir} non-null) or off ({@code null}). */
        public Storage withFallbackSpool(Path dir, long maxBytes) {
            return new Storage(
                    url,
                    credentialsFile,
                    username,
                    password,
                    poolSize,
                    partitionsAhead,
                    connectionTimeout,
                    dir,
                    maxBytes,
                    owner);
        }

        @Override
        public String toString() {
            return "Storage[url=" + maskPassword(url) + ", credentialsFile=" + credentialsFile + ", username="
                    + username + ", password=" + (password == null ? "null" : "***") + ", poolSize=" + poolSize
                    + ", partitionsAhead=" + partitionsAhead + ", connectionTimeout=" + connectionTimeout
                    + ", fallbackSpoolDir=" + fallbackSpoolDir + ", fallbackSpoolMaxBytes=" + fallbackSpoolMaxBytes
                    + ", owner=" + owner + "]";
        }
    }

    public record Validation(int maxEventDataBytes, Duration maxPast, Duration maxFuture) {
        public static final Validation DEFAULT = new Validation(
                ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES, Duration.ofDays(30), Duration.ofMinutes(15));

        public Validation {
            Objects.requireNonNull(maxPast, "maxPast");
            Objects.requireNonNull(maxFuture, "maxFuture");
        }

        /** The event-model limits the decoder checks; the nesting limit of DESIGN §2 is fixed. */
        public ValidationLimits limits() {
            return new ValidationLimits(
                    maxEventDataBytes, ValidationLimits.DEFAULT_MAX_NESTING_DEPTH, maxPast, maxFuture);
        }
    }

    /** @param defaultDays days an event is kept; {@code 0} keeps events forever */
    public record Retention(int defaultDays) {
        public static final Retention DEFAULT = new Retention(0);
    }

    /**
     * The verifiable log.
     *
     * @param signingKeyFile the Ed25519 key checkpoints are signed with, created (0600) when absent;
     *     {@code null}: {@code log-signing.key} next to the SQLite file, or {@code ./data/log-signing.key}
     * @param origin the checkpoints' origin line; {@code null}: {@code auditline/} and the key's fingerprint
     * @param checkpointInterval how often a checkpoint is signed when the log grew
     */
    public record Log(Path signingKeyFile, String origin, Duration checkpointInterval) {
        /** Default {@code log.checkpoint_interval}: 1 s. */
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

        public static final Log DEFAULT = new Log(null, null, DEFAULT_CHECKPOINT_INTERVAL);

        public Log {
            Objects.requireNonNull(checkpointInterval, "checkpointInterval");
            if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
                throw new IllegalArgumentException(
                        "log.checkpoint_interval must be > 0 (got " + checkpointInterval + ")");
            }
        }

        /** The key file to use for {@code storage}: the configured one, or the default next to the data. */
        public Path signingKeyFile(Storage storage) {
            if (signingKeyFile != null) {
                return signingKeyFile;
            }
            String url = storage.url();
            String lower = url.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("sqlite:") || lower.startsWith("jdbc:sqlite:")) {
                String path = url.substring(lower.indexOf("sqlite:") + "sqlite:".length());
                int query = path.indexOf('?');
                path = query >= 0 ? path.substring(0, query) : path;
                if (!path.startsWith(":") && !path.startsWith("file:")) {
                    Path parent = Path.of(path).toAbsolutePath().normalize().getParent();
                    return parent.resolve("log-signing.key");
                }
            }
            return Path.of("data", "log-signing.key");
        }
    }

    /**
     * The Kubernetes audit webhook ({@code POST /api/v1/k8s/{cluster}/audit}).
     *
     * @param storedStages the audit stages stored as events; the others are answered and counted as skipped
     * @param quarantineFile where items that cannot be mapped are kept for inspection (created on first use)
     * @param quarantineMaxBytes bound of that file; items past it are only counted and logged
     */
    public record Kubernetes(Set<String> storedStages, Path quarantineFile, long quarantineMaxBytes) {
        /** Default {@code kubernetes.quarantine.file}, beside the default SQLite database. */
        public static final Path DEFAULT_QUARANTINE_FILE = Path.of("./data/k8s-quarantine.jsonl");
        /** Default {@code kubernetes.quarantine.max_bytes}: {@value} (64 MiB). */
        public static final long DEFAULT_QUARANTINE_MAX_BYTES = 64L * 1024 * 1024;

        public static final Kubernetes DEFAULT = new Kubernetes(
                KubernetesAuditMapping.DEFAULT_STORED_STAGES, DEFAULT_QUARANTINE_FILE, DEFAULT_QUARANTINE_MAX_BYTES);

        public Kubernetes {
            storedStages = Set.copyOf(storedStages);
            Objects.requireNonNull(quarantineFile, "quarantineFile");
            for (String s : storedStages) {
                if (!KubernetesAuditMapping.STAGES.contains(s)) {
                    throw new IllegalArgumentException("kubernetes.stored_stages: unknown stage \"" + s + "\"");
                }
            }
            if (quarantineMaxBytes < 1) {
                throw new IllegalArgumentException(
                        "kubernetes.quarantine.max_bytes must be ≥ 1 (got " + quarantineMaxBytes + ")");
            }
        }

        List<String> storedStagesSorted() {
            return storedStages.stream().sorted().toList();
        }

        public Kubernetes withQuarantineFile(Path file) {
            return new Kubernetes(storedStages, file, quarantineMaxBytes);
        }

        public Kubernetes withStoredStages(Set<String> stages) {
            return new Kubernetes(stages, quarantineFile, quarantineMaxBytes);
        }
    }

    /**
     * Limits of the read side.
     *
     * @param maxPageBytes a page of events ({@code /api/v1/audit/events}, the viewer,
     *     {@code /api/v1/audit/log/entries}) ends after the event that would take it past this many
     *     bytes, with a cursor to the rest; a single larger event is still sent, alone
     */
    public record Query(long maxPageBytes) {
        public static final long MIN_MAX_PAGE_BYTES = 1024;
        public static final long MAX_MAX_PAGE_BYTES = 256L * 1024 * 1024;
        public static final Query DEFAULT = new Query(4L * 1024 * 1024);

        public Query {
            if (maxPageBytes < MIN_MAX_PAGE_BYTES || maxPageBytes > MAX_MAX_PAGE_BYTES) {
                throw new IllegalArgumentException("query.max_page_bytes must be between 1KiB and 256MiB (got "
                        + ConfigValues.formatSize(maxPageBytes) + ")");
            }
        }
    }
}

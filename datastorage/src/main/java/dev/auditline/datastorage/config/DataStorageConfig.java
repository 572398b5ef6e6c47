package dev.auditline.datastorage.config;

import dev.auditline.api.internal.Secrets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * DataStorage's whole configuration (DESIGN §6), as read from its YAML file by {@link ConfigLoader}.
 * Immutable; the loader has already checked every value, so the records only guard against
 * programming errors. Each YAML section is its own record ({@link ServerConfig},
 * {@link StorageSettings}, {@link ValidationConfig}, {@link RetentionConfig}, {@link LogConfig},
 * {@link KubernetesConfig}, {@link QueryConfig}); this root holds them together with the defaults
 * and the start-up description.
 */
public record DataStorageConfig(
        ServerConfig server,
        StorageSettings storage,
        ValidationConfig validation,
        RetentionConfig retention,
        LogConfig log,
        KubernetesConfig kubernetes,
        QueryConfig query) {

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
            ServerConfig server,
            StorageSettings storage,
            ValidationConfig validation,
            RetentionConfig retention,
            LogConfig log,
            KubernetesConfig kubernetes) {
        this(server, storage, validation, retention, log, kubernetes, QueryConfig.DEFAULT);
    }

    /** With the verifiable log and the Kubernetes webhook at their defaults. */
    public DataStorageConfig(
            ServerConfig server, StorageSettings storage, ValidationConfig validation, RetentionConfig retention) {
        this(server, storage, validation, retention, LogConfig.DEFAULT, KubernetesConfig.DEFAULT);
    }

    /** The embedded default: 127.0.0.1:8080, SQLite in {@code ./data/audit.db}, open (no auth). */
    public static DataStorageConfig defaults() {
        return new DataStorageConfig(
                ServerConfig.DEFAULT,
                StorageSettings.DEFAULT,
                ValidationConfig.DEFAULT,
                RetentionConfig.DEFAULT,
                LogConfig.DEFAULT,
                KubernetesConfig.DEFAULT,
                QueryConfig.DEFAULT);
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

    public DataStorageConfig withServer(ServerConfig newServer) {
        return new DataStorageConfig(newServer, storage, validation, retention, log, kubernetes, query);
    }

    public DataStorageConfig withStorage(StorageSettings newStorage) {
        return new DataStorageConfig(server, newStorage, validation, retention, log, kubernetes, query);
    }

    public DataStorageConfig withValidation(ValidationConfig newValidation) {
        return new DataStorageConfig(server, storage, newValidation, retention, log, kubernetes, query);
    }

    public DataStorageConfig withLog(LogConfig newLog) {
        return new DataStorageConfig(server, storage, validation, retention, newLog, kubernetes, query);
    }

    public DataStorageConfig withQuery(QueryConfig newQuery) {
        return new DataStorageConfig(server, storage, validation, retention, log, kubernetes, newQuery);
    }

    public DataStorageConfig withKubernetes(KubernetesConfig newKubernetes) {
        return new DataStorageConfig(server, storage, validation, retention, log, newKubernetes, query);
    }
}

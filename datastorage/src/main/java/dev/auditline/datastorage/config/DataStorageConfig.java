package dev.auditline.datastorage.config;

import dev.auditline.api.ValidationLimits;
import dev.auditline.datastorage.store.StorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * DataStorage's whole configuration (DESIGN §6), as read from its YAML file by {@link ConfigLoader}.
 * Immutable; the loader has already checked every value, so the records only guard against
 * programming errors.
 */
public record DataStorageConfig(Server server, Storage storage, Validation validation, Retention retention) {

    public DataStorageConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(retention, "retention");
    }

    /** The embedded default: 127.0.0.1:8080, SQLite in {@code ./data/audit.db}, open (no auth). */
    public static DataStorageConfig defaults() {
        return new DataStorageConfig(Server.DEFAULT, Storage.DEFAULT, Validation.DEFAULT, Retention.DEFAULT);
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
                "retention.default_days: " + retention.defaultDays());
    }

    private static String orNone(Path p) {
        return p == null ? "(none)" : p.toString();
    }

    /** {@code postgresql://app:secret@db/audit} → {@code postgresql://app:***@db/audit}; also {@code password=} parameters. */
    static String maskPassword(String url) {
        return url.replaceAll("(//[^/:@]*:)[^@/]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    public DataStorageConfig withServer(Server newServer) {
        return new DataStorageConfig(newServer, storage, validation, retention);
    }

    public DataStorageConfig withStorage(Storage newStorage) {
        return new DataStorageConfig(server, newStorage, validation, retention);
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
            Duration ingestWait) {
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
        }

        public String listen() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        public Server withPort(int newPort) {
            return new Server(
                    host, newPort, maxBatchSize, maxRequestBytes, authTokensFile, shutdownTimeout, ingestWait);
        }

        public Server withAuthTokensFile(Path file) {
            return new Server(host, port, maxBatchSize, maxRequestBytes, file, shutdownTimeout, ingestWait);
        }

        public Server withLimits(int newMaxBatchSize, long newMaxRequestBytes) {
            return new Server(
                    host, port, newMaxBatchSize, newMaxRequestBytes, authTokensFile, shutdownTimeout, ingestWait);
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
}

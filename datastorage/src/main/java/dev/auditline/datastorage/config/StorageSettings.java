package dev.auditline.datastorage.config;

import dev.auditline.datastorage.store.StorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code storage} section, as configured. Named apart from {@link StorageConfig}, which is the
 * store layer's view of it ({@link #toStorageConfig()}): no fallback spool, credentials files
 * already read.
 *
 * @param url {@code sqlite:PATH} or {@code jdbc:postgresql://host:port/db}
 * @param credentialsFile the YAML file {@code username} and {@code password} were read from; {@code null} for none
 * @param connectionTimeout how long a request waits for a pooled connection before the store reports unavailable
 * @param fallbackSpoolDir where valid events are fsynced (and answered {@code 202}) while the
 *     database is unavailable; {@code null} answers {@code 503} instead
 * @param fallbackSpoolMaxBytes bound of the fallback spool's files together; a batch that would go
 *     over is answered {@code 503}
 */
public record StorageSettings(
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

    public static final StorageSettings DEFAULT = new StorageSettings(
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

    public StorageSettings {
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

    public StorageSettings withUrl(String newUrl) {
        return new StorageSettings(
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

    public StorageSettings withCredentials(String newUsername, String newPassword) {
        return new StorageSettings(
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

    public StorageSettings withPoolSize(int newPoolSize) {
        return new StorageSettings(
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
    public StorageSettings withOwner(Owner newOwner) {
        return new StorageSettings(
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
    public StorageSettings withFallbackSpool(Path dir, long maxBytes) {
        return new StorageSettings(
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
        return "StorageSettings[url=" + DataStorageConfig.maskPassword(url) + ", credentialsFile=" + credentialsFile
                + ", username="
                + username + ", password=" + (password == null ? "null" : "***") + ", poolSize=" + poolSize
                + ", partitionsAhead=" + partitionsAhead + ", connectionTimeout=" + connectionTimeout
                + ", fallbackSpoolDir=" + fallbackSpoolDir + ", fallbackSpoolMaxBytes=" + fallbackSpoolMaxBytes
                + ", owner=" + owner + "]";
    }
}

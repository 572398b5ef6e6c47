package dev.auditline.datastorage.store;

import dev.auditline.api.internal.Secrets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and how DataStorage stores events: the {@code storage} section of its YAML.
 *
 * <p>{@code url} selects the implementation: {@code jdbc:postgresql://host:5432/audit} for
 * PostgreSQL, {@code sqlite:./data/audit.db} (or {@code jdbc:sqlite:…}) for the embedded SQLite
 * store. The password is taken as given; whoever builds the config reads it from the credentials
 * file. {@link #toString()} masks it.
 *
 * @param url the database, see above
 * @param username PostgreSQL user, {@code null} to use the one in the URL; ignored for SQLite
 * @param password PostgreSQL password, {@code null} to use the one in the URL; ignored for SQLite
 * @param poolSize maximum connections of the pool (for SQLite: readers; writes are serialized)
 * @param partitionsAhead PostgreSQL monthly partitions kept ready after the current month
 * @param connectionTimeout how long a caller waits for a pooled connection before the store
 *     reports {@link StorageUnavailableException}; at least 250 ms
 * @param ownerUsername PostgreSQL role that runs the migrations and owns the schema, {@code null}
 *     to run them as {@code username} (one role for everything); then {@code username} is the
 *     runtime role, which may only INSERT and SELECT
 * @param ownerPassword the owner's password
 */
public record StorageConfig(
        String url,
        String username,
        String password,
        int poolSize,
        int partitionsAhead,
        Duration connectionTimeout,
        String ownerUsername,
        String ownerPassword) {

    /** Default {@code storage.url}: the embedded SQLite store in {@code ./data}. */
    public static final String DEFAULT_URL = "sqlite:./data/audit.db";
    /** Default {@code storage.pool_size}: {@value}. */
    public static final int DEFAULT_POOL_SIZE = 10;
    /** Default {@code storage.partitions_ahead}: {@value}. */
    public static final int DEFAULT_PARTITIONS_AHEAD = 3;
    /** Default {@code storage.connection_timeout}: 2 s. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(2);

    static final int MAX_PARTITIONS_AHEAD = 120;
    static final Duration MIN_CONNECTION_TIMEOUT = Duration.ofMillis(250);

    /** The kind of database a URL names. */
    public enum Kind {
        POSTGRESQL,
        SQLITE
    }

    public StorageConfig {
        Objects.requireNonNull(url, "storage.url");
        kindOf(url);
        if (poolSize < 1) {
            throw new IllegalArgumentException("storage.pool_size must be ≥ 1 (got " + poolSize + ")");
        }
        if (partitionsAhead < 0 || partitionsAhead > MAX_PARTITIONS_AHEAD) {
            throw new IllegalArgumentException("storage.partitions_ahead must be between 0 and " + MAX_PARTITIONS_AHEAD
                    + " (got " + partitionsAhead + ")");
        }
        Objects.requireNonNull(connectionTimeout, "storage.connection_timeout");
        if (connectionTimeout.compareTo(MIN_CONNECTION_TIMEOUT) < 0) {
            throw new IllegalArgumentException(
                    "storage.connection_timeout must be ≥ 250ms (got " + connectionTimeout.toMillis() + "ms)");
        }
        if (ownerUsername != null && kindOf(url) != Kind.POSTGRESQL) {
            throw new IllegalArgumentException("storage.owner_credentials_file: SQLite has no roles; remove the key");
        }
    }

    /** One role for migrations and the server. */
    public StorageConfig(
            String url,
            String username,
            String password,
            int poolSize,
            int partitionsAhead,
            Duration connectionTimeout) {
        this(url, username, password, poolSize, partitionsAhead, connectionTimeout, null, null);
    }

    /** Migrations (and the schema) as {@code ownerUsername}; the server as {@link #username()}. */
    public StorageConfig withOwner(String ownerUsername, String ownerPassword) {
        return new StorageConfig(
                url, username, password, poolSize, partitionsAhead, connectionTimeout, ownerUsername, ownerPassword);
    }

    /** {@code url} with every other setting at its default and no credentials. */
    public static StorageConfig of(String url) {
        return new StorageConfig(
                url, null, null, DEFAULT_POOL_SIZE, DEFAULT_PARTITIONS_AHEAD, DEFAULT_CONNECTION_TIMEOUT);
    }

    /** The embedded default, {@value #DEFAULT_URL}. */
    public static StorageConfig defaults() {
        return of(DEFAULT_URL);
    }

    public StorageConfig withCredentials(String username, String password) {
        return new StorageConfig(
                url, username, password, poolSize, partitionsAhead, connectionTimeout, ownerUsername, ownerPassword);
    }

    public StorageConfig withPoolSize(int poolSize) {
        return new StorageConfig(
                url, username, password, poolSize, partitionsAhead, connectionTimeout, ownerUsername, ownerPassword);
    }

    public StorageConfig withPartitionsAhead(int partitionsAhead) {
        return new StorageConfig(
                url, username, password, poolSize, partitionsAhead, connectionTimeout, ownerUsername, ownerPassword);
    }

    public StorageConfig withConnectionTimeout(Duration connectionTimeout) {
        return new StorageConfig(
                url, username, password, poolSize, partitionsAhead, connectionTimeout, ownerUsername, ownerPassword);
    }

    public Kind kind() {
        return kindOf(url);
    }

    /** The JDBC URL of {@link #url()}: {@code sqlite:x} becomes {@code jdbc:sqlite:x}. */
    public String jdbcUrl() {
        return url.startsWith("jdbc:") ? url : "jdbc:" + url;
    }

    private static Kind kindOf(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:")) {
            // pgjdbc reads "user:password@host" as a host name and echoes it in every connection error
            if (USERINFO.matcher(url).find()) {
                throw new IllegalArgumentException("storage.url must not hold a user or password before the host"
                        + " (got \"" + maskUrl(url) + "\"): put them in storage.credentials_file");
            }
            return Kind.POSTGRESQL;
        }
        if (lower.startsWith("sqlite:") || lower.startsWith("jdbc:sqlite:")) {
            if (url.substring(url.indexOf("sqlite:") + "sqlite:".length()).isBlank()) {
                throw new IllegalArgumentException(
                        "storage.url must name a SQLite file (got \"" + maskUrl(url) + "\")");
            }
            return Kind.SQLITE;
        }
        throw new IllegalArgumentException(
                "storage.url must start with jdbc:postgresql:, sqlite: or jdbc:sqlite: (got \"" + maskUrl(url) + "\")");
    }

    private static final Pattern USERINFO = Pattern.compile("^jdbc:postgresql://[^/?#]*@", Pattern.CASE_INSENSITIVE);

    /** {@code url} with every secret masked ({@link Secrets#mask}), for logs and error messages. */
    public static String maskUrl(String url) {
        return Secrets.mask(url);
    }

    @Override
    public String toString() {
        return "StorageConfig[url=" + maskUrl(url) + ", username=" + username + ", password="
                + (password == null ? "null" : Secrets.MASK) + ", poolSize=" + poolSize + ", partitionsAhead="
                + partitionsAhead + ", connectionTimeout=" + connectionTimeout + ", ownerUsername=" + ownerUsername
                + ", ownerPassword=" + (ownerPassword == null ? "null" : Secrets.MASK) + "]";
    }
}

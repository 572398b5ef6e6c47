package dev.auditline.datastorage.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code server} section: where DataStorage listens and the limits of a request.
 *
 * @param host the address to bind; {@code 127.0.0.1} keeps an unauthenticated server off the network
 * @param port {@code 0} picks a free port (tests)
 * @param authTokensFile {@code null} runs the API open
 * @param ingestWait how long an ingest waits for a free database connection before {@code 429}
 */
public record ServerConfig(
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

    public static final ServerConfig DEFAULT = new ServerConfig(
            "127.0.0.1",
            8080,
            DEFAULT_MAX_BATCH_SIZE,
            DEFAULT_MAX_REQUEST_BYTES,
            null,
            Duration.ofSeconds(10),
            Duration.ofMillis(200));

    public ServerConfig {
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
    public ServerConfig(
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

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(
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

    public ServerConfig withAuthTokensFile(Path file) {
        return new ServerConfig(
                host, port, maxBatchSize, maxRequestBytes, file, shutdownTimeout, ingestWait, connections, accessLog);
    }

    /** New body and batch limits; the byte budget grows to {@code newMaxRequestBytes} when below it. */
    public ServerConfig withLimits(int newMaxBatchSize, long newMaxRequestBytes) {
        ConnectionLimits c = connections.maxBodyBytesInFlight() < newMaxRequestBytes
                ? connections.withMaxBodyBytesInFlight(newMaxRequestBytes)
                : connections;
        return new ServerConfig(
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

    public ServerConfig withConnections(ConnectionLimits newConnections) {
        return new ServerConfig(
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

    public ServerConfig withAccessLog(boolean on) {
        return new ServerConfig(
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

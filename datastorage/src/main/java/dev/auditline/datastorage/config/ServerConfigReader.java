package dev.auditline.datastorage.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Reads and checks the {@code server} section. */
final class ServerConfigReader {
    private ServerConfigReader() {}

    static ServerConfig read(ConfigSection server, Path baseDir, List<String> problems) {
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
        ConfigSection auth = server.section("auth");
        Path tokensFile = auth.file("tokens_file", baseDir, true);
        auth.rejectUnknown();
        Duration shutdownTimeout =
                server.duration("shutdown_timeout", ds.shutdownTimeout(), Duration.ofMillis(1), Duration.ofMinutes(10));
        Duration ingestWait = server.duration("ingest_wait", ds.ingestWait(), Duration.ZERO, Duration.ofSeconds(30));
        ConnectionLimits connections = readConnections(server, maxRequestBytes, problems);
        boolean accessLog = server.bool("access_log", ds.accessLog());
        server.rejectUnknown();
        return new ServerConfig(
                host,
                port,
                maxBatchSize,
                maxRequestBytes,
                tokensFile,
                shutdownTimeout,
                ingestWait,
                connections,
                accessLog);
    }

    private static ConnectionLimits readConnections(ConfigSection server, long maxRequestBytes, List<String> problems) {
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
}

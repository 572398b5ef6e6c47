package dev.auditline.datastorage.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How DataStorage protects itself from slow and heavy request bodies ({@code server.body_timeout},
 * {@code server.min_request_data_rate}, {@code server.max_body_bytes_in_flight}). A body is read
 * in full, without holding a server thread, before its route runs; these bound how long that may
 * take and how many bytes all bodies being read or handled may hold at once.
 *
 * @param bodyTimeout the whole body must arrive within this time of the request's start
 * @param minRequestDataRate bytes per second a body must average after its first second; {@code 0} checks no rate
 * @param maxBodyBytesInFlight bytes of request bodies admitted at once, across all requests; a body
 *     that does not fit is refused with {@code 429} before it is read. At least {@code max_request_bytes},
 *     so the largest allowed body can always be admitted alone.
 */
public record ConnectionLimits(Duration bodyTimeout, long minRequestDataRate, long maxBodyBytesInFlight) {
    /** Default {@code server.body_timeout}: 60 s. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@code server.min_request_data_rate}: {@value} bytes per second. */
    public static final long DEFAULT_MIN_REQUEST_DATA_RATE = 1024;
    /** The default byte budget is this fraction of the JVM's maximum heap (32 MiB at {@code -Xmx512m}). */
    public static final int DEFAULT_HEAP_DIVISOR = 16;

    public ConnectionLimits {
        Objects.requireNonNull(bodyTimeout, "bodyTimeout");
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("server.body_timeout must be > 0 (got " + bodyTimeout + ")");
        }
        if (minRequestDataRate < 0) {
            throw new IllegalArgumentException(
                    "server.min_request_data_rate must be ≥ 0 (got " + minRequestDataRate + ")");
        }
        if (maxBodyBytesInFlight < 1) {
            throw new IllegalArgumentException(
                    "server.max_body_bytes_in_flight must be ≥ 1 (got " + maxBodyBytesInFlight + ")");
        }
    }

    /** The defaults for a server whose largest body is {@code maxRequestBytes}. */
    public static ConnectionLimits defaults(long maxRequestBytes) {
        return new ConnectionLimits(
                DEFAULT_BODY_TIMEOUT, DEFAULT_MIN_REQUEST_DATA_RATE, defaultBodyBytesInFlight(maxRequestBytes));
    }

    /**
     * A sixteenth of the maximum heap, and at least {@code maxRequestBytes}: a body is held about
     * three to six times over while it is decoded (bytes, JSON tree, events), so this keeps bodies
     * being handled well inside the heap at any {@code -Xmx}.
     */
    public static long defaultBodyBytesInFlight(long maxRequestBytes) {
        return Math.max(maxRequestBytes, Runtime.getRuntime().maxMemory() / DEFAULT_HEAP_DIVISOR);
    }

    public ConnectionLimits withBodyTimeout(Duration timeout) {
        return new ConnectionLimits(timeout, minRequestDataRate, maxBodyBytesInFlight);
    }

    public ConnectionLimits withMinRequestDataRate(long bytesPerSecond) {
        return new ConnectionLimits(bodyTimeout, bytesPerSecond, maxBodyBytesInFlight);
    }

    public ConnectionLimits withMaxBodyBytesInFlight(long bytes) {
        return new ConnectionLimits(bodyTimeout, minRequestDataRate, bytes);
    }
}

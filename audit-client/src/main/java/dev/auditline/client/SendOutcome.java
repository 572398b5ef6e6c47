package dev.auditline.client;

import dev.auditline.api.wire.BatchResponse;
import java.time.Duration;

/**
 * The answer to one {@link BatchSink#send} attempt.
 *
 * @param status the HTTP status
 * @param response the body of a {@code 200}/{@code 202}; {@code null} otherwise or when unreadable
 * @param retryAfter the server's {@code Retry-After}, or {@code null}
 * @param maxBatchSize the server's announced {@code Audit-Max-Batch-Size}, or 0 when not announced
 * @param maxRequestBytes the server's announced {@code Audit-Max-Request-Bytes}, or 0 when not announced
 * @param detail a short human-readable reason for an error status (problem detail), or {@code null}
 */
public record SendOutcome(
        int status,
        BatchResponse response,
        Duration retryAfter,
        int maxBatchSize,
        long maxRequestBytes,
        String detail) {

    /** {@code 200} with the server's per-item results. */
    public static SendOutcome stored(BatchResponse response) {
        return new SendOutcome(200, response, null, 0, 0, null);
    }

    /** Any status without a body, e.g. {@code 503} with {@code Retry-After}. */
    public static SendOutcome status(int status, Duration retryAfter, String detail) {
        return new SendOutcome(status, null, retryAfter, 0, 0, detail);
    }

    /** A copy carrying the server's limits. */
    public SendOutcome withServerLimits(int maxBatchSize, long maxRequestBytes) {
        return new SendOutcome(status, response, retryAfter, maxBatchSize, maxRequestBytes, detail);
    }
}

package dev.auditline.client;

import static dev.auditline.client.ConfigValues.formatDuration;
import static dev.auditline.client.ConfigValues.formatSize;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The checks of {@link AuditClientConfig}: every problem is added with its path, the limit and the
 * value, so that all of them are reported at once.
 */
final class ConfigValidation {
    private ConfigValidation() {}

    static void validate(
            URI url,
            Duration timeout,
            String serviceName,
            AuditClientConfig.Buffer buffer,
            AuditClientConfig.Retry retry,
            AuditClientConfig.Spool spool,
            AuditClientConfig.Auth auth,
            List<String> problems) {
        if (url == null) {
            problems.add("audit.datastorage_url: is required (got nothing)");
        } else if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            problems.add("audit.datastorage_url: must be an http:// or https:// URL with a host (got " + url + ")");
        } else if (url.getQuery() != null || url.getFragment() != null) {
            problems.add("audit.datastorage_url: must not have a query or fragment (got " + url + ")");
        }
        positive("audit.timeout", timeout, problems);
        if (serviceName == null || serviceName.isBlank()) {
            problems.add("audit.service_name: is required (got " + (serviceName == null ? "nothing" : "\"\"") + ")");
        } else if (serviceName.length() > 100) {
            problems.add("audit.service_name: must be at most 100 characters (got " + serviceName.length() + ")");
        }
        if (buffer == null) {
            problems.add("audit.buffer: is required (got nothing)");
        } else {
            validateBuffer(buffer, spool, problems);
            validateDeliveryTimeout(buffer, timeout, problems);
        }
        if (retry == null) {
            problems.add("audit.retry: is required (got nothing)");
        } else {
            positive("audit.retry.initial_backoff", retry.initialBackoff(), problems);
            positive("audit.retry.max_backoff", retry.maxBackoff(), problems);
            if (isPositive(retry.initialBackoff())
                    && isPositive(retry.maxBackoff())
                    && retry.maxBackoff().compareTo(retry.initialBackoff()) < 0) {
                problems.add("audit.retry.max_backoff: must be ≥ initial_backoff (got "
                        + formatDuration(retry.maxBackoff()) + " < " + formatDuration(retry.initialBackoff()) + ")");
            }
        }
        if (spool == null) {
            problems.add("audit.spool: is required (got nothing)");
        } else {
            if (spool.maxBytes() < AuditClientConfig.MIN_SPOOL_MAX_BYTES) {
                problems.add("audit.spool.max_bytes: must be ≥ " + formatSize(AuditClientConfig.MIN_SPOOL_MAX_BYTES)
                        + " (got " + formatSize(spool.maxBytes()) + ")");
            }
        }
        if (auth == null) {
            problems.add("audit.auth: is required (got nothing)");
        }
    }

    private static void validateBuffer(
            AuditClientConfig.Buffer b, AuditClientConfig.Spool spool, List<String> problems) {
        if (b.bufferSize() < 1) {
            problems.add("audit.buffer.buffer_size: must be ≥ 1 (got " + b.bufferSize() + ")");
        }
        if (b.batchSize() < 1) {
            problems.add("audit.buffer.batch_size: must be ≥ 1 (got " + b.batchSize() + ")");
        } else if (b.bufferSize() >= 1 && b.batchSize() > b.bufferSize()) {
            problems.add("audit.buffer.batch_size: must be ≤ buffer_size (got " + b.batchSize() + " > " + b.bufferSize()
                    + ")");
        }
        positive("audit.buffer.flush_interval", b.flushInterval(), problems);
        if (b.maxRetries() < 0 || b.maxRetries() > AuditClientConfig.MAX_RETRIES_LIMIT) {
            problems.add("audit.buffer.max_retries: must be between 0 and " + AuditClientConfig.MAX_RETRIES_LIMIT
                    + " (got " + b.maxRetries() + ")");
        }
        if (b.maxBufferBytes() < 1) {
            problems.add("audit.buffer.max_buffer_bytes: must be > 0 (got " + b.maxBufferBytes() + ")");
        }
        if (b.maxInFlight() < 1 || b.maxInFlight() > AuditClientConfig.MAX_IN_FLIGHT_LIMIT) {
            problems.add("audit.buffer.max_in_flight: must be between 1 and " + AuditClientConfig.MAX_IN_FLIGHT_LIMIT
                    + " (got " + b.maxInFlight() + ")");
        }
        if (b.overflow() == null) {
            problems.add("audit.buffer.overflow: must be one of drop, block (got nothing)");
        } else if (b.overflow() == AuditClientConfig.Overflow.SPILL && (spool == null || spool.dir() == null)) {
            problems.add("audit.buffer.overflow: spill requires audit.spool.dir to be set (got overflow spill and an"
                    + " empty audit.spool.dir)");
        }
        if (b.blockTimeout() == null) {
            problems.add("audit.buffer.block_timeout: is required (got nothing)");
        } else if (b.blockTimeout().isNegative()) {
            problems.add("audit.buffer.block_timeout: must be ≥ 0 (got " + b.blockTimeout() + ")");
        }
        if (b.maxBatchBytes() < 1) {
            problems.add("audit.buffer.max_batch_bytes: must be > 0 (got " + b.maxBatchBytes() + ")");
        } else if (b.maxBufferBytes() >= 1 && b.maxBatchBytes() > b.maxBufferBytes()) {
            problems.add("audit.buffer.max_batch_bytes: must be ≤ max_buffer_bytes (got "
                    + formatSize(b.maxBatchBytes()) + " > " + formatSize(b.maxBufferBytes()) + ")");
        }
    }

    /**
     * An event may take {@code flush_interval} to leave the buffer and {@code timeout} for its
     * request while everything is healthy; a shorter delivery timeout would spool or drop events of
     * a healthy pipeline.
     */
    private static void validateDeliveryTimeout(AuditClientConfig.Buffer b, Duration timeout, List<String> problems) {
        positive("audit.buffer.delivery_timeout", b.deliveryTimeout(), problems);
        if (isPositive(b.deliveryTimeout()) && isPositive(b.flushInterval()) && isPositive(timeout)) {
            Duration floor = b.flushInterval().plus(timeout);
            if (b.deliveryTimeout().compareTo(floor) < 0) {
                problems.add("audit.buffer.delivery_timeout: must be ≥ flush_interval + timeout (got "
                        + formatDuration(b.deliveryTimeout()) + " < " + formatDuration(floor) + ")");
            }
        }
    }

    private static boolean isPositive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void positive(String path, Duration d, List<String> problems) {
        if (d == null) {
            problems.add(path + ": is required (got nothing)");
        } else if (!isPositive(d)) {
            problems.add(path + ": must be > 0 (got " + formatDuration(d) + ")");
        }
    }
}

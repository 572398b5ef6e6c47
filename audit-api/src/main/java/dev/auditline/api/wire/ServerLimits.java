package dev.auditline.api.wire;

/**
 * The limits a DataStorage enforces on requests, served at {@code GET /api/v1/limits} and in the
 * {@code Audit-Max-Batch-Size} / {@code Audit-Max-Request-Bytes} headers of every batch answer, so
 * that clients never send a batch the server must refuse.
 */
public record ServerLimits(int maxBatchSize, long maxRequestBytes, int maxEventDataBytes) {
    public static final String HEADER_MAX_BATCH_SIZE = "Audit-Max-Batch-Size";
    public static final String HEADER_MAX_REQUEST_BYTES = "Audit-Max-Request-Bytes";
}

package dev.auditline.datastorage.http;

import dev.auditline.datastorage.store.StorageUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps a storage outage to {@code 503} with {@code Retry-After}; nothing was stored. */
final class Unavailable {
    private static final Logger LOG = LoggerFactory.getLogger(Unavailable.class);

    private Unavailable() {}

    static ApiProblem problem(StorageUnavailableException e) {
        LOG.warn("Storage unavailable: {}", e.getMessage());
        return ApiProblem.of(
                        503,
                        "storage-unavailable",
                        "Storage unavailable",
                        "the database cannot be reached; nothing was stored, retry after the Retry-After delay")
                .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
    }
}

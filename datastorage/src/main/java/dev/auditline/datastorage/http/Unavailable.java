package dev.auditline.datastorage.http;

import dev.auditline.datastorage.store.StorageRejectedException;
import dev.auditline.datastorage.store.StorageUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps what the database said to an answer: an outage or a busy database to {@code 503} with
 * {@code Retry-After} (nothing was stored), a refused value to {@code 400}.
 */
final class Unavailable {
    private static final Logger LOG = LoggerFactory.getLogger(Unavailable.class);

    private Unavailable() {}

    static ApiProblem problem(StorageUnavailableException e) {
        if (e.busy()) {
            LOG.warn("Storage busy: {}", e.getMessage());
            return ApiProblem.of(
                            503,
                            "storage-busy",
                            "Storage busy",
                            "the database is busy with other work (locked); nothing was stored, retry after the"
                                    + " Retry-After delay")
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
        LOG.warn("Storage unavailable: {}", e.getMessage());
        return ApiProblem.of(
                        503,
                        "storage-unavailable",
                        "Storage unavailable",
                        "the database cannot be reached; nothing was stored, retry after the Retry-After delay")
                .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
    }

    /** A value of the request the database refused: the same request would fail again. */
    static ApiProblem refused(StorageRejectedException e) {
        LOG.info("Storage refused a value: {}", e.getMessage());
        Throwable cause = e.getCause();
        String why = cause == null || cause.getMessage() == null ? "" : ": " + QueryString.shorten(cause.getMessage());
        return ApiProblem.of(
                400,
                "value-refused",
                "Value refused by the database",
                "the database refused a value of this request" + why);
    }
}

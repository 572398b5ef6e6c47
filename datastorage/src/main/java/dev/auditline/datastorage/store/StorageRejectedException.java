package dev.auditline.datastorage.store;

/**
 * The database refused a value of the request (an SQLState class 22 or 23 error, or SQLite's
 * equivalents): the same request fails again, so the HTTP layer answers {@code 400}, never
 * {@code 503}, which clients would retry.
 */
public final class StorageRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}

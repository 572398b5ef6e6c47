package dev.auditline.datastorage.store;

/** The database cannot be reached or refused the work for a reason that is not the request's fault. */
public final class StorageUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

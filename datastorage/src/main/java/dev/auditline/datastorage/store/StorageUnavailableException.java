package dev.auditline.datastorage.store;

import dev.auditline.datastorage.secrets.Secrets;

/** The database cannot be reached or refused the work for a reason that is not the request's fault. */
public final class StorageUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message masked here ({@link Secrets#mask}): it often quotes a driver's message */
    public StorageUnavailableException(String message, Throwable cause) {
        super(Secrets.mask(message), cause);
    }
}

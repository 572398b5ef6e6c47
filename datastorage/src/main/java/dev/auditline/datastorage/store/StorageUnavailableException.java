package dev.auditline.datastorage.store;

import dev.auditline.api.internal.Secrets;

/** The database cannot be reached or refused the work for a reason that is not the request's fault. */
public final class StorageUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean busy;

    /** @param message masked here ({@link Secrets#mask}): it often quotes a driver's message */
    public StorageUnavailableException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /** @param busy the database answered but is busy (locked, a conflicting transaction) */
    public StorageUnavailableException(String message, Throwable cause, boolean busy) {
        super(Secrets.mask(message), cause);
        this.busy = busy;
    }

    /** Whether the database answered but was busy, rather than unreachable. */
    public boolean busy() {
        return busy;
    }
}

package dev.auditline.spool.internal;

import java.io.IOException;

/** A directory for audit data that other users may write to; the message names it, its mode and the remedy. */
public final class InsecureDirectoryException extends IOException {
    private static final long serialVersionUID = 1L;

    InsecureDirectoryException(String message) {
        super(message);
    }
}

package dev.auditline.datastorage.auth;

import java.util.Locale;

/** What a client may do: {@code read} queries events, {@code write} ingests them. */
public enum Permission {
    READ,
    WRITE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package dev.auditline.api.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What DataStorage did with one event of a batch. */
public enum ItemStatus {
    /** Stored now (or, with a {@code 202}, fsynced to the server's fallback spool). */
    CREATED,
    /** An event with this id was already stored; nothing changed. Counts as acked. */
    DUPLICATE,
    /** Invalid: never stored, and resending it will not help. */
    REJECTED,
    /**
     * Its {@code event_id} is already stored with other content: not stored (the first event keeps
     * the id), and resending it will not help. A client treats it like {@link #REJECTED}.
     */
    CONFLICT;

    /** Whether the item was refused for good: never stored, never worth a resend. */
    public boolean isRefused() {
        return this == REJECTED || this == CONFLICT;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ItemStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}

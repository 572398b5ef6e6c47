package dev.auditline.datastorage.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The keyset position after the last event of a page: (event_timestamp, event_id). Encoded as an
 * opaque URL-safe string so clients never build one themselves.
 */
public record PageCursor(Instant eventTimestamp, UUID eventId) {

    public String encode() {
        String raw = eventTimestamp.getEpochSecond() + ":" + eventTimestamp.getNano() + ":" + eventId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not a cursor this server issued
     */
    public static PageCursor decode(String text) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 3);
            return new PageCursor(
                    Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                    UUID.fromString(parts[2]));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cursor: not a cursor issued by this server (got \""
                    + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\")");
        }
    }
}

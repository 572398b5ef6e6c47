package dev.auditline.datastorage.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The keyset position after the last event of a page: (event_timestamp, event_id). Encoded as an
 * opaque URL-safe string so clients never build one themselves.
 *
 * <p>{@link #decode} accepts exactly the strings {@link #encode} produces: anything else (a
 * forged, truncated or re-encoded cursor, or one naming a time the stores cannot hold) is refused
 * with {@link IllegalArgumentException}, the one refusal the HTTP layer turns into a {@code 400}
 * naming {@code cursor}, before any SQL runs.
 */
public record PageCursor(Instant eventTimestamp, UUID eventId) {
    /** Longer than any cursor {@link #encode} produces; checked before decoding anything. */
    static final int MAX_LENGTH = 96;

    private static final Pattern RAW = Pattern.compile("-?[0-9]{1,19}:[0-9]{1,9}:[0-9a-f-]{36}");

    public PageCursor {
        Objects.requireNonNull(eventTimestamp, "eventTimestamp");
        Objects.requireNonNull(eventId, "eventId");
    }

    public String encode() {
        String raw = eventTimestamp.getEpochSecond() + ":" + eventTimestamp.getNano() + ":" + eventId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not a cursor this server issued
     */
    public static PageCursor decode(String text) {
        PageCursor cursor = null;
        if (text.length() <= MAX_LENGTH) {
            try {
                String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII);
                if (RAW.matcher(raw).matches()) {
                    String[] parts = raw.split(":", 3);
                    Instant t = Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                    cursor = new PageCursor(t, UUID.fromString(parts[2]));
                }
            } catch (RuntimeException e) {
                cursor = null; // bad base64, a number or instant out of range, a malformed UUID
            }
        }
        // Only the canonical form: the same position written differently was not issued here.
        if (cursor == null
                || !EventQuery.inRange(cursor.eventTimestamp())
                || !cursor.encode().equals(text)) {
            throw new IllegalArgumentException("cursor: not a cursor issued by this server (got \""
                    + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\")");
        }
        return cursor;
    }
}

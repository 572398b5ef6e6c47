package dev.auditline.api;

import java.time.Duration;
import java.util.Objects;

/**
 * The configurable limits of the event model (DESIGN §2). The client builds events against
 * {@link #DEFAULTS}; DataStorage validates against its own configured values.
 *
 * @param maxEventDataBytes the largest serialized {@code event_data} object, in UTF-8 bytes
 * @param maxNestingDepth the deepest nesting of objects and arrays inside {@code event_data}; the
 *     object itself is depth 1
 * @param maxPast how far before the server's clock an {@code event_timestamp} may lie
 * @param maxFuture how far after the server's clock an {@code event_timestamp} may lie
 */
public record ValidationLimits(int maxEventDataBytes, int maxNestingDepth, Duration maxPast, Duration maxFuture) {

    /** Default {@code max_event_data_bytes}: {@value} (256 KiB). */
    public static final int DEFAULT_MAX_EVENT_DATA_BYTES = 256 * 1024;
    /** Default nesting limit of {@code event_data}: {@value}. */
    public static final int DEFAULT_MAX_NESTING_DEPTH = 32;

    public static final ValidationLimits DEFAULTS = new ValidationLimits(
            DEFAULT_MAX_EVENT_DATA_BYTES, DEFAULT_MAX_NESTING_DEPTH, Duration.ofDays(30), Duration.ofMinutes(15));

    public ValidationLimits {
        if (maxEventDataBytes < 2) {
            throw new IllegalArgumentException("max_event_data_bytes must be ≥ 2 (got " + maxEventDataBytes + ")");
        }
        if (maxNestingDepth < 1) {
            throw new IllegalArgumentException("max_nesting_depth must be ≥ 1 (got " + maxNestingDepth + ")");
        }
        Objects.requireNonNull(maxPast, "maxPast");
        Objects.requireNonNull(maxFuture, "maxFuture");
        if (maxPast.isNegative() || maxFuture.isNegative()) {
            throw new IllegalArgumentException("max_past and max_future must not be negative");
        }
    }
}

package dev.auditline.datastorage.config;

import dev.auditline.api.ValidationLimits;
import java.time.Duration;
import java.util.Objects;

/** The {@code validation} section: the event-model limits the ingest path checks. */
public record ValidationConfig(int maxEventDataBytes, Duration maxPast, Duration maxFuture) {
    public static final ValidationConfig DEFAULT = new ValidationConfig(
            ValidationLimits.DEFAULT_MAX_EVENT_DATA_BYTES, Duration.ofDays(30), Duration.ofMinutes(15));

    public ValidationConfig {
        Objects.requireNonNull(maxPast, "maxPast");
        Objects.requireNonNull(maxFuture, "maxFuture");
    }

    /** The event-model limits the decoder checks; the nesting limit of DESIGN §2 is fixed. */
    public ValidationLimits limits() {
        return new ValidationLimits(maxEventDataBytes, ValidationLimits.DEFAULT_MAX_NESTING_DEPTH, maxPast, maxFuture);
    }
}

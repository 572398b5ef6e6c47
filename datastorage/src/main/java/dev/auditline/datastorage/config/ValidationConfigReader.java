package dev.auditline.datastorage.config;

import java.time.Duration;
import java.util.List;

/** Reads and checks the {@code validation} section; an event's data must fit in the largest request. */
final class ValidationConfigReader {
    private ValidationConfigReader() {}

    static ValidationConfig read(ConfigSection validation, long maxRequestBytes, List<String> problems) {
        ValidationConfig dv = ValidationConfig.DEFAULT;
        long maxEventDataBytes = validation.size("max_event_data_bytes", dv.maxEventDataBytes(), 2, Integer.MAX_VALUE);
        if (maxEventDataBytes > maxRequestBytes) {
            problems.add("validation.max_event_data_bytes: must be ≤ server.max_request_bytes (got "
                    + ConfigValues.formatSize(maxEventDataBytes) + " > " + ConfigValues.formatSize(maxRequestBytes)
                    + ")");
        }
        Duration maxPast = validation.duration("max_past", dv.maxPast(), Duration.ofMinutes(1), Duration.ofDays(3650));
        Duration maxFuture = validation.duration("max_future", dv.maxFuture(), Duration.ZERO, Duration.ofDays(1));
        validation.rejectUnknown();
        return new ValidationConfig((int) maxEventDataBytes, maxPast, maxFuture);
    }
}

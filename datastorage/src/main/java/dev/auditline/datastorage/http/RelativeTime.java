package dev.auditline.datastorage.http;

import dev.auditline.api.json.AuditJson;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code since}/{@code until}: an RFC 3339 timestamp with offset, or a time relative to now
 * ({@code 30s}, {@code 15m}, {@code 24h}, {@code 7d}) meaning that long ago.
 */
final class RelativeTime {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})(s|m|h|d)");
    /** Further back than any retention, and far from {@link Instant#MIN} arithmetic overflow. */
    private static final Duration MAX_RELATIVE = Duration.ofDays(36_500);

    private RelativeTime() {}

    /**
     * @throws IllegalArgumentException saying which forms are accepted
     */
    static Instant parse(String text, Instant now) {
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration ago =
                    switch (m.group(2)) {
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    };
            if (ago.compareTo(MAX_RELATIVE) > 0) {
                throw new IllegalArgumentException("must be at most 36500d ago (got \"" + text + "\")");
            }
            return now.minus(ago);
        }
        try {
            return AuditJson.parseTimestamp(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "must be an RFC 3339 timestamp like 2026-01-31T12:00:00Z or a relative time like 15m, 24h, 7d"
                            + " (got \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\")");
        }
    }
}

package dev.auditline.client;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and printing of the configuration's duration ({@code 500ms}, {@code 2h}) and size ({@code 64MiB}) values. */
final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(B|KiB|MiB|GiB)?");

    static final String DURATION_HINT = "must be a duration like 500ms, 1s, 5m, 2h";
    static final String SIZE_HINT = "must be a size like 512KiB, 64MiB, 1GiB or a plain number of bytes";

    private ConfigValues() {}

    /** {@code 500ms}, {@code 1s}, {@code 5m}, {@code 2h}; {@code null} when the text is not one of them. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** {@code 512KiB}, {@code 64MiB}, {@code 1GiB}, {@code 4096B} or {@code 4096}; {@code null} otherwise. */
    static Long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        int shift =
                switch (unit) {
                    case "KiB" -> 10;
                    case "MiB" -> 20;
                    case "GiB" -> 30;
                    default -> 0;
                };
        if (n > (Long.MAX_VALUE >> shift)) {
            return null;
        }
        return n << shift;
    }

    /** The shortest exact form in the configuration's own syntax: {@code 1s}, {@code 250ms}, {@code 5m}. */
    static String formatDuration(Duration d) {
        if (d == null) {
            return "null";
        }
        long ms = d.toMillis();
        if (!d.equals(Duration.ofMillis(ms))) {
            return d.toString();
        }
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms != 0 && ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** {@code 64MiB}, {@code 512KiB}, or plain bytes when not a whole number of KiB. */
    static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}

package dev.auditline.datastorage.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human forms of durations ({@code 500ms}, {@code 1s}, {@code 5m}, {@code 2h},
 * {@code 30d}) and sizes ({@code 512KiB}, {@code 16MiB}, {@code 1GiB}, or plain bytes) used in
 * configuration files. A unit is always required on durations, so {@code 10} is never guessed to
 * mean seconds or milliseconds.
 */
public final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(B|KiB|MiB|GiB)?");

    private ConfigValues() {}

    /**
     * @throws IllegalArgumentException saying which forms are accepted
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "must be a duration like 500ms, 10s, 15m, 24h or 7d (got \"" + shorten(text) + "\")");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * @throws IllegalArgumentException saying which forms are accepted
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "must be a size like 1024, 512KiB, 16MiB or 1GiB (got \"" + shorten(text) + "\")");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor =
                switch (unit) {
                    case "KiB" -> 1024L;
                    case "MiB" -> 1024L * 1024;
                    case "GiB" -> 1024L * 1024 * 1024;
                    default -> 1L;
                };
        if (n > Long.MAX_VALUE / factor) {
            throw new IllegalArgumentException("is too large (got \"" + shorten(text) + "\")");
        }
        return n * factor;
    }

    /** The shortest exact human form: {@code 16MiB}, {@code 1000}. */
    public static String formatSize(long bytes) {
        if (bytes > 0 && bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + "GiB";
        }
        if (bytes > 0 && bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + "MiB";
        }
        if (bytes > 0 && bytes % 1024 == 0) {
            return bytes / 1024 + "KiB";
        }
        return Long.toString(bytes);
    }

    /** The shortest exact human form: {@code 30d}, {@code 200ms}. */
    public static String formatDuration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.toMillis() % 86_400_000L == 0) {
            return d.toDays() + "d";
        }
        if (d.toMillis() % 3_600_000L == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000L == 0) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }

    static String shorten(String text) {
        String t = text.replace("\n", "\\n");
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }
}

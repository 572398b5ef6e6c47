package dev.auditline.datastorage.http;

import java.util.regex.Pattern;

/**
 * Whole numbers in query parameters: ASCII digits with an optional minus sign, nothing else.
 * {@link Long#parseLong} alone also takes {@code +5} and digits of other scripts ({@code ٣}),
 * which would make two spellings of one request.
 */
final class Numbers {
    private static final Pattern WHOLE = Pattern.compile("-?[0-9]{1,19}");

    private Numbers() {}

    /** @throws NumberFormatException when {@code text} is not a whole number within {@code long} */
    static long parseLong(String text) {
        if (!WHOLE.matcher(text).matches()) {
            throw new NumberFormatException("not a whole number");
        }
        return Long.parseLong(text);
    }

    /** @throws NumberFormatException when {@code text} is not a whole number within {@code int} */
    static int parseInt(String text) {
        long v = parseLong(text);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new NumberFormatException("out of range");
        }
        return (int) v;
    }
}

package dev.auditline.api.log;

/**
 * Where a JSON number (RFC 8259: an optional {@code -}, an integer part without leading zeros, an
 * optional fraction, an optional exponent) ends in a text; pure, for {@link CanonicalJsonText}.
 */
final class JsonNumberScan {
    private JsonNumberScan() {}

    /** The index after the JSON number that starts at {@code start} in {@code in}, or -1 if none does. */
    static int end(String in, int start) {
        int n = in.length();
        int pos = start;
        if (pos < n && in.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= n || !isDigit(in.charAt(pos))) {
            return -1;
        }
        pos = in.charAt(pos) == '0' ? pos + 1 : digits(in, pos);
        if (pos < n && in.charAt(pos) == '.') {
            int fraction = pos + 1;
            pos = digits(in, fraction);
            if (pos == fraction) {
                return -1;
            }
        }
        if (pos < n && (in.charAt(pos) == 'e' || in.charAt(pos) == 'E')) {
            pos++;
            if (pos < n && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
                pos++;
            }
            int exponent = pos;
            pos = digits(in, exponent);
            if (pos == exponent) {
                return -1;
            }
        }
        return pos;
    }

    /** Whether the number in {@code [start, end)} has an exponent. */
    static boolean hasExponent(String in, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = in.charAt(i);
            if (c == 'e' || c == 'E') {
                return true;
            }
        }
        return false;
    }

    private static int digits(String in, int pos) {
        while (pos < in.length() && isDigit(in.charAt(pos))) {
            pos++;
        }
        return pos;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}

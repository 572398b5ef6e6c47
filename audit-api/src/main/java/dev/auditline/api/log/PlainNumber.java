package dev.auditline.api.log;

/**
 * The {@link CanonicalJson#canonicalNumber} form of a plain JSON number (an optional {@code -},
 * integer digits, optionally a {@code .} and fraction digits; no exponent), computed from its
 * characters without {@code BigDecimal}: the significant digits without trailing zeros, then
 * {@code e} and the exponent of the last one; {@code 0} for zero in any notation.
 */
final class PlainNumber {
    private PlainNumber() {}

    /** The most bytes {@link #canonical} writes for the number between {@code start} and {@code end}. */
    static int maxCanonicalBytes(int start, int end) {
        return end - start + 2 + 20; // sign, 'e', a long's digits
    }

    /**
     * Writes the canonical form of the number {@code in[start, end)}, which the caller has read as
     * JSON's plain-number grammar, into {@code out} at {@code at} (room for {@link
     * #maxCanonicalBytes}); returns the position after it.
     */
    static int canonical(String in, int start, int end, byte[] out, int at) {
        int first = -1;
        int last = -1;
        int dot = -1;
        for (int i = start; i < end; i++) {
            char c = in.charAt(i);
            if (c == '.') {
                dot = i;
            } else if (c >= '1' && c <= '9') {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first < 0) {
            out[at++] = '0'; // zero, whatever its sign or notation
            return at;
        }
        // the exponent of the last digit is minus the fraction's length, plus one per trailing zero
        long exponent = dot < 0 ? 0 : -(long) (end - dot - 1);
        for (int i = last + 1; i < end; i++) {
            if (in.charAt(i) == '0') {
                exponent++;
            }
        }
        if (in.charAt(start) == '-') {
            out[at++] = '-';
        }
        for (int i = first; i <= last; i++) {
            char c = in.charAt(i);
            if (c != '.') {
                out[at++] = (byte) c;
            }
        }
        out[at++] = 'e';
        String e = Long.toString(exponent);
        for (int i = 0; i < e.length(); i++) {
            out[at++] = (byte) e.charAt(i);
        }
        return at;
    }
}

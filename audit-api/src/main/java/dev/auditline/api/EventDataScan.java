package dev.auditline.api;

import com.fasterxml.jackson.core.JsonStreamContext;
import java.util.ArrayList;
import java.util.List;

/**
 * What measuring an {@code event_data} object finds while it is written or read: its deepest
 * nesting and the first value that breaks a rule of its content (bad text, a duplicate key, a
 * number past the number limits).
 *
 * <p>The JSON path of a value ({@code event_data.steps[1].note}) is built from the parser's or
 * generator's context only when a rule is broken, so measuring costs nothing per key.
 */
final class EventDataScan {
    /** Characters a number in {@code event_data} may have as JSON text: {@value}. */
    static final int MAX_NUMBER_CHARS = 100;
    /** Largest decimal exponent (either sign) a number in {@code event_data} may carry: {@value}. */
    static final int MAX_NUMBER_EXPONENT = 1000;

    private int maxDepth;
    private long plainSurplus;
    private String problemPath;
    private String problemDetail;

    /** A container opened {@code depth} levels deep ({@code event_data} itself is 1). */
    void nesting(int depth) {
        if (depth > maxDepth) {
            maxDepth = depth;
        }
    }

    int depth() {
        return maxDepth;
    }

    /**
     * How many characters more than their text the numbers with an exponent take in plain decimal
     * notation, the form PostgreSQL's {@code jsonb} stores ({@code 1e999} is 5 characters sent and
     * 1,000 stored). Counted into the measured size, so the size rule bounds what is stored.
     */
    long plainSurplus() {
        return plainSurplus;
    }

    String problemPath() {
        return problemPath;
    }

    String problemDetail() {
        return problemDetail;
    }

    /** A key, just read or written; {@code context} is its object with the key as current name. */
    void key(String key, JsonStreamContext context, int levels) {
        if (problemPath == null) {
            String problem = EventRules.textProblem(key);
            if (problem != null) {
                problem(path(context, levels) + " (key)", problem);
            }
        }
    }

    void duplicateKey(JsonStreamContext context, int levels) {
        if (problemPath == null) {
            problem(path(context, levels), "duplicate key: a key may appear only once in an object");
        }
    }

    /** A string value; {@code context} is its container, positioned on it. */
    void text(String text, JsonStreamContext context, int levels) {
        if (problemPath == null) {
            String problem = EventRules.textProblem(text);
            if (problem != null) {
                problem(path(context, levels), problem);
            }
        }
    }

    void number(String text, JsonStreamContext context, int levels) {
        String problem = numberProblem(text);
        if (problem == null) {
            plainSurplus += plainSurplus(text);
        } else if (problemPath == null) {
            problem(path(context, levels), problem);
        }
    }

    /**
     * An upper bound of the characters {@code text} (a number within the limits) gains in plain
     * decimal notation: its mantissa's digits, the exponent's zeros, a sign, a point and a leading
     * zero, less the text itself; {@code 0} for a number without exponent.
     */
    private static long plainSurplus(String text) {
        int e = exponentAt(text);
        if (e < 0) {
            return 0;
        }
        int mantissaDigits = 0;
        for (int i = 0; i < e; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                mantissaDigits++;
            }
        }
        return Math.max(0, mantissaDigits + exponentMagnitude(text, e) + 3 - text.length());
    }

    /**
     * Why a number's text is past the number limits, or {@code null}. A number is kept exactly as
     * sent, and PostgreSQL's {@code jsonb} writes it out in plain decimal notation, so both its
     * length and its exponent are bounded.
     */
    static String numberProblem(String text) {
        if (text.length() > MAX_NUMBER_CHARS) {
            return "must be a number of at most " + MAX_NUMBER_CHARS + " characters (got " + text.length() + ")";
        }
        int e = exponentAt(text);
        if (e >= 0 && exponentMagnitude(text, e) > MAX_NUMBER_EXPONENT) {
            return "must be a number with an exponent between -" + MAX_NUMBER_EXPONENT + " and " + MAX_NUMBER_EXPONENT
                    + " (got " + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + ")";
        }
        return null;
    }

    /** Where a number's {@code e} or {@code E} is, or {@code -1}. */
    private static int exponentAt(String text) {
        return Math.max(text.indexOf('e'), text.indexOf('E'));
    }

    /**
     * The exponent's absolute value (its digits after {@code e} and an optional sign), or {@link
     * Integer#MAX_VALUE} when it has more than four significant digits.
     */
    private static int exponentMagnitude(String text, int e) {
        int i = e + 1;
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        while (i < text.length() - 1 && text.charAt(i) == '0') {
            i++;
        }
        if (text.length() - i > 4) {
            return Integer.MAX_VALUE;
        }
        return Integer.parseInt(text, i, text.length(), 10);
    }

    private void problem(String path, String detail) {
        // the path holds keys as sent; a NUL in a key must not reach a response, a log or a file
        problemPath = path.replace("\u0000", "\\u0000");
        problemDetail = detail;
    }

    /** The path of the current value of {@code context}, the innermost of {@code levels} open containers. */
    private static String path(JsonStreamContext context, int levels) {
        List<JsonStreamContext> chain = new ArrayList<>(levels);
        JsonStreamContext c = context;
        for (int i = 0; i < levels && c != null; i++, c = c.getParent()) {
            chain.add(c);
        }
        StringBuilder path = new StringBuilder("event_data");
        for (int i = chain.size() - 1; i >= 0; i--) {
            JsonStreamContext level = chain.get(i);
            if (level.inObject()) {
                if (level.getCurrentName() != null) {
                    path.append('.').append(level.getCurrentName());
                }
            } else if (level.inArray()) {
                path.append('[').append(Math.max(0, level.getCurrentIndex())).append(']');
            }
        }
        return path.toString();
    }
}

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
        if (problemPath == null) {
            String problem = numberProblem(text);
            if (problem != null) {
                problem(path(context, levels), problem);
            }
        }
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
        int e = Math.max(text.indexOf('e'), text.indexOf('E'));
        if (e < 0) {
            return null;
        }
        String exponent = text.substring(e + 1);
        String digits = exponent.startsWith("+") || exponent.startsWith("-") ? exponent.substring(1) : exponent;
        String trimmed = digits.replaceFirst("^0+(?=.)", "");
        if (trimmed.length() > 4 || Integer.parseInt(trimmed) > MAX_NUMBER_EXPONENT) {
            return "must be a number with an exponent between -" + MAX_NUMBER_EXPONENT + " and " + MAX_NUMBER_EXPONENT
                    + " (got " + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + ")";
        }
        return null;
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

package dev.auditline.api;

import java.util.Arrays;

/**
 * The fast path of {@link EventData#parse}: compacts a JSON object text in one pass over its
 * characters, without a parser, a generator or a string per value, when the text holds only what
 * needs no decoding: strings without escapes, surrogates or control characters, numbers without an
 * exponent and at most {@value EventDataScan#MAX_NUMBER_CHARS} characters, no duplicate keys, and
 * at most {@value #MAX_DEPTH} levels. Such a text breaks no content rule and its compact form is
 * exactly what the token-by-token copy writes (every character of a string and a number as read),
 * so the result equals the copy's. Anything else, including every malformed text, answers {@code
 * null} and the caller takes the copy, which decides and words the error.
 *
 * <p>It exists for the read path: every event a query returns has its {@code event_data} read back
 * from the store's text ({@code jsonb} prints {@code {"a": 1, "b": "x"}}), and the copy allocated
 * about 3 KB per event for that.
 */
final class PlainObjectText {
    /** Deeper texts go to the copy, which applies the parser's own nesting limit. */
    static final int MAX_DEPTH = 64;

    /** Keys per object compared pairwise for duplicates; an object with more goes to the copy. */
    private static final int MAX_KEYS = 64;

    private final String in;
    private final StringBuilder out; // Latin-1 text stays one byte a character
    private int pos;
    private long bytes;
    private int maxDepth;

    private PlainObjectText(String in) {
        this.in = in;
        this.out = new StringBuilder(in.length());
    }

    /** The compact object, or {@code null} when the text needs the copy. */
    static EventData compact(String json) {
        PlainObjectText t = new PlainObjectText(json);
        t.skipSpace();
        if (t.pos >= json.length() || json.charAt(t.pos) != '{' || !t.object(1)) {
            return null;
        }
        t.skipSpace();
        if (t.pos != json.length()) {
            return null;
        }
        return EventData.measured(t.out.toString(), t.bytes, t.maxDepth);
    }

    /** The object at {@code pos} (on its '{'), {@code depth} levels deep. */
    private boolean object(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        maxDepth = Math.max(maxDepth, depth);
        emit('{');
        pos++;
        skipSpace();
        if (peek() == '}') {
            emit('}');
            pos++;
            return true;
        }
        int[] keys = null; // start and end of each key in out, for the duplicate check
        int count = 0;
        while (true) {
            if (peek() != '"') {
                return false;
            }
            int keyStart = out.length() + 1;
            if (!string()) {
                return false;
            }
            int keyEnd = out.length() - 1;
            if (keys == null) {
                keys = new int[16];
            } else if (count * 2 == keys.length) {
                if (count == MAX_KEYS) {
                    return false;
                }
                keys = Arrays.copyOf(keys, keys.length * 2);
            }
            for (int k = 0; k < count; k++) {
                if (sameText(keys[2 * k], keys[2 * k + 1], keyStart, keyEnd)) {
                    return false; // a duplicate key: the copy names it
                }
            }
            keys[2 * count] = keyStart;
            keys[2 * count + 1] = keyEnd;
            count++;
            skipSpace();
            if (peek() != ':') {
                return false;
            }
            emit(':');
            pos++;
            skipSpace();
            if (!value(depth)) {
                return false;
            }
            skipSpace();
            char c = peek();
            if (c == ',') {
                emit(',');
                pos++;
                skipSpace();
            } else if (c == '}') {
                emit('}');
                pos++;
                return true;
            } else {
                return false;
            }
        }
    }

    private boolean array(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        maxDepth = Math.max(maxDepth, depth);
        emit('[');
        pos++;
        skipSpace();
        if (peek() == ']') {
            emit(']');
            pos++;
            return true;
        }
        while (true) {
            if (!value(depth)) {
                return false;
            }
            skipSpace();
            char c = peek();
            if (c == ',') {
                emit(',');
                pos++;
                skipSpace();
            } else if (c == ']') {
                emit(']');
                pos++;
                return true;
            } else {
                return false;
            }
        }
    }

    /** A value inside a container {@code depth} levels deep. */
    private boolean value(int depth) {
        char c = peek();
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> (c == '-' || (c >= '0' && c <= '9')) && number();
        };
    }

    /** A string without escapes, control characters or surrogates, copied as it is. */
    private boolean string() {
        emit('"');
        pos++;
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == '"') {
                emit('"');
                return true;
            }
            if (c == '\\' || c < 0x20 || Character.isSurrogate(c)) {
                return false;
            }
            emit(c);
        }
        return false;
    }

    /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}, as JSON writes it without an exponent. */
    private boolean number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        char first = peek();
        if (first == '0') {
            pos++;
        } else if (first >= '1' && first <= '9') {
            digits();
        } else {
            return false;
        }
        if (peek() == '.') {
            pos++;
            if (digits() == 0) {
                return false;
            }
        }
        char next = peek();
        if (next == 'e'
                || next == 'E'
                || (next >= '0' && next <= '9')
                || pos - start > EventDataScan.MAX_NUMBER_CHARS) {
            return false; // an exponent, a leading zero or a number past the limits: the copy decides
        }
        for (int i = start; i < pos; i++) {
            emit(in.charAt(i));
        }
        return endOfValue();
    }

    private int digits() {
        int start = pos;
        while (pos < in.length() && in.charAt(pos) >= '0' && in.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    private boolean literal(String word) {
        if (!in.startsWith(word, pos)) {
            return false;
        }
        pos += word.length();
        for (int i = 0; i < word.length(); i++) {
            emit(word.charAt(i));
        }
        return endOfValue();
    }

    /** A number or literal must end at a separator, a closing bracket, white space or the end. */
    private boolean endOfValue() {
        char c = peek();
        return c == 0 || c == ',' || c == '}' || c == ']' || isSpace(c);
    }

    private boolean sameText(int aStart, int aEnd, int bStart, int bEnd) {
        if (aEnd - aStart != bEnd - bStart) {
            return false;
        }
        for (int i = 0; i < aEnd - aStart; i++) {
            if (out.charAt(aStart + i) != out.charAt(bStart + i)) {
                return false;
            }
        }
        return true;
    }

    private void skipSpace() {
        while (pos < in.length() && isSpace(in.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** The character at {@code pos}, or 0 past the end (0 cannot start or end a valid value here). */
    private char peek() {
        return pos < in.length() ? in.charAt(pos) : 0;
    }

    private void emit(char c) {
        out.append(c);
        bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
}

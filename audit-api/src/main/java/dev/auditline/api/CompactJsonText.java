package dev.auditline.api;

import java.util.Arrays;

/**
 * Writes the compact JSON text of one value as {@link EventDataCopy} walks a parser's tokens, and
 * counts its UTF-8 bytes on the way. The text is the one Jackson's generator writes at its defaults
 * (no spaces; {@code "}, {@code \} and the control characters escaped, {@code \b \t \n \f \r} in
 * their short form and the others as a backslash, {@code u} and four upper-case hex digits; all
 * else, non-ASCII included, as it is), which a differential test holds it to, but without a generator, a
 * {@code Writer} and a second pass to count: the decoder of every ingested batch runs it once per
 * event. Past {@code keepBytes} it keeps counting but stops collecting ({@link Utf8CountingWriter}
 * holds the text and the count), so an oversize object costs a bounded amount of memory while its
 * exact size is still known for the message.
 */
final class CompactJsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final Utf8CountingWriter text;
    /** Per open container, from the outermost: whether it already holds an element. */
    private boolean[] hasElement = new boolean[16];

    private int depth;

    CompactJsonText(long keepBytes) {
        this.text = new Utf8CountingWriter(keepBytes, 512);
    }

    void startObject() {
        open('{');
    }

    void startArray() {
        open('[');
    }

    void end(char bracket) {
        depth--;
        raw(bracket);
    }

    void fieldName(String name) {
        separate();
        string(name);
        raw(':');
        hasElement[depth - 1] = false; // the member's value follows the colon without a comma
    }

    void value(String string) {
        separate();
        string(string);
    }

    /** A number, true, false or null: written as its text, which is ASCII. */
    void literal(String value) {
        separate();
        if (text.keep(value.length())) {
            text.kept().append(value);
        }
    }

    private void open(char bracket) {
        separate();
        raw(bracket);
        if (depth == hasElement.length) {
            hasElement = Arrays.copyOf(hasElement, depth * 2);
        }
        hasElement[depth++] = false;
    }

    /** A comma before every element of a container but its first (a member's value never gets one). */
    private void separate() {
        if (depth == 0) {
            return;
        }
        if (hasElement[depth - 1]) {
            raw(',');
        } else {
            hasElement[depth - 1] = true;
        }
    }

    private void raw(char c) {
        if (text.keep(1)) {
            text.kept().append(c);
        }
    }

    private void string(String s) {
        int length = s.length();
        long n = 2 + length; // the quotes, and one byte per character before what follows adds
        boolean escapes = false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                n += c < 0x800 || Character.isSurrogate(c) ? 1 : 2; // each half of a pair: 2 bytes
            } else if (c < 0x20 || c == '"' || c == '\\') {
                n += escapeLength(c) - 1;
                escapes = true;
            }
        }
        if (!text.keep(n)) {
            return;
        }
        StringBuilder out = text.kept();
        out.append('"');
        if (!escapes) {
            out.append(s);
        } else {
            for (int i = 0; i < length; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c == '"' || c == '\\') {
                    escape(out, c);
                } else {
                    out.append(c);
                }
            }
        }
        out.append('"');
    }

    private static int escapeLength(char c) {
        return switch (c) {
            case '"', '\\', '\b', '\t', '\n', '\f', '\r' -> 2;
            default -> 6;
        };
    }

    private static void escape(StringBuilder out, char c) {
        switch (c) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\b' -> out.append("\\b");
            case '\t' -> out.append("\\t");
            case '\n' -> out.append("\\n");
            case '\f' -> out.append("\\f");
            case '\r' -> out.append("\\r");
            default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        }
    }

    long bytes() {
        return text.bytes();
    }

    boolean truncated() {
        return text.truncated();
    }

    String text() {
        return text.text();
    }
}

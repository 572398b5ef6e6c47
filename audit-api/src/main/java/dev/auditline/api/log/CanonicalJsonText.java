package dev.auditline.api.log;

import java.util.Arrays;

/**
 * The {@link CanonicalJson} bytes of a JSON text, read straight from its characters into one byte
 * buffer: no parser, no string per token, no buffer per member. Every leaf hashes its event's
 * {@code event_data} this way on ingest, so this is on the store's hot path; the Jackson-based
 * reading in {@link CanonicalJson} stays as the reference that tests compare this with, and takes
 * over for any text this reader does not accept (which then fails there with the parser's message).
 *
 * <p>An object's members are written one after another as they are read, each remembered by its
 * key and byte range; at the object's end the members are put in key order (UTF-16 code units,
 * as {@link String#compareTo}) with one copy of the object's bytes, none when the keys came
 * sorted. Strings are encoded as {@link String#getBytes} with UTF-8 encodes them: an unpaired
 * surrogate becomes {@code '?'}.
 */
final class CanonicalJsonText {
    /** Thrown for any text outside the JSON grammar this reader accepts; never escapes the class. */
    private static final class NotAccepted extends Exception {
        NotAccepted() {
            super(null, null, false, false);
        }
    }

    private static final NotAccepted NOT_ACCEPTED = new NotAccepted();

    private final String in;
    private int pos;
    private byte[] out;
    private int len;
    private byte[] spare = new byte[0];

    private CanonicalJsonText(String in) {
        this.in = in;
        this.out = new byte[in.length() + (in.length() >> 1) + 64];
    }

    /**
     * The canonical bytes of {@code json}, or {@code null} when the text is not one JSON value this
     * reader accepts; only the first {@link #length} bytes of the result are the value.
     */
    static CanonicalJsonText read(String json) {
        CanonicalJsonText r = new CanonicalJsonText(json);
        try {
            r.skipSpace();
            r.value(0);
            r.skipSpace();
            return r.pos == json.length() ? r : null;
        } catch (NotAccepted | StringIndexOutOfBoundsException e) {
            return null;
        }
    }

    byte[] bytes() {
        return out;
    }

    int length() {
        return len;
    }

    /**
     * Deeper than this is left to the reference reader (whose own limit then applies); far above
     * what the event rules let {@code event_data} nest.
     */
    private static final int MAX_DEPTH = 64;

    private void value(int depth) throws NotAccepted {
        if (depth > MAX_DEPTH) {
            throw NOT_ACCEPTED;
        }
        char c = in.charAt(pos);
        switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> {
                put((byte) 's');
                int at = reserve();
                string(false);
                setLength(at);
            }
            case 't' -> literal("true", (byte) 't');
            case 'f' -> literal("false", (byte) 'f');
            case 'n' -> literal("null", (byte) 'z');
            default -> number();
        }
    }

    private void object(int depth) throws NotAccepted {
        pos++; // '{'
        put((byte) 'o');
        int countAt = reserve();
        int membersStart = len;
        skipSpace();
        if (in.charAt(pos) == '}') {
            pos++;
            putInt(countAt, 0);
            return;
        }
        String[] keys = new String[8];
        int[] starts = new int[9];
        int count = 0;
        boolean sorted = true;
        while (true) {
            if (in.charAt(pos) != '"') {
                throw NOT_ACCEPTED;
            }
            if (count == keys.length) {
                keys = Arrays.copyOf(keys, count * 2);
                starts = Arrays.copyOf(starts, count * 2 + 1);
            }
            starts[count] = len;
            int keyAt = reserve();
            int keyFrom = pos + 1;
            boolean escaped = string(true);
            setLength(keyAt);
            String key = escaped ? unescaped(keyFrom, pos - 1) : in.substring(keyFrom, pos - 1);
            if (count > 0 && sorted && keys[count - 1].compareTo(key) > 0) {
                sorted = false;
            }
            keys[count++] = key;
            skipSpace();
            expect(':');
            skipSpace();
            value(depth + 1);
            skipSpace();
            char c = in.charAt(pos++);
            if (c == '}') {
                break;
            }
            if (c != ',') {
                throw NOT_ACCEPTED;
            }
            skipSpace();
        }
        starts[count] = len;
        putInt(countAt, count);
        if (!sorted) {
            sortMembers(keys, starts, count, membersStart);
        }
    }

    /** Rewrites the members between {@code membersStart} and {@link #len} in key order. */
    private void sortMembers(String[] keys, int[] starts, int count, int membersStart) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        // stable, as List.sort in the reference: equal keys (a duplicate) keep their order
        Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
        int size = len - membersStart;
        if (spare.length < size) {
            spare = new byte[Math.max(size, spare.length * 2)];
        }
        System.arraycopy(out, membersStart, spare, 0, size);
        int at = membersStart;
        for (int i : order) {
            int from = starts[i] - membersStart;
            int n = starts[i + 1] - starts[i];
            System.arraycopy(spare, from, out, at, n);
            at += n;
        }
    }

    /**
     * The characters of the string literal between {@code from} and {@code to}, already accepted
     * by {@link #string}, with its escapes resolved: keys sort by these, lone surrogates included.
     */
    private String unescaped(int from, int to) throws NotAccepted {
        StringBuilder key = new StringBuilder(to - from);
        int resume = pos;
        pos = from;
        while (pos < to) {
            char c = in.charAt(pos++);
            key.append(c == '\\' ? unescape() : c);
        }
        pos = resume;
        return key.toString();
    }

    private void array(int depth) throws NotAccepted {
        pos++; // '['
        put((byte) 'a');
        int countAt = reserve();
        skipSpace();
        int count = 0;
        if (in.charAt(pos) == ']') {
            pos++;
        } else {
            while (true) {
                value(depth + 1);
                count++;
                skipSpace();
                char c = in.charAt(pos++);
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw NOT_ACCEPTED;
                }
                skipSpace();
            }
        }
        putInt(countAt, count);
    }

    /**
     * Writes the UTF-8 bytes of the string literal at {@link #pos} (on its opening quote) and moves
     * past its closing quote; whether it held an escape. A key with a surrogate is left to Jackson's
     * parser, which has rules of its own for surrogates in names (it rejects an escaped unpaired one).
     */
    private boolean string(boolean key) throws NotAccepted {
        pos++;
        boolean escaped = false;
        int n = in.length();
        while (true) {
            // the common run: printable ASCII without a quote or backslash, one byte each
            int run = pos;
            while (run < n) {
                char c = in.charAt(run);
                if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                    break;
                }
                run++;
            }
            if (run > pos) {
                ensure(run - pos);
                byte[] o = out;
                int l = len;
                for (int i = pos; i < run; i++) {
                    o[l++] = (byte) in.charAt(i);
                }
                len = l;
                pos = run;
            }
            if (pos >= n) {
                throw NOT_ACCEPTED;
            }
            char c = in.charAt(pos++);
            if (c == '"') {
                return escaped;
            }
            if (c < 0x20) {
                throw NOT_ACCEPTED; // a raw control character: not JSON
            }
            if (c == '\\') {
                escaped = true;
                c = unescape();
            }
            if (c < 0x80) {
                put((byte) c);
            } else if (c < 0x800) {
                ensure(2);
                out[len++] = (byte) (0xC0 | (c >> 6));
                out[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (key) {
                    throw NOT_ACCEPTED;
                }
                surrogate(c);
            } else {
                ensure(3);
                out[len++] = (byte) (0xE0 | (c >> 12));
                out[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[len++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }

    /** A surrogate {@code c}: with its low half (raw or escaped) four bytes, alone {@code '?'}. */
    private void surrogate(char c) throws NotAccepted {
        if (Character.isHighSurrogate(c) && pos < in.length()) {
            int back = pos;
            char next = in.charAt(pos++);
            if (next == '\\') {
                next = unescape();
            }
            if (Character.isLowSurrogate(next)) {
                int cp = Character.toCodePoint(c, next);
                ensure(4);
                out[len++] = (byte) (0xF0 | (cp >> 18));
                out[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[len++] = (byte) (0x80 | (cp & 0x3F));
                return;
            }
            pos = back; // the next character is read again on its own
        }
        put((byte) '?');
    }

    /** The character of the escape after a backslash at {@code pos - 1}. */
    private char unescape() throws NotAccepted {
        char e = in.charAt(pos++);
        return switch (e) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '/' -> '/';
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'u' -> {
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int d = hexDigit(in.charAt(pos++));
                    if (d < 0) {
                        throw NOT_ACCEPTED;
                    }
                    v = (v << 4) | d;
                }
                yield (char) v;
            }
            default -> throw NOT_ACCEPTED;
        };
    }

    /**
     * A number as {@link CanonicalJson#canonicalNumber}: plain integers and decimals directly, a
     * number with an exponent through it.
     */
    private void number() throws NotAccepted {
        int start = pos;
        int end = JsonNumberScan.end(in, start);
        if (end < 0) {
            throw NOT_ACCEPTED;
        }
        pos = end;
        put((byte) 'n');
        int at = reserve();
        if (JsonNumberScan.hasExponent(in, start, end)) {
            String canonical;
            try {
                canonical = CanonicalJson.canonicalNumber(in.substring(start, end));
            } catch (NumberFormatException | ArithmeticException e) {
                throw NOT_ACCEPTED;
            }
            for (int i = 0; i < canonical.length(); i++) {
                put((byte) canonical.charAt(i));
            }
        } else {
            ensure(PlainNumber.maxCanonicalBytes(start, end));
            len = PlainNumber.canonical(in, start, end, out, len);
        }
        setLength(at);
    }

    /**
     * An ASCII hex digit's value, else -1: {@code Character.digit} also takes Arabic-Indic and
     * fullwidth digits, which JSON does not.
     */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char lower = (char) (c | 0x20);
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    private void literal(String word, byte tag) throws NotAccepted {
        if (!in.startsWith(word, pos)) {
            throw NOT_ACCEPTED;
        }
        pos += word.length();
        put(tag);
    }

    private void expect(char c) throws NotAccepted {
        if (in.charAt(pos++) != c) {
            throw NOT_ACCEPTED;
        }
    }

    private void skipSpace() {
        int n = in.length();
        while (pos < n) {
            char c = in.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    /** Reserves a 4-byte length or count; returns its position. */
    private int reserve() {
        ensure(4);
        len += 4;
        return len - 4;
    }

    /** Fills the length reserved at {@code at} with the bytes written since. */
    private void setLength(int at) {
        putInt(at, len - at - 4);
    }

    private void putInt(int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
    }

    private void put(byte b) {
        ensure(1);
        out[len++] = b;
    }

    private void ensure(int more) {
        if (len + more > out.length) {
            out = Arrays.copyOf(out, Math.max(len + more, out.length * 2));
        }
    }
}

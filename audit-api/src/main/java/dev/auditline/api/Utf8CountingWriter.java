package dev.auditline.api;

import java.io.Writer;

/**
 * Collects the compact JSON text of an {@code event_data} object and counts its UTF-8 bytes as it
 * arrives. Past {@code keepBytes} it keeps counting but stops collecting, so an oversize object
 * costs a bounded amount of memory while its exact size is still known for the message.
 */
final class Utf8CountingWriter extends Writer {
    private final StringBuilder text;
    private final long keepBytes;
    private long bytes;
    private boolean truncated;

    Utf8CountingWriter(long keepBytes) {
        this(keepBytes, 64);
    }

    Utf8CountingWriter(long keepBytes, int capacity) {
        this.keepBytes = keepBytes;
        this.text = new StringBuilder(capacity);
    }

    /**
     * Counts {@code n} UTF-8 bytes that the caller measured itself (see {@link CompactJsonText});
     * whether the text is still kept, and so whether the caller appends them to {@link #kept()}.
     */
    boolean keep(long n) {
        count(n);
        return !truncated;
    }

    /** The text kept so far, for a caller that {@link #keep counted} what it appends. */
    StringBuilder kept() {
        return text;
    }

    @Override
    public void write(char[] chars, int off, int len) {
        long n = 0;
        for (int i = off; i < off + len; i++) {
            n += utf8Bytes(chars[i]);
        }
        count(n);
        if (!truncated) {
            text.append(chars, off, len);
        }
    }

    @Override
    public void write(String s, int off, int len) {
        long n = 0;
        for (int i = off; i < off + len; i++) {
            n += utf8Bytes(s.charAt(i));
        }
        count(n);
        if (!truncated) {
            text.append(s, off, off + len);
        }
    }

    @Override
    public void write(int c) {
        count(utf8Bytes((char) c));
        if (!truncated) {
            text.append((char) c);
        }
    }

    private void count(long n) {
        bytes += n;
        if (bytes > keepBytes && !truncated) {
            truncated = true;
            text.setLength(0);
            text.trimToSize();
        }
    }

    /** UTF-8 bytes of one UTF-16 unit: each half of a surrogate pair counts for half of its four bytes. */
    private static int utf8Bytes(char c) {
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800 || Character.isSurrogate(c)) {
            return 2;
        }
        return 3;
    }

    long bytes() {
        return bytes;
    }

    boolean truncated() {
        return truncated;
    }

    String text() {
        return text.toString();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}

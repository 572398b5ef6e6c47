package dev.auditline.datastorage.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Strict gzip (RFC 1952) decoding of a request body: exactly one member, its trailer's CRC-32 and
 * length checked, nothing after it. {@link java.util.zip.GZIPInputStream} reads a second member
 * silently and stops without a word at trailing garbage; a body is either what the client
 * compressed or refused.
 */
final class Gzip {
    private static final int FTEXT = 1;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private Gzip() {}

    /** The body is not one well-formed gzip member. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** The decompressed body passes the limit. */
    static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * A {@link Malformed} or {@link TooLarge} met while reading a {@link Stream}: an {@link
     * IOException} so it travels through a JSON parser reading the stream unchanged.
     */
    static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(Exception cause) {
            super(cause.getMessage(), cause);
        }

        /** {@link Malformed} or {@link TooLarge}. */
        Exception reason() {
            return (Exception) getCause();
        }
    }

    /**
     * The decompressed bytes of the one gzip member {@code gz} holds, at most {@code maxBytes} of them.
     *
     * <p>The output array is sized from the trailer's length field (ISIZE), capped at {@code
     * maxBytes}, and the data is inflated straight into it: a well-formed body is decompressed
     * into one array of its exact size, with no staging buffer and no final copy. The field is only
     * a hint: a member that lies in it grows the array or ends in a shorter copy, and the trailer
     * check refuses it anyway. Allocating up to {@code maxBytes} on its word costs no more memory
     * than an honest body that inflates to the limit.
     */
    static byte[] inflate(byte[] gz, long maxBytes) throws Malformed, TooLarge {
        try (Stream in = new Stream(gz, maxBytes)) {
            byte[] out = new byte[in.expectedSize()];
            int total = 0;
            while (true) {
                if (total == out.length) {
                    // full: read one byte aside to learn whether the data ends exactly here
                    int next = in.read();
                    if (next < 0) {
                        return out;
                    }
                    out = Arrays.copyOf(out, (int) Math.min(in.limit, Math.max(8192, 2L * out.length)));
                    out[total++] = (byte) next;
                }
                int n = in.read(out, total, out.length - total);
                if (n < 0) {
                    return Arrays.copyOf(out, total);
                }
                total += n;
            }
        } catch (Failure e) {
            if (e.reason() instanceof TooLarge tooLarge) {
                throw tooLarge;
            }
            throw (Malformed) e.reason();
        }
    }

    /** Arrays longer than this are refused by some JVMs. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    /**
     * The decompressed bytes of one gzip member, inflated as they are read: a decoder reading it
     * never needs the whole body in memory. {@link #read} answers the end only after the trailer
     * (CRC-32, length, nothing after it) has been checked, and throws a {@link Failure} for a
     * member that is malformed or inflates past {@code maxBytes}; a reader that stops early calls
     * {@link #drain()} to have the whole member checked all the same.
     */
    static final class Stream extends InputStream {
        private final byte[] gz;
        private final int limit;
        private final Inflater inflater = new Inflater(true);
        private final CRC32 crc = new CRC32();
        private long total;
        private int stalled;
        private boolean ended;

        /** @throws Malformed when the member's header is not gzip's */
        Stream(byte[] gz, long maxBytes) throws Malformed {
            this.gz = gz;
            this.limit = (int) Math.min(maxBytes, MAX_ARRAY);
            int at = header(gz);
            inflater.setInput(gz, at, gz.length - at);
        }

        /** The trailer's length field when it is within the limit, else a guess from the compressed size. */
        int expectedSize() {
            if (gz.length >= 18) {
                long isize = le32(gz, gz.length - 4);
                if (isize > 0 && isize <= limit) {
                    return (int) isize;
                }
            }
            return (int) Math.min(limit, Math.max(8192, 4L * gz.length));
        }

        @Override
        public int read() throws Failure {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] into, int off, int len) throws Failure {
            Objects.checkFromIndexSize(off, len, into.length);
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            while (true) {
                int n;
                try {
                    n = inflater.inflate(into, off, len);
                } catch (DataFormatException e) {
                    throw new Failure(new Malformed("the deflate data is corrupt (" + e.getMessage() + ")"));
                }
                if (n > 0) {
                    stalled = 0;
                    total += n;
                    if (total > limit) {
                        throw new Failure(new TooLarge());
                    }
                    crc.update(into, off, n);
                    return n;
                }
                if (inflater.finished()) {
                    checkTrailer();
                    ended = true;
                    return -1;
                }
                if (inflater.needsDictionary()) {
                    throw new Failure(new Malformed("the deflate data asks for a preset dictionary"));
                }
                if (inflater.needsInput()) {
                    throw new Failure(new Malformed("the body ends inside the compressed data"));
                }
                if (++stalled > 16) {
                    throw new Failure(new Malformed("the deflate data makes no progress"));
                }
            }
        }

        /** Reads what is left, so the whole member is checked even when its reader stopped early. */
        void drain() throws Failure {
            byte[] sink = new byte[8192];
            while (read(sink, 0, sink.length) >= 0) {
                // discarded: only the checks matter
            }
        }

        private void checkTrailer() throws Failure {
            int trailer = gz.length - inflater.getRemaining();
            if (gz.length - trailer < 8) {
                throw new Failure(new Malformed("the body ends inside the gzip trailer (CRC-32 and length)"));
            }
            long storedCrc = le32(gz, trailer);
            long storedSize = le32(gz, trailer + 4);
            if (storedCrc != crc.getValue()) {
                throw new Failure(new Malformed("the CRC-32 in the gzip trailer does not match the data"));
            }
            if (storedSize != (total & 0xFFFFFFFFL)) {
                throw new Failure(new Malformed("the length in the gzip trailer (" + storedSize
                        + ") does not match the data (" + total + " bytes)"));
            }
            int after = gz.length - trailer - 8;
            if (after > 0) {
                throw new Failure(new Malformed(after + " bytes follow the gzip stream (a second member or other"
                        + " data); send one gzip member"));
            }
        }

        @Override
        public void close() {
            inflater.end();
        }
    }

    /** Checks the member header and returns where the compressed data starts. */
    private static int header(byte[] gz) throws Malformed {
        if (gz.length < 10 || (gz[0] & 0xFF) != 0x1f || (gz[1] & 0xFF) != 0x8b) {
            throw new Malformed("not in gzip format (no gzip header)");
        }
        if (gz[2] != 8) {
            throw new Malformed("unsupported compression method " + (gz[2] & 0xFF) + " (only deflate, 8)");
        }
        int flags = gz[3] & 0xFF;
        if ((flags & ~(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT)) != 0) {
            throw new Malformed("reserved gzip header flags are set");
        }
        int at = 10;
        if ((flags & FEXTRA) != 0) {
            if (gz.length < at + 2) {
                throw new Malformed("the body ends inside the gzip header");
            }
            at += 2 + ((gz[at] & 0xFF) | (gz[at + 1] & 0xFF) << 8);
        }
        if ((flags & FNAME) != 0) {
            at = afterZero(gz, at);
        }
        if ((flags & FCOMMENT) != 0) {
            at = afterZero(gz, at);
        }
        if ((flags & FHCRC) != 0) {
            if (gz.length < at + 2) {
                throw new Malformed("the body ends inside the gzip header");
            }
            CRC32 crc = new CRC32();
            crc.update(gz, 0, at);
            if ((crc.getValue() & 0xFFFF) != ((gz[at] & 0xFF) | (gz[at + 1] & 0xFF) << 8)) {
                throw new Malformed("the gzip header's CRC does not match");
            }
            at += 2;
        }
        if (at > gz.length) {
            throw new Malformed("the body ends inside the gzip header");
        }
        return at;
    }

    private static int afterZero(byte[] gz, int from) throws Malformed {
        for (int i = from; i < gz.length; i++) {
            if (gz[i] == 0) {
                return i + 1;
            }
        }
        throw new Malformed("the body ends inside the gzip header");
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }
}

package dev.auditline.datastorage.http;

import java.io.ByteArrayOutputStream;
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

    /** The decompressed bytes of the one gzip member {@code gz} holds, at most {@code maxBytes} of them. */
    static byte[] inflate(byte[] gz, long maxBytes) throws Malformed, TooLarge {
        int at = header(gz);
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(gz, at, gz.length - at);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(gz.length * 4, 1 << 20));
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[65536];
            long total = 0;
            int stalled = 0;
            while (!inflater.finished()) {
                int n;
                try {
                    n = inflater.inflate(buffer);
                } catch (DataFormatException e) {
                    throw new Malformed("the deflate data is corrupt (" + e.getMessage() + ")");
                }
                if (n == 0) {
                    if (inflater.needsDictionary()) {
                        throw new Malformed("the deflate data asks for a preset dictionary");
                    }
                    if (inflater.needsInput()) {
                        throw new Malformed("the body ends inside the compressed data");
                    }
                    if (++stalled > 16) {
                        throw new Malformed("the deflate data makes no progress");
                    }
                } else {
                    stalled = 0;
                }
                total += n;
                if (total > maxBytes) {
                    throw new TooLarge();
                }
                crc.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
            int trailer = gz.length - inflater.getRemaining();
            if (gz.length - trailer < 8) {
                throw new Malformed("the body ends inside the gzip trailer (CRC-32 and length)");
            }
            long storedCrc = le32(gz, trailer);
            long storedSize = le32(gz, trailer + 4);
            if (storedCrc != crc.getValue()) {
                throw new Malformed("the CRC-32 in the gzip trailer does not match the data");
            }
            if (storedSize != (total & 0xFFFFFFFFL)) {
                throw new Malformed("the length in the gzip trailer (" + storedSize + ") does not match the data ("
                        + total + " bytes)");
            }
            int after = gz.length - trailer - 8;
            if (after > 0) {
                throw new Malformed(after + " bytes follow the gzip stream (a second member or other data);"
                        + " send one gzip member");
            }
            return out.toByteArray();
        } finally {
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

package dev.auditline.spool;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of a segment file (see {@code docs/spool.md}).
 *
 * <pre>
 * header  : magic "ALSP" (4) | format version (2) | reserved 0 (2) | segment sequence (8)
 * record* : payload length (4, &gt; 0) | CRC32C of the payload (4) | payload
 * </pre>
 *
 * All integers are big-endian. A zero length is never written, so a zero-filled tail (what some file
 * systems leave after a crash) reads as damage, not as empty records.
 */
final class SegmentFormat {
    static final int MAGIC = 0x414C5350; // "ALSP"
    static final short VERSION = 1;
    static final int HEADER_BYTES = 16;
    static final int RECORD_HEADER_BYTES = 8;

    /** Largest payload: keeps a record's length and the reader's byte array within {@code int}. */
    static final int MAX_PAYLOAD_BYTES = Integer.MAX_VALUE - 64;

    static final String SEALED_SUFFIX = ".log";
    static final String OPEN_SUFFIX = ".log.tmp";
    static final String ACK_SUFFIX = ".ack";
    static final String CORRUPT_SUFFIX = ".corrupt";

    private static final Pattern NAME = Pattern.compile("segment-(\\d{20})(\\.log|\\.log\\.tmp|\\.ack)");

    private SegmentFormat() {}

    /** Zero-padded so that lexical order is sequence order. */
    static String baseName(long sequence) {
        return String.format("segment-%020d", sequence);
    }

    static Path sealedPath(Path dir, long sequence) {
        return dir.resolve(baseName(sequence) + SEALED_SUFFIX);
    }

    static Path openPath(Path dir, long sequence) {
        return dir.resolve(baseName(sequence) + OPEN_SUFFIX);
    }

    static Path ackPath(Path dir, long sequence) {
        return dir.resolve(baseName(sequence) + ACK_SUFFIX);
    }

    /** A file name of ours: its sequence and suffix, or {@code null} for anything else. */
    static Name parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return null;
        }
        return new Name(Long.parseLong(m.group(1)), m.group(2));
    }

    record Name(long sequence, String suffix) {}

    static byte[] header(long sequence) {
        return ByteBuffer.allocate(HEADER_BYTES)
                .putInt(MAGIC)
                .putShort(VERSION)
                .putShort((short) 0)
                .putLong(sequence)
                .array();
    }

    /** The record as written: length, CRC32C, payload. */
    static byte[] frame(byte[] payload) {
        return ByteBuffer.allocate(RECORD_HEADER_BYTES + payload.length)
                .putInt(payload.length)
                .putInt(crc(payload, payload.length))
                .put(payload)
                .array();
    }

    static int crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}

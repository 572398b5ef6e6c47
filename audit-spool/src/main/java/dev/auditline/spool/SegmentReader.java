package dev.auditline.spool;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads a segment record by record, checking each CRC. It never throws on damaged content: it stops
 * and says what it found in {@link #problem()}, so recovery can truncate instead of failing.
 *
 * <p>Memory is bounded whatever the file says: a length field is checked against the largest record
 * the spool's configuration lets the writer produce and against the bytes left in the file before
 * anything is allocated for it, so a crafted segment (a sparse file whose length field claims 2 GiB)
 * is damage to cut, never an {@link OutOfMemoryError}. {@link #skip()} checks a record's CRC in
 * fixed-size chunks without holding its payload, which is all recovery needs.
 */
final class SegmentReader implements Closeable {
    private static final int CHUNK_BYTES = 64 * 1024;

    private final FileChannel channel;
    private final DataInputStream in;
    private final long fileBytes;
    private final long maxPayloadBytes;
    private byte[] chunk;
    private int expectedCrc; // of the record whose header readRecordHeader read last
    private long position;
    private byte[] payload;
    private String problem;
    private boolean headerValid;

    private SegmentReader(FileChannel channel, long maxPayloadBytes) throws IOException {
        this.channel = channel;
        this.fileBytes = channel.size();
        this.maxPayloadBytes = maxPayloadBytes;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), CHUNK_BYTES));
        readHeader();
    }

    /**
     * @param maxPayloadBytes the largest payload the writer can have written ({@link
     *     SpoolConfig#maxRecordBytes()}); a longer length field is damage
     */
    static SegmentReader open(Path file, long maxPayloadBytes) throws IOException {
        if (maxPayloadBytes < 1) {
            throw new IllegalArgumentException("maxPayloadBytes must be ≥ 1 (got " + maxPayloadBytes + ")");
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SegmentReader(channel, maxPayloadBytes);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void readHeader() throws IOException {
        if (fileBytes < SegmentFormat.HEADER_BYTES) {
            problem = "torn header: file has " + fileBytes + " bytes, header needs " + SegmentFormat.HEADER_BYTES;
            return;
        }
        int magic = in.readInt();
        short version = in.readShort();
        in.readShort();
        in.readLong();
        if (magic != SegmentFormat.MAGIC) {
            problem = "not a spool segment: magic 0x" + Integer.toHexString(magic);
            return;
        }
        if (version != SegmentFormat.VERSION) {
            problem = "unsupported segment format version " + version + " (this build reads " + SegmentFormat.VERSION
                    + ")";
            return;
        }
        headerValid = true;
        position = SegmentFormat.HEADER_BYTES;
    }

    boolean headerValid() {
        return headerValid;
    }

    /**
     * Advances to the next record and keeps its payload for {@link #payload()}.
     *
     * @return {@code false} at the clean end of the file or at damage ({@link #problem()} then says which)
     */
    boolean next() throws IOException {
        payload = null;
        int length = readRecordHeader();
        if (length < 0) {
            return false;
        }
        byte[] bytes = new byte[length]; // bounded by maxPayloadBytes and by the file: checked above
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            problem = "file shrank while reading the record at offset " + position;
            return false;
        }
        if (SegmentFormat.crc(bytes, length) != expectedCrc) {
            problem = crcMismatch(length);
            return false;
        }
        payload = bytes;
        position += SegmentFormat.RECORD_HEADER_BYTES + length;
        return true;
    }

    /**
     * Advances past the next record after checking its CRC, reading it in chunks of {@value
     * #CHUNK_BYTES} bytes: {@link #payload()} is then {@code null}. What recovery and the skipping of
     * acknowledged records use, so neither holds a whole record in memory.
     *
     * @return as {@link #next()}
     */
    boolean skip() throws IOException {
        payload = null;
        int length = readRecordHeader();
        if (length < 0) {
            return false;
        }
        if (chunk == null) {
            chunk = new byte[CHUNK_BYTES];
        }
        CRC32C crc = new CRC32C();
        int left = length;
        while (left > 0) {
            int read = in.read(chunk, 0, Math.min(left, chunk.length));
            if (read < 0) {
                problem = "file shrank while reading the record at offset " + position;
                return false;
            }
            crc.update(chunk, 0, read);
            left -= read;
        }
        if ((int) crc.getValue() != expectedCrc) {
            problem = crcMismatch(length);
            return false;
        }
        position += SegmentFormat.RECORD_HEADER_BYTES + length;
        return true;
    }

    /**
     * Reads a record's length and CRC and checks the length before anything is allocated for it.
     *
     * @return the payload length, or -1 at the end of the file or at damage ({@link #problem} set)
     */
    private int readRecordHeader() throws IOException {
        if (problem != null) {
            return -1;
        }
        long remaining = fileBytes - position;
        if (remaining == 0) {
            return -1;
        }
        if (remaining < SegmentFormat.RECORD_HEADER_BYTES) {
            problem = "torn record header at offset " + position + ": only " + remaining + " bytes left";
            return -1;
        }
        int length = in.readInt();
        expectedCrc = in.readInt();
        long available = remaining - SegmentFormat.RECORD_HEADER_BYTES;
        if (length <= 0) {
            problem = "invalid record length " + length + " at offset " + position;
            return -1;
        }
        if (length > maxPayloadBytes) {
            problem = "invalid record length " + length + " at offset " + position
                    + ": larger than any record this spool writes (max " + maxPayloadBytes + " bytes)";
            return -1;
        }
        if (length > available) {
            problem = "torn record at offset " + position + ": length " + length + " but only " + available
                    + " bytes left";
            return -1;
        }
        return length;
    }

    private String crcMismatch(int length) {
        return "CRC mismatch in the record at offset " + position + " (length " + length + ")";
    }

    /** The current record's payload, after {@link #next()} returned {@code true}. */
    byte[] payload() {
        return payload;
    }

    /** Offset just past the last good record (or the header): where a damaged file is cut. */
    long position() {
        return position;
    }

    long fileBytes() {
        return fileBytes;
    }

    /** What stopped the reader before the end of the file, or {@code null}. */
    String problem() {
        return problem;
    }

    /**
     * Best-effort count of records lost past {@link #position()}: follows the length fields while they
     * are plausible. At least 1 when any bytes are left.
     */
    long countDamagedRecords() throws IOException {
        long at = position;
        long count = 0;
        ByteBuffer lengthField = ByteBuffer.allocate(4);
        while (at < fileBytes) {
            count++;
            lengthField.clear();
            if (fileBytes - at < SegmentFormat.RECORD_HEADER_BYTES) {
                break;
            }
            while (lengthField.hasRemaining()) {
                if (channel.read(lengthField, at + lengthField.position()) < 0) {
                    return count;
                }
            }
            int length = lengthField.getInt(0);
            if (length <= 0) {
                break;
            }
            at += SegmentFormat.RECORD_HEADER_BYTES + (long) length;
        }
        return count;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

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

/**
 * Reads a segment record by record, checking each CRC. It never throws on damaged content: it stops
 * and says what it found in {@link #problem()}, so recovery can truncate instead of failing.
 */
final class SegmentReader implements Closeable {
    private final FileChannel channel;
    private final DataInputStream in;
    private final long fileBytes;
    private long position;
    private byte[] payload;
    private String problem;
    private boolean headerValid;

    private SegmentReader(FileChannel channel) throws IOException {
        this.channel = channel;
        this.fileBytes = channel.size();
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024));
        readHeader();
    }

    static SegmentReader open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SegmentReader(channel);
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
     * Advances to the next record.
     *
     * @return {@code false} at the clean end of the file or at damage ({@link #problem()} then says which)
     */
    boolean next() throws IOException {
        payload = null;
        if (problem != null) {
            return false;
        }
        long remaining = fileBytes - position;
        if (remaining == 0) {
            return false;
        }
        if (remaining < SegmentFormat.RECORD_HEADER_BYTES) {
            problem = "torn record header at offset " + position + ": only " + remaining + " bytes left";
            return false;
        }
        int length = in.readInt();
        int crc = in.readInt();
        long available = remaining - SegmentFormat.RECORD_HEADER_BYTES;
        if (length <= 0) {
            problem = "invalid record length " + length + " at offset " + position;
            return false;
        }
        if (length > available) {
            problem = "torn record at offset " + position + ": length " + length + " but only " + available
                    + " bytes left";
            return false;
        }
        byte[] bytes = new byte[length];
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            problem = "file shrank while reading the record at offset " + position;
            return false;
        }
        if (SegmentFormat.crc(bytes, length) != crc) {
            problem = "CRC mismatch in the record at offset " + position + " (length " + length + ")";
            return false;
        }
        payload = bytes;
        position += SegmentFormat.RECORD_HEADER_BYTES + length;
        return true;
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

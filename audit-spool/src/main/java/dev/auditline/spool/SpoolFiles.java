package dev.auditline.spool;

import dev.auditline.spool.internal.OwnerOnly;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The file operations of the spool that more than one of its parts needs: directory sync, progress files. */
final class SpoolFiles {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    private SpoolFiles() {}

    /**
     * Syncs the directory so that a create or rename survives a crash. A channel operation aborts
     * when the calling thread is interrupted, and an interrupted appender must not fail the spool
     * for everyone: the flag is cleared for the sync and restored afterwards.
     */
    static void syncDirectory(Path dir) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                FileChannel channel;
                try {
                    channel = FileChannel.open(dir, StandardOpenOption.READ);
                } catch (IOException | UnsupportedOperationException e) {
                    // Windows cannot open a directory; there the rename is as durable as the platform makes it
                    LOG.debug("spool {}: directory sync not supported here: {}", dir, e.toString());
                    return;
                }
                try (channel) {
                    channel.force(true);
                    return;
                } catch (ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted(); // interrupted during the sync: sync again
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The acknowledged offset a replay saved for segment {@code sequence}; 0 when none or unreadable. */
    static long readAckOffset(Path dir, long sequence) {
        Path ack = SegmentFormat.ackPath(dir, sequence);
        try {
            String text = Files.readString(ack, StandardCharsets.US_ASCII).trim();
            return Long.parseLong(text);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            LOG.warn("spool {}: ignoring unreadable progress file {}: {}", dir, ack.getFileName(), e.toString());
            return 0;
        }
    }

    /**
     * Saves how far a partly acknowledged segment got, so that a restart resends less. Synced and
     * renamed atomically, because a lost or stale file only costs resending but a wrong one must
     * never skip records; recovery also checks that the offset falls on a record boundary.
     */
    static void writeAckOffset(Path dir, long sequence, long offset) throws IOException {
        Path ack = SegmentFormat.ackPath(dir, sequence);
        Path tmp = ack.resolveSibling(ack.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(
                tmp,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
                OwnerOnly.fileAttributes(tmp))) {
            ByteBuffer buffer = ByteBuffer.wrap((offset + "\n").getBytes(StandardCharsets.US_ASCII));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(tmp, ack, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void closeQuietly(Closeable file) {
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("closing a spool segment failed", e);
        }
    }
}

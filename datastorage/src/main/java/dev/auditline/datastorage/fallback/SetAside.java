package dev.auditline.datastorage.fallback;

import dev.auditline.spool.internal.OwnerOnly;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The directories next to the fallback spool's segments where the replayer puts a record it must
 * not retry: one file per record, its bytes exactly as spooled, so that nothing acknowledged with
 * {@code 202} is ever dropped silently, and an operator can inspect it and submit it again.
 *
 * <p>Why a file per record and not a log: a record is one batch (up to the request limit), and
 * the unit an operator acts on; a file can be read with {@code jq}, moved away once handled, and
 * a partly written file never damages the records set aside before it.
 *
 * <p>A file is synced, and then its directory, before {@link #keep} returns: only then may the
 * replayer acknowledge the record in the spool. Only the replayer thread writes here.
 */
final class SetAside {
    /** Why a record was set aside; names the directory and the metric's {@code reason}. */
    enum Reason {
        /** The payload cannot be decoded as a record (it passed its CRC, so a bug). */
        UNREADABLE("unreadable", ".bin"),
        /** The database refused a value of the batch (a constraint, a trigger): retrying cannot help. */
        REFUSED("refused", ".json");

        final String directory;
        final String suffix;

        Reason(String directory, String suffix) {
            this.directory = directory;
            this.suffix = suffix;
        }
    }

    private final Path spoolDir;
    private final Clock clock;
    private final AtomicLong unreadable = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    SetAside(Path spoolDir, Clock clock) {
        this.spoolDir = spoolDir;
        this.clock = clock;
    }

    /**
     * Writes {@code payload} durably to a new 0600 file in {@code <spool dir>/<reason>/} (0700).
     *
     * @return the file
     * @throws IOException when it could not be written and synced; the record must then stay spooled
     */
    Path keep(Reason reason, byte[] payload) throws IOException {
        Path dir = OwnerOnly.createDirectories(spoolDir.resolve(reason.directory));
        long millis = clock.millis();
        Path file;
        for (int n = 1; ; n++) {
            // the same millisecond after a restart, or the same record again after a crash before
            // its acknowledgement: never overwrite what is kept
            file = dir.resolve("record-" + millis + "-" + n + reason.suffix);
            try {
                OwnerOnly.createFile(file);
                break;
            } catch (FileAlreadyExistsException e) {
                // next n
            }
        }
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.WRITE))) {
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        syncDirectory(dir);
        (reason == Reason.REFUSED ? refused : unreadable).incrementAndGet();
        return file;
    }

    /** Records set aside for {@code reason} since start-up. */
    long count(Reason reason) {
        return (reason == Reason.REFUSED ? refused : unreadable).get();
    }

    /** The new file's name must survive a crash too, not only its bytes. */
    private static void syncDirectory(Path dir) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return; // Windows cannot open a directory; there the file is as durable as the platform makes it
        }
        try (channel) {
            channel.force(true);
        }
    }
}

package dev.auditline.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a spool finds when it opens a directory a previous run left: sealed segments are checked,
 * open ({@code .tmp}) ones sealed, torn tails cut at the last good record, fully acknowledged
 * segments deleted, unreadable files set aside as {@code *.corrupt}. Never a crash loop: whatever
 * cannot be read is cut or set aside, logged and counted in the {@link RecoveryReport}.
 */
final class SpoolRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    private SpoolRecovery() {}

    /** The state the spool starts from. */
    record Recovered(
            ArrayDeque<SealedSegment> sealed,
            long nextSequence,
            long diskBytes,
            long pendingRecords,
            RecoveryReport report) {}

    /**
     * Recovers the spool in {@code dir}: before the spool exists, so without any concurrency.
     *
     * @param maxRecordBytes the largest payload the writer can produce; a longer length field is damage
     */
    static Recovered recover(Path dir, long maxRecordBytes) throws IOException {
        ArrayDeque<SealedSegment> sealed = new ArrayDeque<>();
        long diskBytes = 0;
        long pendingRecords = 0;
        List<SegmentFormat.Name> segments = new ArrayList<>();
        List<Long> ackFiles = new ArrayList<>();
        long maxSequence = -1;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(SegmentFormat.ACK_SUFFIX + ".tmp")) {
                    Files.deleteIfExists(file);
                    continue;
                }
                if (fileName.endsWith(SegmentFormat.CORRUPT_SUFFIX)) {
                    // kept for people; its sequence must not be reused, or a later one would replace it
                    SegmentFormat.Name corrupt = SegmentFormat.parse(
                            fileName.substring(0, fileName.length() - SegmentFormat.CORRUPT_SUFFIX.length()));
                    if (corrupt != null) {
                        maxSequence = Math.max(maxSequence, corrupt.sequence());
                    }
                    continue;
                }
                SegmentFormat.Name name = SegmentFormat.parse(fileName);
                if (name == null) {
                    continue;
                }
                maxSequence = Math.max(maxSequence, name.sequence());
                if (name.suffix().equals(SegmentFormat.ACK_SUFFIX)) {
                    ackFiles.add(name.sequence());
                } else {
                    segments.add(name);
                }
            }
        }
        segments.sort(Comparator.comparingLong(SegmentFormat.Name::sequence));
        int sealedOnOpen = 0;
        int truncatedSegments = 0;
        long truncatedBytes = 0;
        long truncatedRecords = 0;
        int corruptFiles = 0;
        long records = 0;
        for (SegmentFormat.Name name : segments) {
            boolean wasOpen = name.suffix().equals(SegmentFormat.OPEN_SUFFIX);
            Path path = wasOpen
                    ? SegmentFormat.openPath(dir, name.sequence())
                    : SegmentFormat.sealedPath(dir, name.sequence());
            long ackOffset = SpoolFiles.readAckOffset(dir, name.sequence());
            long kept = 0;
            long ackedRecords = 0;
            long ackedOffset = SegmentFormat.HEADER_BYTES;
            long goodBytes;
            long fileBytes;
            String problem;
            long damagedRecords = 0;
            try (SegmentReader reader = SegmentReader.open(path, maxRecordBytes)) {
                fileBytes = reader.fileBytes();
                if (!reader.headerValid()) {
                    if (fileBytes < SegmentFormat.HEADER_BYTES) {
                        // crashed while creating it: it never held a record
                        LOG.info("spool {}: deleting {} ({})", dir, path.getFileName(), reader.problem());
                        reader.close();
                        Files.delete(path);
                    } else {
                        reader.close();
                        setAsideCorrupt(dir, path, reader.problem());
                        corruptFiles++;
                    }
                    continue;
                }
                while (reader.skip()) {
                    kept++;
                    if (reader.position() == ackOffset) {
                        ackedRecords = kept;
                        ackedOffset = ackOffset;
                    }
                }
                goodBytes = reader.position();
                problem = reader.problem();
                if (problem != null) {
                    damagedRecords = reader.countDamagedRecords();
                }
            }
            if (ackOffset > 0 && ackedOffset != ackOffset) {
                LOG.warn(
                        "spool {}: ignoring progress file of {}: offset {} is not a record boundary; its records will be resent",
                        dir,
                        path.getFileName(),
                        ackOffset);
            }
            if (problem != null) {
                LOG.warn(
                        "spool {}: {}: {}; cutting {} bytes (about {} records) and keeping {} complete records",
                        dir,
                        path.getFileName(),
                        problem,
                        fileBytes - goodBytes,
                        damagedRecords,
                        kept);
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    channel.truncate(goodBytes);
                    channel.force(true);
                }
                truncatedSegments++;
                truncatedBytes += fileBytes - goodBytes;
                truncatedRecords += damagedRecords;
            }
            if (kept == 0 || ackedRecords == kept) {
                Files.delete(path);
                Files.deleteIfExists(SegmentFormat.ackPath(dir, name.sequence()));
                continue;
            }
            Path target = SegmentFormat.sealedPath(dir, name.sequence());
            if (wasOpen) {
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
                sealedOnOpen++;
            }
            sealed.addLast(new SealedSegment(name.sequence(), target, goodBytes, kept, ackedOffset, ackedRecords));
            diskBytes += goodBytes;
            pendingRecords += kept - ackedRecords;
            records += kept;
        }
        SpoolFiles.syncDirectory(dir);
        for (long sequence : ackFiles) {
            if (sealed.stream().noneMatch(s -> s.sequence == sequence)) {
                Files.deleteIfExists(SegmentFormat.ackPath(dir, sequence));
            }
        }
        RecoveryReport report = new RecoveryReport(
                sealed.size(),
                records,
                sealedOnOpen,
                truncatedSegments,
                truncatedBytes,
                truncatedRecords,
                corruptFiles);
        if (sealed.size() > 0 || truncatedSegments > 0 || corruptFiles > 0) {
            LOG.info(
                    "spool {} recovered: {} segments with {} records pending ({} sealed on open); truncated {} bytes (about {} records) in {} segments; {} corrupt files set aside",
                    dir,
                    sealed.size(),
                    pendingRecords,
                    sealedOnOpen,
                    truncatedBytes,
                    truncatedRecords,
                    truncatedSegments,
                    corruptFiles);
        }
        return new Recovered(sealed, maxSequence + 1, diskBytes, pendingRecords, report);
    }

    private static void setAsideCorrupt(Path dir, Path path, String problem) throws IOException {
        Path aside = path.resolveSibling(path.getFileName() + SegmentFormat.CORRUPT_SUFFIX);
        LOG.error(
                "spool {}: {} is unreadable ({}); renamed to {} for inspection",
                dir,
                path.getFileName(),
                problem,
                aside.getFileName());
        Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

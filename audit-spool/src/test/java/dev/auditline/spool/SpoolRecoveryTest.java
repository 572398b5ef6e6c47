package dev.auditline.spool;

import static dev.auditline.spool.Records.drain;
import static dev.auditline.spool.Records.expected;
import static dev.auditline.spool.Records.payload;
import static dev.auditline.spool.Records.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolRecoveryTest {
    private static final String SEGMENT = "segment-00000000000000000000";

    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    private SpoolConfig config(Path dir) {
        return new SpoolConfig(dir, 1 << 20, 1 << 20, Duration.ofSeconds(5));
    }

    /** One sealed segment holding {@code count} records; returns the end offset of each record. */
    private List<Long> writeSegment(Path dir, int count) throws Exception {
        List<Long> ends = new ArrayList<>();
        long end = SegmentFormat.HEADER_BYTES;
        try (Spool spool = Spool.open(config(dir), clock)) {
            for (int i = 0; i < count; i++) {
                spool.append(payload(i));
                end += SegmentFormat.RECORD_HEADER_BYTES + payload(i).length;
                ends.add(end);
            }
        }
        assertThat(Files.size(dir.resolve(SEGMENT + ".log"))).isEqualTo(end);
        return ends;
    }

    @Test
    void keepsEveryCompleteRecordWhenTheFileIsCutAtAnyOffset() throws Exception {
        Path source = root.resolve("source");
        List<Long> ends = writeSegment(source, 6);
        byte[] bytes = Files.readAllBytes(source.resolve(SEGMENT + ".log"));

        for (int cut = 0; cut < bytes.length; cut++) {
            // odd cuts as a crashed open segment, even cuts as a sealed one
            String suffix = cut % 2 == 0 ? ".log" : ".log.tmp";
            Path dir = root.resolve("cut-" + cut);
            Files.createDirectories(dir);
            Files.write(dir.resolve(SEGMENT + suffix), Arrays.copyOf(bytes, cut));
            long length = cut;
            int complete = (int) ends.stream().filter(e -> e <= length).count();

            try (Spool spool = Spool.open(config(dir), clock)) {
                RecoveryReport report = spool.stats().recovery();
                assertThat(report.records()).as("cut at %d", cut).isEqualTo(complete);
                long goodEnd = complete == 0 ? SegmentFormat.HEADER_BYTES : ends.get(complete - 1);
                if (cut >= SegmentFormat.HEADER_BYTES) {
                    assertThat(report.truncatedBytes()).as("cut at %d", cut).isEqualTo(cut - goodEnd);
                }
                assertThat(drain(spool)).as("cut at %d", cut).isEqualTo(expected(complete));
            }
            assertThat(segmentFiles(dir)).as("cut at %d", cut).isEmpty();
        }
    }

    @Test
    void cutsAtACorruptRecordInTheMiddleAndKeepsTheRecordsBeforeIt() throws Exception {
        Path dir = root.resolve("spool");
        List<Long> ends = writeSegment(dir, 10);
        long fifthPayload = ends.get(3) + SegmentFormat.RECORD_HEADER_BYTES;
        flipByte(dir.resolve(SEGMENT + ".log"), fifthPayload + 2);

        try (Spool spool = Spool.open(config(dir), clock)) {
            RecoveryReport report = spool.stats().recovery();
            assertThat(report.records()).isEqualTo(4);
            assertThat(report.truncatedSegments()).isEqualTo(1);
            assertThat(report.truncatedBytes()).isEqualTo(ends.get(9) - ends.get(3));
            assertThat(report.truncatedRecords()).isEqualTo(6);
            assertThat(drain(spool)).isEqualTo(expected(4));
        }
    }

    @Test
    void treatsAZeroFilledTailAsDamage() throws Exception {
        Path dir = root.resolve("spool");
        List<Long> ends = writeSegment(dir, 3);
        try (RandomAccessFile file =
                new RandomAccessFile(dir.resolve(SEGMENT + ".log").toFile(), "rw")) {
            file.setLength(ends.get(2) + 4096); // what a crash can leave after the file grew
        }
        try (Spool spool = Spool.open(config(dir), clock)) {
            assertThat(spool.stats().recovery().truncatedBytes()).isEqualTo(4096);
            assertThat(drain(spool)).isEqualTo(expected(3));
        }
    }

    @Test
    void cutsALengthFieldOfTwoGibibytesInASparseFileWithoutAllocatingIt() throws Exception {
        Path dir = root.resolve("spool");
        List<Long> ends = writeSegment(dir, 2);
        long allocated = allocatedWhileOpening(dir, ends.get(1), Integer.MAX_VALUE, SpoolConfig.of(dir));
        assertThat(allocated).as("bytes allocated by open and replay").isLessThan(16L << 20);
    }

    @Test
    void cutsALengthFieldLargerThanTheLargestRecordThisSpoolCanWrite() throws Exception {
        Path dir = root.resolve("spool");
        List<Long> ends = writeSegment(dir, 2);
        // 1 MiB spool: no record can be longer than max_bytes minus the headers, whatever the file holds
        long allocated =
                allocatedWhileOpening(dir, ends.get(1), (int) config(dir).maxRecordBytes() + 1, config(dir));
        assertThat(allocated).as("bytes allocated by open and replay").isLessThan(1L << 20);
    }

    /**
     * Appends a record header claiming {@code length} bytes at {@code end}, with the CRC those bytes
     * really have, and grows the file sparsely so that they exist (8 KB on disk): a record only its
     * length gives away. Then opens and drains the spool, which must keep the two good records and cut
     * the rest as damage. Returns the bytes this thread allocated.
     */
    private long allocatedWhileOpening(Path dir, long end, int length, SpoolConfig config) throws Exception {
        Path segment = dir.resolve(SEGMENT + ".log");
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(end);
            file.writeInt(length);
            file.writeInt(crcOfZeros(length));
            file.setLength(end + SegmentFormat.RECORD_HEADER_BYTES + length);
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try (Spool spool = Spool.open(config, clock)) {
            RecoveryReport report = spool.stats().recovery();
            assertThat(report.records()).isEqualTo(2);
            assertThat(report.truncatedSegments()).isEqualTo(1);
            assertThat(report.truncatedBytes()).isEqualTo(SegmentFormat.RECORD_HEADER_BYTES + (long) length);
            assertThat(drain(spool)).isEqualTo(expected(2));
        }
        assertThat(segmentFiles(dir)).isEmpty();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void setsAsideASegmentWithAForeignHeader() throws Exception {
        Path dir = root.resolve("spool");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(SEGMENT + ".log"), "this is not a spool segment at all");
        try (Spool spool = Spool.open(config(dir), clock)) {
            assertThat(spool.stats().recovery().corruptFiles()).isEqualTo(1);
            assertThat(drain(spool)).isEmpty();
            spool.append(payload(0));
            spool.seal();
            assertThat(drain(spool)).containsExactly(Records.text(payload(0)));
        }
        assertThat(dir.resolve(SEGMENT + ".log.corrupt")).exists();
        try (Spool spool = Spool.open(config(dir), clock)) {
            spool.append(payload(1));
            spool.seal();
        }
        assertThat(segmentFiles(dir))
                .as("the sequence of a set-aside file is not reused")
                .containsExactly(SEGMENT + ".log.corrupt", "segment-00000000000000000001.log");
    }

    @Test
    void replaysEverythingFromACopyTakenWhileTheWriterWasStillOpen() throws Exception {
        Path live = root.resolve("live");
        Path crashed = root.resolve("crashed");
        SpoolConfig small = new SpoolConfig(live, 1 << 20, 512, Duration.ofSeconds(5));
        try (Spool writer = Spool.open(small, clock)) {
            for (int i = 0; i < 50; i++) {
                writer.append(payload(i));
            }
            // a kill -9 now: whatever is on disk is all a restart gets
            copyDirectory(live, crashed);
            assertThat(segmentFiles(crashed)).anyMatch(n -> n.endsWith(".log.tmp"));
        }
        try (Spool restarted = Spool.open(config(crashed), clock)) {
            RecoveryReport report = restarted.stats().recovery();
            assertThat(report.sealedOnOpen()).isEqualTo(1);
            assertThat(report.truncatedBytes()).isZero();
            assertThat(drain(restarted)).isEqualTo(expected(50));
        }
        assertThat(segmentFiles(crashed)).isEmpty();
    }

    @Test
    void ignoresAProgressFileThatDoesNotPointAtARecordBoundary() throws Exception {
        Path dir = root.resolve("spool");
        writeSegment(dir, 3);
        Files.writeString(dir.resolve(SEGMENT + ".ack"), "17\n");
        try (Spool spool = Spool.open(config(dir), clock)) {
            assertThat(drain(spool)).isEqualTo(expected(3));
        }
    }

    @Test
    void deletesASegmentWhoseRecordsWereAllAcknowledgedBeforeACrash() throws Exception {
        Path dir = root.resolve("spool");
        List<Long> ends = writeSegment(dir, 3);
        Files.writeString(dir.resolve(SEGMENT + ".ack"), ends.get(2) + "\n");
        try (Spool spool = Spool.open(config(dir), clock)) {
            assertThat(spool.stats().pendingRecords()).isZero();
        }
        assertThat(segmentFiles(dir)).isEmpty();
    }

    private static int crcOfZeros(long length) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] zeros = new byte[1 << 20];
        for (long left = length; left > 0; left -= zeros.length) {
            crc.update(zeros, 0, (int) Math.min(left, zeros.length));
        }
        return (int) crc.getValue();
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0xFF);
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}

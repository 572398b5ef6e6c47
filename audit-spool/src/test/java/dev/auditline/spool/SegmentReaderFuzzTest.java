package dev.auditline.spool;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Arbitrary bytes as a segment file: the reader yields records and stops at the first damage with a
 * {@link SegmentReader#problem() problem}, never another exception, and never allocates more than a
 * bounded multiple of the file; a spool opened on the same file keeps exactly those records and cuts
 * the rest.
 *
 * <p>{@code mvn verify} runs the inputs in {@code src/test/resources/dev/auditline/spool/
 * SegmentReaderFuzzTestInputs/} (seed segments written by the real writer, and whatever fuzzing found)
 * as regression tests. To fuzz for five minutes: {@code JAZZER_FUZZ=1 mvn -pl audit-spool -am test
 * -Dtest=SegmentReaderFuzzTest} (docs/spool.md).
 */
class SegmentReaderFuzzTest {
    /**
     * Records of at most 1 KiB: small, so that the fuzzer reaches "longer than any record this spool
     * writes" easily, and a seed written by a larger spool (a 4000-byte record) exercises it at once.
     */
    private static final long MAX_BYTES = 1024 + SegmentFormat.HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @FuzzTest
    void anySegmentYieldsItsGoodRecordsAndACutAtTheFirstDamage(byte[] segment) throws IOException {
        Path dir = Files.createTempDirectory("segment-fuzz");
        try {
            SpoolConfig config = new SpoolConfig(dir, MAX_BYTES, MAX_BYTES, Duration.ofSeconds(5));
            Path file = SegmentFormat.sealedPath(dir, 0);
            Files.write(file, segment);

            Read kept = read(file, config.maxRecordBytes(), true);
            Read skipped = read(file, config.maxRecordBytes(), false);
            // measured on a second pass: the first one also pays for loading classes
            long before = THREADS.getCurrentThreadAllocatedBytes();
            read(file, config.maxRecordBytes(), true);
            read(file, config.maxRecordBytes(), false);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated)
                    .as("bytes allocated reading a %d-byte segment twice", segment.length)
                    .isLessThan(512 * 1024 + 4L * segment.length);

            assertThat(skipped.end).as("skip() stops where next() stops").isEqualTo(kept.end);
            assertThat(skipped.problem).isEqualTo(kept.problem);
            assertThat(skipped.records).isEqualTo(kept.payloads.size());
            if (kept.problem == null) {
                assertThat(kept.end).isEqualTo(segment.length);
            } else {
                assertThat(kept.end).isBetween(0L, (long) segment.length);
            }
            if (kept.headerValid) {
                // what was read is exactly the file up to the cut, framed as the writer frames it
                assertThat(reframe(kept.payloads))
                        .isEqualTo(Arrays.copyOfRange(segment, SegmentFormat.HEADER_BYTES, (int) kept.end));
                for (byte[] payload : kept.payloads) {
                    assertThat((long) payload.length).isBetween(1L, config.maxRecordBytes());
                }
            } else {
                assertThat(kept.problem).isNotNull();
                assertThat(kept.payloads).isEmpty();
            }

            try (Spool spool = Spool.open(config, Clock.systemUTC())) {
                RecoveryReport report = spool.stats().recovery();
                List<byte[]> replayed = new ArrayList<>();
                spool.replay(replayed::add);
                assertThat(replayed).containsExactlyElementsOf(kept.headerValid ? kept.payloads : List.of());
                if (kept.headerValid) {
                    assertThat(report.truncatedBytes()).isEqualTo(segment.length - kept.end);
                } else {
                    assertThat(report.corruptFiles()).isEqualTo(segment.length >= SegmentFormat.HEADER_BYTES ? 1 : 0);
                }
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    private record Read(boolean headerValid, List<byte[]> payloads, long records, long end, String problem) {}

    private static Read read(Path file, long maxPayloadBytes, boolean keepPayloads) throws IOException {
        try (SegmentReader reader = SegmentReader.open(file, maxPayloadBytes)) {
            List<byte[]> payloads = new ArrayList<>();
            long records = 0;
            while (keepPayloads ? reader.next() : reader.skip()) {
                records++;
                if (keepPayloads) {
                    payloads.add(reader.payload());
                } else {
                    assertThat(reader.payload()).isNull();
                }
            }
            return new Read(reader.headerValid(), payloads, records, reader.position(), reader.problem());
        }
    }

    private static byte[] reframe(List<byte[]> payloads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] payload : payloads) {
            out.writeBytes(SegmentFormat.frame(payload));
        }
        return out.toByteArray();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

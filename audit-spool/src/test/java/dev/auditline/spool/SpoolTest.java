package dev.auditline.spool;

import static dev.auditline.spool.Records.drain;
import static dev.auditline.spool.Records.expected;
import static dev.auditline.spool.Records.payload;
import static dev.auditline.spool.Records.segmentFiles;
import static dev.auditline.spool.Records.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    private static final Duration AGE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    private SpoolConfig config(long segmentBytes, long maxBytes) {
        return new SpoolConfig(dir, maxBytes, segmentBytes, AGE);
    }

    @Test
    void replaysManyRecordsAcrossManySegmentsInAppendOrder() throws Exception {
        try (Spool spool = Spool.open(config(1024, 1 << 20), clock)) {
            for (int i = 0; i < 1000; i++) {
                spool.append(payload(i));
            }
            spool.seal();
            assertThat(spool.stats().pendingSegments()).isGreaterThan(20);
            assertThat(spool.stats().pendingRecords()).isEqualTo(1000);

            assertThat(drain(spool)).isEqualTo(expected(1000));

            SpoolStats stats = spool.stats();
            assertThat(stats.pendingRecords()).isZero();
            assertThat(stats.pendingBytes()).isZero();
            assertThat(stats.pendingSegments()).isZero();
            assertThat(stats.appendedRecords()).isEqualTo(1000);
            assertThat(stats.replayedRecords()).isEqualTo(1000);
        }
        assertThat(segmentFiles(dir)).isEmpty();
    }

    @Test
    void sealsSegmentWhenNextRecordWouldExceedSegmentBytes() throws Exception {
        byte[] record = new byte[100]; // 108 bytes framed; 16 + 2 * 108 = 232 ≤ 256 < 340
        try (Spool spool = Spool.open(config(256, 1 << 20), clock)) {
            for (int i = 0; i < 5; i++) {
                spool.append(record);
            }
            assertThat(segmentFiles(dir))
                    .containsExactly(
                            "segment-00000000000000000000.log",
                            "segment-00000000000000000001.log",
                            "segment-00000000000000000002.log.tmp");
            assertThat(Files.size(dir.resolve("segment-00000000000000000000.log")))
                    .isEqualTo(232);
        }
    }

    @Test
    void recordLargerThanSegmentBytesGetsSegmentOfItsOwn() throws Exception {
        try (Spool spool = Spool.open(config(256, 1 << 20), clock)) {
            spool.append(payload(1));
            spool.append(new byte[1000]);
            spool.append(payload(2));
            spool.seal();
            assertThat(segmentFiles(dir)).hasSize(3);
            assertThat(drain(spool)).hasSize(3);
        }
    }

    @Test
    void openSegmentIsNotReplayedUntilItReachesSegmentMaxAge() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(0));
            clock.advance(AGE.minusMillis(1));
            assertThat(drain(spool)).isEmpty();

            clock.advance(Duration.ofMillis(1));
            assertThat(drain(spool)).containsExactly(text(payload(0)));
        }
    }

    @Test
    void appendSealsAnAgedSegmentBeforeWriting() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(0));
            clock.advance(AGE);
            spool.append(payload(1));
            assertThat(segmentFiles(dir))
                    .containsExactly("segment-00000000000000000000.log", "segment-00000000000000000001.log.tmp");
        }
    }

    @Test
    void refusesRecordsBeyondMaxBytesAndCountsThem() throws Exception {
        byte[] record = new byte[100];
        try (Spool spool = Spool.open(config(256, 1024), clock)) {
            for (int i = 0; i < 8; i++) {
                spool.append(record); // 4 segments of 232 bytes = 928
            }
            assertThatThrownBy(() -> spool.append(record))
                    .isInstanceOf(SpoolFullException.class)
                    .hasMessage("spool is full: max_bytes would be exceeded (used 928 + record 124 > 1024)");
            assertThatThrownBy(() -> spool.append(record)).isInstanceOf(SpoolFullException.class);

            SpoolStats stats = spool.stats();
            assertThat(stats.refusedRecords()).isEqualTo(2);
            assertThat(stats.appendedRecords()).isEqualTo(8);
            assertThat(stats.pendingRecords()).isEqualTo(8);
            assertThat(stats.pendingBytes()).isEqualTo(928).isLessThanOrEqualTo(1024);
        }
        try (Spool reopened = Spool.open(config(256, 1024), clock)) {
            assertThat(reopened.stats().recovery().records()).isEqualTo(8);
            assertThat(reopened.stats().recovery().truncatedBytes()).isZero();
            assertThat(drain(reopened)).hasSize(8);

            reopened.append(record);
            assertThat(reopened.stats().pendingBytes()).isEqualTo(124);
        }
    }

    @Test
    void keepsSegmentWhenAHandlerRefusesARecordAndResumesThereLater() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            for (int i = 0; i < 5; i++) {
                spool.append(payload(i));
            }
            spool.seal();
            List<String> first = new ArrayList<>();
            ReplayResult stopped = spool.replay(p -> {
                if (first.size() == 2) {
                    return false; // the 3rd record is not acknowledged
                }
                return first.add(text(p));
            });

            assertThat(stopped).isEqualTo(new ReplayResult(2, 0, false));
            assertThat(first).isEqualTo(expected(2));
            assertThat(segmentFiles(dir))
                    .containsExactlyInAnyOrder("segment-00000000000000000000.log", "segment-00000000000000000000.ack");
            assertThat(spool.stats().pendingRecords()).isEqualTo(3);

            List<String> second = new ArrayList<>();
            ReplayResult done = spool.replay(p -> second.add(text(p)));

            assertThat(done).isEqualTo(new ReplayResult(3, 1, true));
            assertThat(second).isEqualTo(expected(5).subList(2, 5));
            assertThat(segmentFiles(dir)).isEmpty();
        }
    }

    @Test
    void resumesAtTheFirstUnacknowledgedRecordAfterRestart() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            for (int i = 0; i < 5; i++) {
                spool.append(payload(i));
            }
            spool.seal();
            int[] calls = {0};
            spool.replay(p -> ++calls[0] <= 3);
        }
        try (Spool reopened = Spool.open(config(1 << 20, 1 << 20), clock)) {
            assertThat(reopened.stats().pendingRecords()).isEqualTo(2);
            assertThat(drain(reopened)).isEqualTo(expected(5).subList(3, 5));
        }
        assertThat(segmentFiles(dir)).isEmpty();
    }

    @Test
    void handlerExceptionLeavesTheRecordForTheNextReplay() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(0));
            spool.append(payload(1));
            spool.seal();
            List<String> seen = new ArrayList<>();
            assertThatThrownBy(() -> spool.replay(p -> {
                        if (seen.size() == 1) {
                            throw new IllegalStateException("boom");
                        }
                        return seen.add(text(p));
                    }))
                    .hasMessage("boom");
            assertThat(drain(spool)).containsExactly(text(payload(1)));
        }
    }

    @Test
    void closeSealsTheOpenSegmentAndIsIdempotent() throws Exception {
        Spool spool = Spool.open(config(1 << 20, 1 << 20), clock);
        spool.append(payload(0));
        spool.close();
        spool.close();

        assertThat(segmentFiles(dir)).containsExactly("segment-00000000000000000000.log");
        assertThatThrownBy(() -> spool.append(payload(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("spool " + dir + " is closed");
        assertThatThrownBy(() -> spool.replay(p -> true)).isInstanceOf(IllegalStateException.class);
        try (Spool reopened = Spool.open(config(1 << 20, 1 << 20), clock)) {
            assertThat(drain(reopened)).containsExactly(text(payload(0)));
        }
    }

    @Test
    void refusesASecondSpoolOnTheSameDirectory() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            assertThatThrownBy(() -> Spool.open(config(1 << 20, 1 << 20), clock))
                    .isInstanceOf(IOException.class)
                    .hasMessage("spool directory " + dir + " is in use by another spool");
        }
        Spool.open(config(1 << 20, 1 << 20), clock).close();
    }

    @Test
    void rejectsEmptyPayload() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            assertThatThrownBy(() -> spool.append(new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("payload must not be empty (got 0 bytes)");
        }
    }

    @Test
    void ignoresFilesThatAreNotSegments() throws Exception {
        Files.createDirectories(dir.resolve("rejected"));
        Files.writeString(dir.resolve("notes.txt"), "hello");
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(0));
            spool.seal();
            assertThat(drain(spool)).containsExactly(text(payload(0)));
        }
        assertThat(dir.resolve("notes.txt")).exists();
    }

    @Test
    void continuesSequenceNumbersAfterReopen() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(0));
        }
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(1));
            spool.seal();
            assertThat(segmentFiles(dir))
                    .containsExactly("segment-00000000000000000000.log", "segment-00000000000000000001.log");
            assertThat(drain(spool)).isEqualTo(expected(2));
        }
    }

    @Test
    void anInterruptedAppenderDoesNotBreakTheSpoolForOthers() throws Exception {
        try (Spool spool = Spool.open(config(256, 1 << 20), clock)) {
            Thread.currentThread().interrupt();
            try {
                for (int i = 0; i < 10; i++) {
                    spool.append(new byte[100]); // creates and seals segments: file and directory syncs
                }
            } finally {
                assertThat(Thread.interrupted()).as("interrupt flag kept").isTrue();
            }
            spool.append(new byte[100]);
            spool.seal();
            assertThat(drain(spool)).hasSize(11);
        }
    }

    @Test
    void closingDuringAReplayStopsItAfterTheCurrentRecord() throws Exception {
        Spool spool = Spool.open(config(1 << 20, 1 << 20), clock);
        for (int i = 0; i < 5; i++) {
            spool.append(payload(i));
        }
        spool.seal();
        List<String> seen = new ArrayList<>();
        ReplayResult result = spool.replay(p -> {
            seen.add(text(p));
            if (seen.size() == 2) {
                try {
                    spool.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return true;
        });

        assertThat(result).isEqualTo(new ReplayResult(2, 0, false));
        try (Spool reopened = Spool.open(config(1 << 20, 1 << 20), clock)) {
            assertThat(drain(reopened)).isEqualTo(expected(5).subList(2, 5));
        }
    }

    @Test
    void setsAsideASegmentThatRotOnDiskAndGoesOnWithTheNext() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            for (int i = 0; i < 5; i++) {
                spool.append(payload(i));
            }
            spool.seal();
            spool.append(payload(5));
            spool.seal();
            Path first = dir.resolve("segment-00000000000000000000.log");
            long thirdPayload = SegmentFormat.HEADER_BYTES
                    + 2L * SegmentFormat.RECORD_HEADER_BYTES
                    + payload(0).length
                    + payload(1).length
                    + SegmentFormat.RECORD_HEADER_BYTES;
            try (RandomAccessFile file = new RandomAccessFile(first.toFile(), "rw")) {
                file.seek(thirdPayload);
                file.write(file.read() ^ 0xFF);
            }

            List<String> seen = new ArrayList<>();
            ReplayResult result = spool.replay(p -> seen.add(text(p)));

            assertThat(seen).containsExactly(text(payload(0)), text(payload(1)), text(payload(5)));
            assertThat(result).isEqualTo(new ReplayResult(3, 1, true));
            assertThat(spool.stats().pendingRecords()).isZero();
            assertThat(spool.stats().pendingBytes()).isZero();
            assertThat(spool.stats().corruptRecords()).isEqualTo(3);
            assertThat(segmentFiles(dir)).containsExactly("segment-00000000000000000000.log.corrupt");
        }
    }

    @Test
    @Timeout(10)
    void appendsProceedWhileAReplayHandlerIsBusy() throws Exception {
        try (Spool spool = Spool.open(config(1 << 20, 1 << 20), clock)) {
            spool.append(payload(0));
            spool.seal();
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService replayer = Executors.newSingleThreadExecutor();
            try {
                Future<ReplayResult> replay = replayer.submit(() -> spool.replay(p -> {
                    inHandler.countDown();
                    try {
                        return release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }));
                inHandler.await();

                spool.append(payload(1)); // would hang if the handler ran under the append lock
                spool.seal();

                release.countDown();
                assertThat(replay.get().deliveredRecords()).isEqualTo(2);
            } finally {
                replayer.shutdownNow();
            }
        }
    }
}

package dev.auditline.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SpoolConcurrencyTest {
    private static final int THREADS = 8;
    private static final int RECORDS_PER_THREAD = 10_000;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deliversEveryRecordExactlyOnceWhileEightThreadsAppend() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> delivered = run(0.0);

        assertThat(delivered).hasSize(THREADS * RECORDS_PER_THREAD);
        assertThat(delivered.values()).allMatch(count -> count.get() == 1);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deliversEveryRecordAtLeastOnceWhenTheHandlerRefusesSomeRecords() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> delivered = run(0.01);

        assertThat(delivered).hasSize(THREADS * RECORDS_PER_THREAD);
        assertThat(delivered.values()).allMatch(count -> count.get() >= 1);
    }

    /**
     * Appends from {@link #THREADS} threads while one replayer drains, then drains the rest.
     *
     * @param refuseRate share of deliveries the handler answers with "not acknowledged"
     * @return how often each record was acknowledged
     */
    private ConcurrentHashMap<String, AtomicInteger> run(double refuseRate) throws Exception {
        ConcurrentHashMap<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
        RecordHandler handler = payload -> {
            if (refuseRate > 0 && ThreadLocalRandom.current().nextDouble() < refuseRate) {
                return false;
            }
            delivered
                    .computeIfAbsent(new String(payload, StandardCharsets.UTF_8), k -> new AtomicInteger())
                    .incrementAndGet();
            return true;
        };
        SpoolConfig config = new SpoolConfig(dir, 64L << 20, 32 * 1024, Duration.ofSeconds(5));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (Spool spool = Spool.open(config, clock)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> appenders = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                appenders.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < RECORDS_PER_THREAD; i++) {
                        spool.append(("t" + thread + "-" + i).getBytes(StandardCharsets.UTF_8));
                    }
                    return null;
                }));
            }
            start.countDown();
            while (!appenders.stream().allMatch(Future::isDone)) {
                if (spool.replay(handler).deliveredRecords() == 0) {
                    LockSupport.parkNanos(1_000_000); // pace the polling loop, not a wait for a result
                }
            }
            for (Future<?> appender : appenders) {
                appender.get();
            }
            spool.seal();
            while (!spool.replay(handler).drained()) {
                // refused records are offered again
            }
            SpoolStats stats = spool.stats();
            assertThat(stats.appendedRecords()).isEqualTo(THREADS * RECORDS_PER_THREAD);
            assertThat(stats.replayedRecords()).isEqualTo(THREADS * RECORDS_PER_THREAD);
            assertThat(stats.pendingRecords()).isZero();
            assertThat(stats.pendingBytes()).isZero();
            assertThat(stats.deletedSegments()).isGreaterThan(10);
            // group commit: concurrent appenders share fsyncs
            assertThat(spool.syncCount()).isLessThan(stats.appendedRecords());
        } finally {
            pool.shutdownNow();
        }
        assertThat(Records.segmentFiles(dir)).isEmpty();
        return delivered;
    }
}

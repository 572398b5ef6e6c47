package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shared readiness probe: one database probe at a time, reused for MAX_AGE, whatever the callers. */
class ReadinessProbeTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger probes = new AtomicInteger();

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void fiftyConcurrentCallersCauseOneProbeAndGetThePreviousAnswerMeanwhile() throws Exception {
        CountDownLatch probing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ReadinessProbe probe = new ReadinessProbe(
                () -> {
                    probes.incrementAndGet();
                    probing.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Optional.of(true);
                },
                now::get);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            Future<Boolean> first = pool.submit(probe::ready);
            probing.await();
            List<Future<Boolean>> others = new ArrayList<>();
            for (int i = 0; i < 49; i++) {
                others.add(pool.submit(probe::ready));
            }
            for (Future<Boolean> f : others) {
                assertThat(f.get()).as("no answer yet: not ready").isFalse();
            }
            release.countDown();
            assertThat(first.get()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(probes).hasValue(1);
    }

    @Test
    void reusesAnAnswerForMaxAgeThenProbesAgain() {
        ReadinessProbe probe = new ReadinessProbe(() -> Optional.of(probes.incrementAndGet() == 1), now::get);

        assertThat(probe.ready()).isTrue();
        now.addAndGet(ReadinessProbe.MAX_AGE.toNanos() - 1);
        assertThat(probe.ready()).isTrue();
        assertThat(probes).hasValue(1);
        now.addAndGet(1);
        assertThat(probe.ready()).isFalse();
        assertThat(probes).hasValue(2);
    }

    @Test
    void keepsThePreviousAnswerWhenNoDatabasePermitIsFree() {
        AtomicInteger calls = new AtomicInteger();
        ReadinessProbe probe =
                new ReadinessProbe(() -> calls.incrementAndGet() == 1 ? Optional.of(true) : Optional.empty(), now::get);

        assertThat(probe.ready()).isTrue();
        now.addAndGet(ReadinessProbe.MAX_AGE.toNanos());
        assertThat(probe.ready()).isTrue();
        assertThat(calls).hasValue(2);
    }

    @Test
    void aRequestThatFoundTheDatabaseUnreachableOverridesACachedReadyEvenWhenNoPermitIsFree() {
        AtomicLong failedAt = new AtomicLong(StorageGate.NEVER);
        AtomicInteger calls = new AtomicInteger();
        // the first probe answers "ready"; later ones find every permit busy (no answer)
        ReadinessProbe probe = new ReadinessProbe(
                () -> calls.incrementAndGet() == 1 ? Optional.of(true) : Optional.empty(), now::get, failedAt::get);

        assertThat(probe.ready()).isTrue();
        now.addAndGet(1_000_000L); // 1 ms: the cached answer is still fresh
        failedAt.set(now.get());
        assertThat(probe.ready()).as("an insert just met the outage").isFalse();
        now.addAndGet(ReadinessProbe.MAX_AGE.toNanos() + 1);
        assertThat(probe.ready())
                .as("no permit free to probe: the failure stands")
                .isFalse();
        assertThat(calls).hasValue(2);
    }
}

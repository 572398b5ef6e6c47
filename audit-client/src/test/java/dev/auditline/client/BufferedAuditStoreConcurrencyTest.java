package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.api.wire.ItemStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class BufferedAuditStoreConcurrencyTest {
    private static final int PRODUCERS = 8;
    private static final int EVENTS_PER_PRODUCER = 300;
    private static final List<AuditEvent> EVENTS = new ArrayList<>();

    static {
        for (int i = 0; i < 64; i++) {
            EVENTS.add(event(i));
        }
    }

    /** Answers at random: mostly created, some rejected items, some 503, 413 and lost connections. */
    private static SendOutcome chaotic(List<AuditEvent> events, int attempt) throws IOException {
        int dice = ThreadLocalRandom.current().nextInt(10);
        return switch (dice) {
            case 0 -> SendOutcome.status(503, Duration.ofMillis(1), "unavailable");
            case 1 -> throw new IOException("connection reset");
            case 2 -> events.size() > 1 ? SendOutcome.status(413, null, "too large") : ScriptedSink.created(1);
            case 3 -> SendOutcome.stored(new BatchResponse(
                    events.size() - 1,
                    0,
                    1,
                    List.of(new ItemResult(0, events.get(0).eventId(), ItemStatus.REJECTED, null))));
            default -> ScriptedSink.created(events.size());
        };
    }

    @RepeatedTest(50)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void accountingIdentityHoldsWhileEightProducersRaceFlushAndClose() throws Exception {
        race(AuditClientConfig.Overflow.DROP);
    }

    @RepeatedTest(25)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void accountingIdentityHoldsWhileEightBlockingProducersRaceFlushAndClose() throws Exception {
        race(AuditClientConfig.Overflow.BLOCK);
    }

    @RepeatedTest(10)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void accountingIdentityHoldsWhileEightSpillingProducersRaceFlushAndClose(@TempDir Path spoolDir) throws Exception {
        race(AuditClientConfig.Overflow.SPILL, spoolDir);
    }

    private static void race(AuditClientConfig.Overflow overflow) throws Exception {
        race(overflow, null);
    }

    private static void race(AuditClientConfig.Overflow overflow, Path spoolDir) throws Exception {
        AuditClientConfig config = AuditClientConfig.builder()
                .overflow(overflow)
                .spoolDir(spoolDir)
                .blockTimeout(Duration.ofMillis(2))
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("race")
                .bufferSize(500) // small enough that some stores hit buffer_full
                .batchSize(50)
                .flushInterval(Duration.ofMillis(5))
                .maxInFlight(3)
                .maxRetries(2)
                .initialBackoff(Duration.ofMillis(1))
                .maxBackoff(Duration.ofMillis(2))
                .build();
        BufferedAuditStore store = BufferedAuditStore.builder(config)
                .sink(new ScriptedSink(BufferedAuditStoreConcurrencyTest::chaotic))
                .sleeper(d -> {})
                .build();

        CountDownLatch go = new CountDownLatch(1);
        // close() races the second half of the producers' work, not an empty store.
        CountDownLatch halfStored = new CountDownLatch(PRODUCERS);
        AtomicLong refused = new AtomicLong();
        AtomicBoolean identityBroken = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            threads.add(new Thread(() -> {
                await(go);
                for (int i = 0; i < EVENTS_PER_PRODUCER; i++) {
                    if (i == EVENTS_PER_PRODUCER / 2) {
                        halfStored.countDown();
                    }
                    if (!store.store(EVENTS.get(i % EVENTS.size()))) {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        threads.add(new Thread(() -> {
            await(go);
            for (int i = 0; i < 20; i++) {
                FlushReport r = store.flush(Duration.ofSeconds(5));
                if (r.timedOut()) {
                    identityBroken.set(true);
                }
                if (store.stats().unaccounted() != 0) {
                    identityBroken.set(true);
                }
            }
        }));
        CloseReport[] closeReport = new CloseReport[1];
        threads.add(new Thread(() -> {
            await(halfStored);
            closeReport[0] = store.close(Duration.ofSeconds(5));
        }));
        threads.forEach(Thread::start);
        go.countDown();
        for (int i = 0; i < 50; i++) {
            if (store.stats().unaccounted() != 0) {
                identityBroken.set(true);
            }
        }
        for (Thread t : threads) {
            t.join();
        }

        AuditClientStats stats = store.stats();
        assertThat(identityBroken).isFalse();
        assertThat(stats.unaccounted()).isZero();
        assertThat(stats.acked()).isPositive();
        assertThat(stats.enqueued()).isEqualTo((long) PRODUCERS * EVENTS_PER_PRODUCER);
        assertThat(stats.bufferedEvents()).isZero();
        assertThat(stats.inFlightEvents()).isZero();
        assertThat(stats.acked() + stats.rejected() + stats.droppedTotal() + stats.spooledPending())
                .isEqualTo(stats.enqueued());
        if (spoolDir != null) {
            assertThat(stats.spooled()).isPositive();
            assertThat(stats.spool().spillingEvents()).isZero();
        }
        assertThat(refused.get()).isLessThanOrEqualTo(stats.droppedTotal());
        CloseReport report = closeReport[0];
        assertThat(report.timedOut()).isFalse();
        assertThat(report.enqueued())
                .isEqualTo(report.sent() + report.rejected() + report.spooled() + report.dropped());
        assertThat(store.close(Duration.ZERO)).isSameAs(report);
    }

    private static void await(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

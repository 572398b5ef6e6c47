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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many producers, flushes and a close race each other against a sink whose answers are scripted
 * per attempt; the sink records which events it acked and which it rejected, and the store's
 * counts must match them exactly.
 */
class BufferedAuditStoreConcurrencyTest {
    private static final int PRODUCERS = 8;
    private static final int EVENTS_PER_PRODUCER = 300;
    /** Each producer checks the identity after every this many stores, so samples fall inside the race. */
    private static final int SAMPLE_EVERY = 25;

    /**
     * The scripted DataStorage: the answer depends on the attempt's number only (mostly created;
     * some per-item rejections, 503, lost connections, 500 and 413), and every event it answered
     * created or rejected is remembered by id, once per answer.
     */
    private static final class RecordingChaos implements ScriptedSink.Responder {
        final Set<UUID> acked = ConcurrentHashMap.newKeySet();
        final Set<UUID> rejected = ConcurrentHashMap.newKeySet();
        final AtomicLong ackAnswers = new AtomicLong();

        @Override
        public SendOutcome respond(List<AuditEvent> events, int attempt) throws IOException {
            switch (attempt % 10) {
                case 0 -> {
                    return SendOutcome.status(503, Duration.ofMillis(1), "unavailable");
                }
                case 1 -> throw new IOException("connection reset");
                case 2 -> {
                    if (events.size() > 1) {
                        return SendOutcome.status(413, null, "too large");
                    }
                }
                case 3 -> {
                    rejected.add(events.get(0).eventId());
                    ack(events.subList(1, events.size()));
                    return SendOutcome.stored(new BatchResponse(
                            events.size() - 1,
                            0,
                            1,
                            List.of(new ItemResult(0, events.get(0).eventId(), ItemStatus.REJECTED, null))));
                }
                case 4 -> {
                    return SendOutcome.status(500, null, "transaction failed");
                }
                default -> {}
            }
            ack(events);
            return ScriptedSink.created(events.size());
        }

        private void ack(List<AuditEvent> events) {
            for (AuditEvent e : events) {
                if (!acked.add(e.eventId())) {
                    ackAnswers.incrementAndGet(); // the same event acked twice: only a replay may do that
                }
            }
        }
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
        RecordingChaos chaos = new RecordingChaos();
        BufferedAuditStore store = BufferedAuditStore.builder(config)
                .sink(new ScriptedSink(chaos))
                .sleeper(d -> {})
                .build();
        // Distinct events, so the sink's id sets count events, not answers.
        List<List<AuditEvent>> events = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            List<AuditEvent> mine = new ArrayList<>();
            for (int i = 0; i < EVENTS_PER_PRODUCER; i++) {
                mine.add(event(p * EVENTS_PER_PRODUCER + i));
            }
            events.add(mine);
        }

        CountDownLatch go = new CountDownLatch(1);
        // close() races the second half of the producers' work, not an empty store.
        CountDownLatch halfStored = new CountDownLatch(PRODUCERS);
        AtomicLong refused = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        AtomicLong brokenSamples = new AtomicLong();
        AtomicBoolean flushTimedOut = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            List<AuditEvent> mine = events.get(p);
            threads.add(new Thread(() -> {
                await(go);
                for (int i = 0; i < EVENTS_PER_PRODUCER; i++) {
                    if (i == EVENTS_PER_PRODUCER / 2) {
                        halfStored.countDown();
                    }
                    if (!store.store(mine.get(i))) {
                        refused.incrementAndGet();
                    }
                    if ((i + 1) % SAMPLE_EVERY == 0) {
                        samples.incrementAndGet();
                        if (store.stats().unaccounted() != 0) {
                            brokenSamples.incrementAndGet();
                        }
                    }
                }
            }));
        }
        threads.add(new Thread(() -> {
            await(go);
            for (int i = 0; i < 20; i++) {
                if (store.flush(Duration.ofSeconds(5)).timedOut()) {
                    flushTimedOut.set(true);
                }
                samples.incrementAndGet();
                if (store.stats().unaccounted() != 0) {
                    brokenSamples.incrementAndGet();
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
        for (Thread t : threads) {
            t.join();
        }

        long expectedSamples = (long) PRODUCERS * (EVENTS_PER_PRODUCER / SAMPLE_EVERY) + 20;
        assertThat(samples.get()).as("identity samples taken").isEqualTo(expectedSamples);
        assertThat(brokenSamples.get()).as("samples breaking the identity").isZero();
        assertThat(flushTimedOut).isFalse();
        AuditClientStats stats = store.stats();
        assertThat(stats.unaccounted()).isZero();
        assertThat(stats.enqueued()).isEqualTo((long) PRODUCERS * EVENTS_PER_PRODUCER);
        assertThat(stats.bufferedEvents()).isZero();
        assertThat(stats.inFlightEvents()).isZero();
        assertThat(stats.acked() + stats.rejected() + stats.droppedTotal() + stats.spooledPending())
                .isEqualTo(stats.enqueued());
        assertThat(refused.get()).isLessThanOrEqualTo(stats.droppedTotal());
        assertThat(chaos.rejected).isNotEmpty();
        if (spoolDir == null) {
            // Every 2xx is final and close did not time out: the store's counts are the sink's.
            assertThat(stats.acked()).as("acked").isEqualTo(chaos.acked.size());
            assertThat(stats.rejected()).as("rejected").isEqualTo(chaos.rejected.size());
            assertThat(chaos.ackAnswers).as("events acked twice").hasValue(0);
        } else {
            // A replay that stops half-way through a record leaves it whole in the spool: the sink
            // may have acked some of its events that the store still counts as spooled.
            assertThat(stats.spooled()).isPositive();
            assertThat(stats.spool().spillingEvents()).isZero();
            assertThat(stats.acked()).as("acked").isBetween(chaos.acked.size() - stats.spooledPending(), (long)
                    chaos.acked.size());
            assertThat(stats.rejected()).as("rejected").isBetween(chaos.rejected.size() - stats.spooledPending(), (long)
                    chaos.rejected.size());
        }
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

package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static dev.auditline.client.TestEvents.eventWithPadding;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.api.wire.ItemStatus;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferedAuditStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final FakeTicker ticker = new FakeTicker();
    private final RecordingSleeper sleeper = new RecordingSleeper();
    private final List<ScriptedSink> sinks = new ArrayList<>();
    private final List<BufferedAuditStore> stores = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        sinks.forEach(ScriptedSink::release);
        stores.forEach(s -> s.close(Duration.ofSeconds(2)));
    }

    private static AuditClientConfig.Builder config() {
        // A long flush interval: only the fake ticker, moved by the test, makes an age flush due.
        return AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("test-service")
                .flushInterval(Duration.ofHours(1))
                .deliveryTimeout(Duration.ofHours(2))
                .maxRetries(3)
                .initialBackoff(Duration.ofMillis(200))
                .maxBackoff(Duration.ofSeconds(30));
    }

    private BufferedAuditStore start(AuditClientConfig.Builder config, ScriptedSink sink) {
        sinks.add(sink);
        BufferedAuditStore store = BufferedAuditStore.builder(config.build())
                .sink(sink)
                .ticker(ticker)
                .sleeper(sleeper)
                .jitter(() -> 1.0)
                .build();
        stores.add(store);
        return store;
    }

    private static void storeAll(BufferedAuditStore store, int from, int count) {
        for (int i = from; i < from + count; i++) {
            assertThat(store.store(event(i))).as("store(event %d)", i).isTrue();
        }
    }

    @Test
    void cutsABatchAsSoonAsBatchSizeEventsAreBuffered() {
        ScriptedSink sink = new ScriptedSink();
        BufferedAuditStore store = start(config().batchSize(10), sink);

        storeAll(store, 0, 25);

        await().atMost(WAIT).until(() -> sink.attemptCount() == 2);
        assertThat(sink.attemptSizes()).containsExactly(10, 10);
        AuditClientStats stats = store.stats();
        assertThat(stats.flushes(FlushTrigger.SIZE)).isEqualTo(2);
        assertThat(stats.bufferedEvents()).isEqualTo(5);
    }

    @Test
    void cutsABatchWhenBufferedBytesReachMaxBatchBytes() {
        int bytes = event(0).estimatedJsonBytes();
        ScriptedSink sink = new ScriptedSink();
        BufferedAuditStore store = start(config().batchSize(1000).maxBatchBytes(3L * bytes + bytes / 2), sink);

        storeAll(store, 0, 4);

        await().atMost(WAIT).until(() -> sink.attemptCount() == 1);
        assertThat(sink.attemptSizes()).containsExactly(3);
        assertThat(store.stats().flushes(FlushTrigger.BYTES)).isEqualTo(1);
        assertThat(store.stats().bufferedEvents()).isEqualTo(1);
    }

    @Test
    void flushesAPartialBatchWhenItsOldestEventReachesFlushInterval() {
        ScriptedSink sink = new ScriptedSink();
        BufferedAuditStore store = start(config().flushInterval(Duration.ofSeconds(1)), sink);

        store.store(event(1));
        ticker.advance(Duration.ofMillis(900));
        store.store(event(2)); // younger: must ride along with the oldest, not wait its own second
        ticker.advance(Duration.ofMillis(99));
        store.nudge();
        await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> sink.attemptCount() == 0);

        ticker.advance(Duration.ofMillis(1));
        store.nudge();

        await().atMost(WAIT).until(() -> sink.attemptCount() == 1);
        assertThat(sink.attemptSizes()).containsExactly(2);
        assertThat(store.stats().flushes(FlushTrigger.AGE)).isEqualTo(1);
    }

    @Test
    void sendsAnEventStoredJustAfterAFlushWithinFlushIntervalOfItsOwnStore() {
        ScriptedSink sink = new ScriptedSink();
        BufferedAuditStore store = start(config().flushInterval(Duration.ofSeconds(1)), sink);
        store.store(event(1));
        ticker.advance(Duration.ofSeconds(1));
        store.nudge();
        await().atMost(WAIT).until(() -> sink.attemptCount() == 1);

        ticker.advance(Duration.ofMillis(1));
        store.store(event(2)); // stored 1ms after the flush: due at its own enqueue + 1s
        ticker.advance(Duration.ofMillis(999));
        store.nudge();
        await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> sink.attemptCount() == 1);
        ticker.advance(Duration.ofMillis(1));
        store.nudge();

        await().atMost(WAIT).until(() -> sink.attemptCount() == 2);
        assertThat(sink.attempts.get(1)).extracting(AuditEvent::correlationId).containsExactly("rr-2");
        assertThat(store.stats().flushes(FlushTrigger.AGE)).isEqualTo(2);
    }

    @Test
    void reportsOldestEventAgeFromItsEnqueueTime() {
        BufferedAuditStore store = start(config(), new ScriptedSink());
        store.store(event(1));
        ticker.advance(Duration.ofMillis(300));
        store.store(event(2));
        ticker.advance(Duration.ofMillis(200));

        assertThat(store.stats().oldestEventAge()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void flushReportsAckedAndRejectedCountsOfTheEventsItWaitedFor() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.stored(new BatchResponse(
                events.size() - 1,
                0,
                1,
                List.of(new ItemResult(
                        1, events.get(1).eventId(), ItemStatus.REJECTED, new FieldViolation("event_type", "bad"))))));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 3);

        FlushReport report = store.flush(WAIT);

        assertThat(report.timedOut()).isFalse();
        assertThat(report.acked()).isEqualTo(2);
        assertThat(report.rejected()).isEqualTo(1);
        assertThat(report.dropped()).isZero();
        assertThat(report.pending()).isZero();
        assertThat(store.stats().flushes(FlushTrigger.EXPLICIT)).isEqualTo(1);
    }

    @Test
    void flushCountsDroppedEventsAndIgnoresEventsAlreadyTerminal() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.status(403, null, "forbidden"));
        BufferedAuditStore store = start(config().bufferSize(4).batchSize(4), sink);
        storeAll(store, 0, 2);
        assertThat(store.flush(WAIT).dropped()).isEqualTo(2);

        storeAll(store, 2, 3);
        FlushReport report = store.flush(WAIT);

        assertThat(report.dropped()).isEqualTo(3);
        assertThat(report.acked()).isZero();
        assertThat(report.total()).isEqualTo(3);
    }

    @Test
    void flushWithNothingPendingReturnsAtOnce() {
        BufferedAuditStore store = start(config(), new ScriptedSink());

        FlushReport report = store.flush(Duration.ZERO);

        assertThat(report.timedOut()).isFalse();
        assertThat(report.total()).isZero();
    }

    @Test
    void flushSaysItTimedOutWhileARequestHangs() {
        ScriptedSink sink = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 3);

        FlushReport report = store.flush(Duration.ofMillis(200));

        assertThat(report.timedOut()).isTrue();
        assertThat(report.pending()).isEqualTo(3);
        assertThat(report.allAcked()).isFalse();
    }

    @Test
    void aRequestBlockedForeverDoesNotDelayLaterBatches() {
        ScriptedSink sink = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(config().batchSize(1).maxInFlight(2), sink);

        store.store(event(1));
        await().atMost(WAIT).until(() -> sink.attemptCount() == 1);
        storeAll(store, 2, 5);

        await().atMost(WAIT).until(() -> store.stats().acked() == 5);
        assertThat(store.stats().inFlightEvents()).isEqualTo(1);
        assertThat(sink.attemptCount()).isEqualTo(6);
    }

    @Test
    void aRequestBlockedForeverDoesNotDelayTheNextAgeFlush() {
        ScriptedSink sink = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(config().flushInterval(Duration.ofSeconds(1)), sink);
        store.store(event(1));
        ticker.advance(Duration.ofSeconds(1));
        store.nudge();
        await().atMost(WAIT).until(() -> sink.attemptCount() == 1); // hangs from now on

        store.store(event(2));
        ticker.advance(Duration.ofSeconds(1));
        store.nudge();

        await().atMost(WAIT).until(() -> store.stats().acked() == 1);
        assertThat(sink.attempts.get(1)).extracting(AuditEvent::correlationId).containsExactly("rr-2");
        assertThat(store.stats().inFlightEvents()).isEqualTo(1);
    }

    @Test
    void waitsForAFreeSlotWhenMaxInFlightRequestsHangAndKeepsEventsBuffered() {
        ScriptedSink sink = new ScriptedSink().blockAll();
        BufferedAuditStore store = start(config().batchSize(1).maxInFlight(2), sink);

        storeAll(store, 0, 5);

        await().atMost(WAIT).until(() -> sink.attemptCount() == 2);
        AuditClientStats stats = store.stats();
        assertThat(stats.inFlightBatches()).isEqualTo(2);
        assertThat(stats.bufferedEvents()).isEqualTo(3);
        sink.release();
        await().atMost(WAIT).until(() -> store.stats().acked() == 5);
    }

    @Test
    void retriesWithExponentialBackoffHonoringRetryAfter() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> switch (attempt) {
            case 1 -> SendOutcome.status(503, Duration.ofSeconds(2), "storage unavailable");
            case 2 -> SendOutcome.status(429, null, "overloaded");
            case 3 -> throw new ConnectException("refused");
            default -> ScriptedSink.created(events.size());
        });
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(2);
        // jitter 1.0: each delay is its cap, 200ms * 2^(attempt-1); Retry-After wins when longer.
        assertThat(sleeper.sleeps)
                .containsExactly(Duration.ofSeconds(2), Duration.ofMillis(400), Duration.ofMillis(800));
        AuditClientStats stats = store.stats();
        assertThat(stats.retries()).isEqualTo(3);
        assertThat(stats.sendsByStatusClass())
                .containsEntry("5xx", 1L)
                .containsEntry("4xx", 1L)
                .containsEntry("network", 1L)
                .containsEntry("2xx", 1L);
    }

    @Test
    void capsBackoffAndRetryAfterAtMaxBackoff() {
        BufferedAuditStore store = start(config().maxBackoff(Duration.ofSeconds(1)), new ScriptedSink());

        assertThat(store.backoff(10, null)).isEqualTo(Duration.ofSeconds(1));
        assertThat(store.backoff(1, Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(store.backoff(64, null)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void fullJitterPicksAFractionOfTheCap() {
        BufferedAuditStore store = BufferedAuditStore.builder(config().build())
                .sink(new ScriptedSink())
                .jitter(() -> 0.25)
                .build();
        stores.add(store);

        assertThat(store.backoff(3, null)).isEqualTo(Duration.ofMillis(200));
        assertThat(store.backoff(3, Duration.ofMillis(500))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void dropsABatchAfterOnePlusMaxRetriesAttempts() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.status(500, null, "tx failed"));
        BufferedAuditStore store = start(config().maxRetries(2), sink);
        storeAll(store, 0, 4);

        FlushReport report = store.flush(WAIT);

        assertThat(sink.attemptCount()).isEqualTo(3);
        assertThat(report.dropped()).isEqualTo(4);
        assertThat(store.stats().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(4);
    }

    @Test
    void splitsABatchInHalvesOn413UntilEachPartFits() {
        ScriptedSink sink = new ScriptedSink((events, attempt) ->
                events.size() > 2 ? SendOutcome.status(413, null, "too large") : ScriptedSink.created(events.size()));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 5);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(5);
        assertThat(sink.attemptSizes()).containsExactly(5, 2, 3, 1, 2);
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void dropsASingleEventThatStillGets413AsOversize() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.status(413, null, "too large"));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.dropped()).isEqualTo(2);
        assertThat(store.stats().dropped(DropReason.OVERSIZE)).isEqualTo(2);
        assertThat(sink.attemptSizes()).containsExactly(2, 1, 1);
    }

    @Test
    void perEventRejectionsAreTerminalAndNeverRetried() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.stored(new BatchResponse(
                1,
                1,
                2,
                List.of(
                        new ItemResult(0, events.get(0).eventId(), ItemStatus.REJECTED, null),
                        new ItemResult(1, events.get(1).eventId(), ItemStatus.DUPLICATE, null),
                        new ItemResult(3, events.get(3).eventId(), ItemStatus.REJECTED, null)))));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 4);

        FlushReport report = store.flush(WAIT);

        assertThat(report.rejected()).isEqualTo(2);
        assertThat(report.acked()).isEqualTo(2); // one created, one duplicate
        assertThat(sink.attemptCount()).isEqualTo(1);
        assertThat(store.stats().rejected()).isEqualTo(2);
    }

    @Test
    void rejectsTheWholeRequestOn400WithoutRetrying() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.status(400, null, "no events"));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 3);

        FlushReport report = store.flush(WAIT);

        assertThat(report.rejected()).isEqualTo(3);
        assertThat(sink.attemptCount()).isEqualTo(1);
    }

    @Test
    void recutsInsteadOfRejectingWhenA400AnnouncesASmallerBatchLimit() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> events.size() > 2
                ? SendOutcome.status(400, null, "more than 2 events").withServerLimits(2, 0)
                : ScriptedSink.created(events.size()));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 5);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(5);
        assertThat(sink.attemptSizes()).containsExactly(5, 2, 2, 1);
    }

    @Test
    void treats401AsUnauthorizedWithoutRetrying() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.status(401, null, "bad token"));
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 2);

        FlushReport report = store.flush(WAIT);

        assertThat(report.dropped()).isEqualTo(2);
        assertThat(store.stats().dropped(DropReason.UNAUTHORIZED)).isEqualTo(2);
        assertThat(sink.attemptCount()).isEqualTo(1);
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void neverSendsMoreThanTheServerAnnouncedLimitsAllow() {
        ScriptedSink sink = new ScriptedSink(
                (events, attempt) -> ScriptedSink.created(events.size()).withServerLimits(3, 0));
        BufferedAuditStore store = start(config().batchSize(10), sink);
        store.store(event(0));
        store.flush(WAIT);

        storeAll(store, 1, 10);
        store.flush(WAIT);

        assertThat(sink.attemptSizes()).hasSize(5).allSatisfy(size -> assertThat(size)
                .isLessThanOrEqualTo(3));
        assertThat(store.stats().acked()).isEqualTo(11);
    }

    @Test
    void dropsEventsLargerThanTheServerRequestLimitAsOversize() {
        int small = event(0).estimatedJsonBytes();
        ScriptedSink sink = new ScriptedSink(
                (events, attempt) -> ScriptedSink.created(events.size()).withServerLimits(0, small + 100L));
        BufferedAuditStore store = start(config(), sink);
        store.store(event(0));
        store.flush(WAIT);

        assertThat(store.store(eventWithPadding(1, 500))).isFalse();

        assertThat(store.stats().dropped(DropReason.OVERSIZE)).isEqualTo(1);
    }

    @Test
    void countsEveryDropReason() {
        int bytes = event(0).estimatedJsonBytes();
        // buffer_full: one request hangs, its slot is the only one, the buffer holds two events.
        ScriptedSink hanging = new ScriptedSink().blockFirst();
        BufferedAuditStore full = start(config().bufferSize(2).batchSize(2).maxInFlight(1), hanging);
        storeAll(full, 0, 2);
        await().atMost(WAIT).until(() -> hanging.attemptCount() == 1);
        storeAll(full, 2, 2);
        assertThat(full.store(event(4))).isFalse();
        assertThat(full.stats().dropped(DropReason.BUFFER_FULL)).isEqualTo(1);

        // oversize: larger than max_batch_bytes.
        BufferedAuditStore small = start(config().maxBatchBytes(bytes + 10L), new ScriptedSink());
        assertThat(small.store(eventWithPadding(1, 100))).isFalse();
        assertThat(small.stats().dropped(DropReason.OVERSIZE)).isEqualTo(1);

        // retries_exhausted: every attempt fails.
        BufferedAuditStore failing = start(
                config().maxRetries(1),
                new ScriptedSink((events, attempt) -> SendOutcome.status(500, null, "transaction failed")));
        storeAll(failing, 0, 1);
        failing.flush(WAIT);
        assertThat(failing.stats().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(1);

        // closed: stored after close.
        BufferedAuditStore closed = start(config(), new ScriptedSink());
        closed.close(WAIT);
        assertThat(closed.store(event(1))).isFalse();
        assertThat(closed.stats().dropped(DropReason.CLOSED)).isEqualTo(1);

        // spool_full: only with a spool (see BufferedAuditStoreSpoolTest), but reported as 0 so dashboards stay stable.
        assertThat(closed.stats().dropped()).containsKeys(DropReason.values());

        for (BufferedAuditStore s : List.of(full, small, failing, closed)) {
            assertThat(s.stats().unaccounted()).isZero();
        }
    }

    @Test
    void blockOverflowWaitsAtMostBlockTimeoutThenDrops() {
        ScriptedSink hanging = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(
                config().bufferSize(1)
                        .batchSize(1)
                        .maxInFlight(1)
                        .overflow(AuditClientConfig.Overflow.BLOCK)
                        .blockTimeout(Duration.ofMillis(100)),
                hanging);
        store.store(event(0));
        await().atMost(WAIT).until(() -> hanging.attemptCount() == 1);
        store.store(event(1)); // fills the buffer: the only slot is taken

        long start = System.nanoTime();
        boolean accepted = store.store(event(2));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(accepted).isFalse();
        assertThat(waited).isBetween(Duration.ofMillis(90), Duration.ofSeconds(3));
        assertThat(store.stats().dropped(DropReason.BUFFER_FULL)).isEqualTo(1);
    }

    @Test
    void blockOverflowAcceptsTheEventOnceRoomIsFreed() throws Exception {
        ScriptedSink hanging = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(
                config().bufferSize(1)
                        .batchSize(1)
                        .maxInFlight(1)
                        .overflow(AuditClientConfig.Overflow.BLOCK)
                        .blockTimeout(Duration.ofSeconds(10)),
                hanging);
        store.store(event(0));
        await().atMost(WAIT).until(() -> hanging.attemptCount() == 1);
        store.store(event(1));

        Thread producer = new Thread(() -> store.store(event(2)));
        producer.start();
        hanging.release();
        producer.join(WAIT.toMillis());

        assertThat(producer.isAlive()).isFalse();
        store.flush(WAIT);
        assertThat(store.stats().acked()).isEqualTo(3);
        assertThat(store.stats().droppedTotal()).isZero();
    }

    @Test
    void aProducerBlockedForRoomIsCountedOnlyOnceItsEventIsBufferedOrDropped() {
        ScriptedSink hanging = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(
                config().bufferSize(1)
                        .batchSize(1)
                        .maxInFlight(1)
                        .overflow(AuditClientConfig.Overflow.BLOCK)
                        .blockTimeout(Duration.ofSeconds(20)),
                hanging);
        store.store(event(0));
        await().atMost(WAIT).until(() -> hanging.attemptCount() == 1);
        store.store(event(1));
        Thread producer = new Thread(() -> store.store(event(2)));
        producer.start();
        await().atMost(WAIT).until(() -> producer.getState() == Thread.State.TIMED_WAITING);

        AuditClientStats stats = store.stats();

        assertThat(stats.enqueued()).isEqualTo(2);
        assertThat(stats.unaccounted()).isZero();
    }

    @Test
    void flushDoesNotCountAnEventWhoseProducerWasStillWaitingForRoom() throws Exception {
        ScriptedSink hanging = new ScriptedSink().blockFirst();
        BufferedAuditStore store = start(
                config().bufferSize(1)
                        .batchSize(1)
                        .maxInFlight(1)
                        .overflow(AuditClientConfig.Overflow.BLOCK)
                        .blockTimeout(Duration.ofSeconds(20)),
                hanging);
        store.store(event(0));
        await().atMost(WAIT).until(() -> hanging.attemptCount() == 1);
        store.store(event(1));
        Thread producer = new Thread(() -> store.store(event(2)));
        producer.start();
        await().atMost(WAIT).until(() -> producer.getState() == Thread.State.TIMED_WAITING);

        java.util.concurrent.CompletableFuture<FlushReport> flush =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> store.flush(WAIT));
        await().atMost(WAIT).until(() -> store.pendingFlushes() == 1);
        hanging.release();
        FlushReport report = flush.get(10, TimeUnit.SECONDS);

        assertThat(report.acked()).isEqualTo(2);
        assertThat(report.total()).isEqualTo(2);
        producer.join();
        store.flush(WAIT);
        assertThat(store.stats().acked()).isEqualTo(3);
    }

    @Test
    void closeSendsEverythingBufferedAndReportsIt() {
        ScriptedSink sink = new ScriptedSink();
        BufferedAuditStore store = start(config(), sink);
        storeAll(store, 0, 7);

        CloseReport report = store.close(WAIT);

        assertThat(report.timedOut()).isFalse();
        assertThat(report.enqueued()).isEqualTo(7);
        assertThat(report.sent()).isEqualTo(7);
        assertThat(report.dropped()).isZero();
        assertThat(store.stats().flushes(FlushTrigger.CLOSE)).isEqualTo(1);
    }

    @Test
    void closeIsBoundedAndDropsWhatAHangingRequestHolds() {
        ScriptedSink sink = new ScriptedSink().blockAll();
        BufferedAuditStore store = start(config().batchSize(2).maxInFlight(1), sink);
        storeAll(store, 0, 5);

        long start = System.nanoTime();
        CloseReport report = store.close(Duration.ofMillis(200));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(3));
        assertThat(report.timedOut()).isTrue();
        assertThat(report.droppedByReason()).containsEntry(DropReason.CLOSED, 5L);
        assertThat(report.enqueued()).isEqualTo(report.sent() + report.rejected() + report.dropped());
        assertThat(store.stats().unaccounted()).isZero();
        assertThat(store.stats().bufferedEvents()).isZero();
        assertThat(store.stats().inFlightEvents()).isZero();
    }

    @Test
    void closeTwiceReturnsTheFirstReport() {
        BufferedAuditStore store = start(config(), new ScriptedSink());
        storeAll(store, 0, 3);

        CloseReport first = store.close(WAIT);
        CloseReport second = store.close(WAIT);

        assertThat(second).isSameAs(first);
    }

    @Test
    void concurrentClosesWaitForTheSameReport() throws Exception {
        BufferedAuditStore store = start(config(), new ScriptedSink());
        storeAll(store, 0, 3);
        CloseReport[] reports = new CloseReport[2];
        Thread a = new Thread(() -> reports[0] = store.close(WAIT));
        Thread b = new Thread(() -> reports[1] = store.close(WAIT));
        a.start();
        b.start();
        a.join();
        b.join();

        assertThat(reports[0]).isSameAs(reports[1]);
        assertThat(reports[0].sent()).isEqualTo(3);
    }

    @Test
    void closeWithoutArgumentsUsesTheDefaultTimeout() {
        BufferedAuditStore store = start(config(), new ScriptedSink());
        storeAll(store, 0, 2);

        store.close();

        assertThat(store.stats().acked()).isEqualTo(2);
    }

    @Test
    void recordsDeliveryLatencyFromStoreToAck() {
        ScriptedSink sink = new ScriptedSink();
        BufferedAuditStore store = start(config().flushInterval(Duration.ofSeconds(1)), sink);
        store.store(event(1));
        ticker.advance(Duration.ofSeconds(1));
        store.nudge();

        await().atMost(WAIT).until(() -> store.stats().acked() == 1);

        AuditClientStats.LatencySummary latency = store.stats().deliveryLatency();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.max()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void storeRefusesNull() {
        BufferedAuditStore store = start(config(), new ScriptedSink());

        org.assertj.core.api.Assertions.assertThatNullPointerException().isThrownBy(() -> store.store(null));
    }
}

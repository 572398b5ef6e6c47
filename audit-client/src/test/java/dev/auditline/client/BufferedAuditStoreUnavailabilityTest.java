package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The server is unavailable" is not "this batch failed": waiting for an unavailable DataStorage
 * consumes none of a batch's {@code max_retries}; only {@code delivery_timeout} bounds it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferedAuditStoreUnavailabilityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeTicker ticker = new FakeTicker();
    private final RecordingSleeper sleeper = new RecordingSleeper();
    private final List<BufferedAuditStore> stores = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        stores.forEach(s -> s.close(Duration.ofSeconds(2)));
    }

    private static AuditClientConfig.Builder config() {
        return AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("unavailable-test")
                .flushInterval(Duration.ofHours(1))
                .deliveryTimeout(Duration.ofHours(2))
                .maxRetries(0); // not one retry for a failed batch: any attempt consumed would drop it
    }

    private BufferedAuditStore start(AuditClientConfig.Builder config, BatchSink sink, BufferedAuditStore.Sleeper s) {
        BufferedAuditStore store = BufferedAuditStore.builder(config.build())
                .sink(sink)
                .ticker(ticker)
                .sleeper(s)
                .jitter(() -> 1.0)
                .build();
        stores.add(store);
        return store;
    }

    private static List<UUID> storeAll(BufferedAuditStore store, int count) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AuditEvent e = event(i);
            assertThat(store.store(e)).isTrue();
            ids.add(e.eventId());
        }
        return ids;
    }

    @Test
    void refusedConnectionsConsumeNoAttemptAndEveryEventIsAckedOnceTheServerAccepts() {
        int refusals = 25;
        ScriptedSink sink = new ScriptedSink((events, attempt) -> {
            if (attempt <= refusals) {
                throw new ConnectException("Connection refused");
            }
            return ScriptedSink.created(events.size());
        });
        BufferedAuditStore store = start(config(), sink, sleeper);
        storeAll(store, 7);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(7);
        assertThat(report.dropped()).isZero();
        AuditClientStats stats = store.stats();
        assertThat(stats.acked()).isEqualTo(7);
        assertThat(stats.droppedTotal()).isZero();
        assertThat(stats.unaccounted()).isZero();
        assertThat(sink.attemptCount()).isEqualTo(refusals + 1);
        // Probes back off like retries, capped at the probe interval (5 s) below max_backoff (30 s).
        assertThat(sleeper.sleeps).hasSize(refusals);
        assertThat(sleeper.sleeps.subList(0, 6))
                .containsExactly(
                        Duration.ofMillis(200),
                        Duration.ofMillis(400),
                        Duration.ofMillis(800),
                        Duration.ofMillis(1600),
                        Duration.ofMillis(3200),
                        Duration.ofSeconds(5));
        assertThat(sleeper.sleeps.subList(6, refusals)).containsOnly(Duration.ofSeconds(5));
    }

    @Test
    void overloadAndUnavailableAnswersHonourRetryAfterAndConsumeNoAttempt() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> switch (attempt) {
            case 1 -> SendOutcome.status(503, Duration.ofSeconds(3), "storage unavailable");
            case 2 -> SendOutcome.status(429, Duration.ofSeconds(1), "overloaded");
            case 3 -> SendOutcome.status(502, null, "bad gateway");
            case 4 -> SendOutcome.status(504, null, "gateway timeout");
            default -> ScriptedSink.created(events.size());
        });
        BufferedAuditStore store = start(config(), sink, sleeper);
        storeAll(store, 3);

        FlushReport report = store.flush(WAIT);

        assertThat(report.acked()).isEqualTo(3);
        assertThat(report.dropped()).isZero();
        assertThat(sink.attemptCount()).isEqualTo(5);
        assertThat(sleeper.sleeps)
                .containsExactly(
                        Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofMillis(800), Duration.ofMillis(1600));
    }

    @Test
    void aFailedAnswerConsumesAnAttemptWhereUnavailabilityDidNot() {
        // Unavailable 10 times, then one 500: with max_retries 0 the 500 alone exhausts the batch.
        ScriptedSink sink = new ScriptedSink((events, attempt) -> attempt <= 10
                ? SendOutcome.status(503, null, "unavailable")
                : SendOutcome.status(500, null, "transaction failed"));
        BufferedAuditStore store = start(config(), sink, sleeper);
        storeAll(store, 4);

        FlushReport report = store.flush(WAIT);

        assertThat(report.dropped()).isEqualTo(4);
        assertThat(store.stats().dropped(DropReason.RETRIES_EXHAUSTED)).isEqualTo(4);
        assertThat(sink.attemptCount()).isEqualTo(11);
    }

    @Test
    void whileEverySlotWaitsNoNewBatchIsCutAndEventsStayBuffered() {
        int refusals = 30;
        ScriptedSink sink = new ScriptedSink((events, attempt) -> {
            if (attempt <= refusals) {
                throw new ConnectException("Connection refused");
            }
            return ScriptedSink.created(events.size());
        });
        BufferedAuditStore store = start(config().batchSize(2).maxInFlight(1), sink, sleeper);
        List<UUID> ids = storeAll(store, 2);
        await().atMost(WAIT).until(() -> sink.attemptCount() >= 1);
        for (int i = 2; i < 6; i++) {
            AuditEvent e = event(i);
            assertThat(store.store(e)).isTrue();
            ids.add(e.eventId());
        }

        FlushReport report = store.flush(WAIT);

        assertThat(report.pending()).isZero();
        assertThat(store.stats().acked()).isEqualTo(6);
        assertThat(store.stats().droppedTotal()).isZero();
        // The one slot held the first batch through every refusal: no other batch was cut meanwhile.
        for (int i = 0; i <= refusals; i++) {
            assertThat(sink.attempts.get(i))
                    .extracting(AuditEvent::eventId)
                    .containsExactlyElementsOf(ids.subList(0, 2));
        }
        Set<UUID> sent = new HashSet<>();
        sink.attempts.subList(refusals, sink.attemptCount()).forEach(a -> a.forEach(e -> sent.add(e.eventId())));
        assertThat(sent).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void eventsWaitingLongerThanDeliveryTimeoutAreDroppedWithTheirOwnReason() {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> {
            throw new ConnectException("Connection refused");
        });
        // Each probe's wait moves the fake clock, so delivery_timeout passes without real waiting.
        BufferedAuditStore.Sleeper clockSleeper = d -> ticker.advance(d.isZero() ? Duration.ofMillis(1) : d);
        BufferedAuditStore store = start(
                config().batchSize(2)
                        .maxInFlight(1)
                        .flushInterval(Duration.ofMinutes(1))
                        .deliveryTimeout(Duration.ofMinutes(5)),
                sink,
                clockSleeper);
        storeAll(store, 6);

        // The senders' sleeps move the clock fast: events may already be terminal before flush().
        assertThat(store.flush(WAIT).pending()).isZero();

        AuditClientStats stats = store.stats();
        assertThat(stats.dropped(DropReason.DELIVERY_TIMEOUT)).isEqualTo(6);
        assertThat(stats.dropped(DropReason.RETRIES_EXHAUSTED)).isZero();
        assertThat(stats.unaccounted()).isZero();
    }

    @Test
    void withASpoolEventsPastDeliveryTimeoutAreSpooledInsteadOfDropped(@TempDir Path spoolDir) {
        ScriptedSink sink = new ScriptedSink((events, attempt) -> SendOutcome.status(503, null, "unavailable"));
        BufferedAuditStore.Sleeper clockSleeper = d -> ticker.advance(d.isZero() ? Duration.ofMillis(1) : d);
        BufferedAuditStore store = start(
                config().batchSize(2)
                        .maxInFlight(1)
                        .flushInterval(Duration.ofMinutes(1))
                        .deliveryTimeout(Duration.ofMinutes(5))
                        .spoolDir(spoolDir),
                sink,
                clockSleeper);
        storeAll(store, 5);

        assertThat(store.flush(WAIT).pending()).isZero();

        assertThat(store.stats().droppedTotal()).isZero();
        assertThat(store.stats().spooled()).isEqualTo(5);
        assertThat(store.stats().spooledPending()).isEqualTo(5);
        assertThat(store.stats().unaccounted()).isZero();
    }

    @Test
    void unauthorizedAndNotFoundAreDroppedWithTheirOwnReasonsWithoutRetrying() {
        ScriptedSink forbidden = new ScriptedSink((events, attempt) -> SendOutcome.status(403, null, "forbidden"));
        ScriptedSink missing = new ScriptedSink((events, attempt) -> SendOutcome.status(404, null, "no route"));
        BufferedAuditStore a = start(config().maxRetries(3), forbidden, sleeper);
        BufferedAuditStore b = start(config().maxRetries(3), missing, sleeper);
        storeAll(a, 2);
        storeAll(b, 3);

        a.flush(WAIT);
        b.flush(WAIT);

        assertThat(a.stats().dropped(DropReason.UNAUTHORIZED)).isEqualTo(2);
        assertThat(b.stats().dropped(DropReason.NOT_FOUND)).isEqualTo(3);
        assertThat(a.stats().dropped(DropReason.RETRIES_EXHAUSTED) + b.stats().dropped(DropReason.RETRIES_EXHAUSTED))
                .isZero();
        assertThat(forbidden.attemptCount()).isEqualTo(1);
        assertThat(missing.attemptCount()).isEqualTo(1);
    }
}

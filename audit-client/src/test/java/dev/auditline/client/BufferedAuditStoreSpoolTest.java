package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static dev.auditline.client.TestEvents.eventWithPadding;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.spool.RejectedEntry;
import dev.auditline.spool.RejectedLog;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferedAuditStoreSpoolTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<FlakySink> sinks = new ArrayList<>();
    private final List<BufferedAuditStore> stores = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        sinks.forEach(FlakySink::release);
        stores.forEach(s -> s.close(Duration.ofSeconds(2)));
    }

    private AuditClientConfig.Builder config() {
        return AuditClientConfig.builder()
                .datastorageUrl("http://127.0.0.1:9")
                .serviceName("spool-test")
                .spoolDir(dir)
                .flushInterval(Duration.ofMinutes(10)) // only flush() and full batches send
                .deliveryTimeout(Duration.ofHours(2))
                .maxRetries(1)
                .initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(100));
    }

    private BufferedAuditStore start(AuditClientConfig.Builder config, FlakySink sink) {
        sinks.add(sink);
        BufferedAuditStore store = BufferedAuditStore.builder(config.build())
                .sink(sink)
                .sleeper(d -> {})
                .jitter(() -> 1.0)
                .build();
        stores.add(store);
        return store;
    }

    private static List<UUID> storeAll(BufferedAuditStore store, int from, int count) {
        List<UUID> ids = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            AuditEvent e = event(i);
            assertThat(store.store(e)).as("store(event %d)", i).isTrue();
            ids.add(e.eventId());
        }
        return ids;
    }

    /** Closes the store at once, as a test's "process" ending; what it could not send stays spooled. */
    private static CloseReport stop(BufferedAuditStore store) {
        return store.close(Duration.ofSeconds(5));
    }

    @Test
    void spillsToTheSpoolWhenTheBufferIsFullAndReplaysOnceDataStorageAnswers() {
        FlakySink sink = new FlakySink().holdIf(r -> true);
        BufferedAuditStore store = start(
                config().overflow(AuditClientConfig.Overflow.SPILL)
                        .bufferSize(10)
                        .batchSize(10)
                        .maxInFlight(1),
                sink);

        List<UUID> ids = storeAll(store, 0, 10); // one batch, hanging in the only slot
        await().atMost(WAIT).until(() -> sink.held.size() == 1);
        ids.addAll(storeAll(store, 10, 10)); // buffered
        for (int i = 1; i <= 3; i++) { // spilled; the hand-off queue holds up to buffer_size
            ids.addAll(storeAll(store, 10 + 10 * i, 10));
            long spooled = 10L * i;
            await().atMost(WAIT).until(() -> store.stats().spooledPending() == spooled);
        }
        AuditClientStats spilled = store.stats();
        assertThat(spilled.unaccounted()).isZero();
        assertThat(spilled.bufferedEvents()).isEqualTo(10);
        assertThat(spilled.spooled()).isEqualTo(30);
        assertThat(spilled.droppedTotal()).isZero();

        sink.release();
        store.flush(WAIT);
        await().atMost(WAIT).until(() -> store.stats().spooledPending() == 0);

        AuditClientStats after = store.stats();
        assertThat(after.acked()).isEqualTo(50);
        assertThat(after.unaccounted()).isZero();
        assertThat(sink.distinctAcked).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(after.spool().replayedEvents()).isEqualTo(30);
    }

    @Test
    void aBatchWhoseRetriesAreExhaustedIsSpooledAndReplayedAfterDataStorageRecovers() {
        FlakySink sink = new FlakySink().failing();
        BufferedAuditStore store = start(config(), sink);
        List<UUID> ids = storeAll(store, 0, 5);

        FlushReport report = store.flush(WAIT);

        assertThat(report.spooled()).isEqualTo(5);
        assertThat(report.dropped()).isZero();
        assertThat(report.timedOut()).isFalse();
        assertThat(store.stats().spooledPending()).isEqualTo(5);
        assertThat(store.stats().dropped(DropReason.RETRIES_EXHAUSTED)).isZero();
        await().atMost(WAIT).until(() -> store.stats().spool().replayFailures() > 0);
        assertThat(store.stats().spool().lastReplayError()).isEqualTo("status 500: transaction failed");

        sink.up();
        ids.addAll(storeAll(store, 5, 1));
        store.flush(WAIT); // DataStorage answers again: the replay does not wait out its backoff

        await().atMost(WAIT).until(() -> store.stats().spooledPending() == 0);
        AuditClientStats stats = store.stats();
        assertThat(stats.acked()).isEqualTo(6);
        assertThat(stats.spooled()).isEqualTo(5);
        assertThat(stats.unaccounted()).isZero();
        assertThat(stats.spool().replayFailures()).isZero();
        assertThat(sink.distinctAcked).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void closeSpoolsWhatItCouldNotSendAndTheNextStoreOnTheDirectoryReplaysIt() {
        FlakySink hanging = new FlakySink().holdIf(r -> true);
        BufferedAuditStore first = start(config().batchSize(10).maxInFlight(1), hanging);
        List<UUID> ids = storeAll(first, 0, 30);
        await().atMost(WAIT).until(() -> hanging.held.size() == 1);

        CloseReport closed = first.close(Duration.ofMillis(200));

        assertThat(closed.timedOut()).isTrue();
        assertThat(closed.spooled()).isEqualTo(30);
        assertThat(closed.dropped()).isZero();
        assertThat(closed.enqueued()).isEqualTo(closed.sent() + closed.rejected() + closed.spooled());
        assertThat(first.stats().unaccounted()).isZero();

        FlakySink recovered = new FlakySink();
        BufferedAuditStore second = start(config(), recovered);

        await().atMost(WAIT).until(() -> second.stats().spool().recoveredAcked() == 30);
        AuditClientStats stats = second.stats();
        assertThat(stats.spool().recoveredRecords()).isEqualTo(3);
        assertThat(stats.spool().recoveredPendingRecords()).isZero();
        assertThat(stats.enqueued()).isZero(); // the earlier process enqueued them, not this one
        assertThat(stats.acked()).isZero();
        assertThat(stats.unaccounted()).isZero();
        // at least once: every id arrived; any repeat would be deduplicated by DataStorage
        assertThat(recovered.distinctAcked).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(recovered.ackedIds).hasSize(30);
    }

    @Test
    void aSecondStoreOnTheSameSpoolDirectoryIsRefusedNamingTheSetting() {
        start(config(), new FlakySink());

        assertThatThrownBy(() -> BufferedAuditStore.builder(config().build())
                        .sink(new FlakySink())
                        .build())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("audit.spool.dir: cannot open the client spool in " + dir)
                .hasRootCauseMessage("spool directory " + dir.resolve("segments") + " is in use by another spool");
    }

    @Test
    void aFullSpoolDropsAsSpoolFullWithoutFailing() {
        FlakySink sink = new FlakySink().failing();
        BufferedAuditStore store =
                start(config().maxRetries(0).batchSize(1).spoolMaxBytes(AuditClientConfig.MIN_SPOOL_MAX_BYTES), sink);

        for (int i = 0; i < 10; i++) {
            assertThat(store.store(eventWithPadding(i, 600))).isTrue();
            store.flush(WAIT);
        }

        AuditClientStats stats = store.stats();
        assertThat(stats.spooled()).isPositive();
        assertThat(stats.dropped(DropReason.SPOOL_FULL)).isPositive();
        assertThat(stats.spooled() + stats.dropped(DropReason.SPOOL_FULL)).isEqualTo(10);
        assertThat(stats.spool().refusedRecords()).isEqualTo(stats.dropped(DropReason.SPOOL_FULL));
        assertThat(stats.spool().pendingBytes()).isLessThanOrEqualTo(AuditClientConfig.MIN_SPOOL_MAX_BYTES);
        assertThat(stats.unaccounted()).isZero();

        sink.up();
        store.store(event(99));
        store.flush(WAIT);
        await().atMost(WAIT).until(() -> store.stats().spooledPending() == 0);
        assertThat(store.stats().unaccounted()).isZero();
    }

    @Test
    void writesEachEventDataStorageRejectsWithItsReasonToTheRejectedFile() throws IOException {
        AuditEvent bad = event(1);
        FlakySink sink = new FlakySink().rejecting(e -> e.eventId().equals(bad.eventId()));
        BufferedAuditStore store = start(config(), sink);
        store.store(event(0));
        store.store(bad);

        FlushReport report = store.flush(WAIT);

        assertThat(report.rejected()).isEqualTo(1);
        List<RejectedEntry> entries = RejectedLog.read(dir.resolve("rejected"));
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.event().eventId()).isEqualTo(bad.eventId());
            assertThat(e.field()).isEqualTo("event_type");
            assertThat(e.detail()).isEqualTo(FlakySink.REASON.detail());
        });
        assertThat(store.stats().spool().rejectedFileWrites()).isEqualTo(1);
    }

    @Test
    void anEventDataStorageAnswersAsAConflictGoesToTheRejectedFileAndIsNeverResent() throws IOException {
        AuditEvent clash = event(1);
        FlakySink sink = new FlakySink().conflicting(e -> e.eventId().equals(clash.eventId()));
        BufferedAuditStore store = start(config(), sink);
        store.store(event(0));
        store.store(clash);

        FlushReport report = store.flush(WAIT);
        store.flush(WAIT);

        assertThat(report.rejected()).isEqualTo(1);
        assertThat(report.acked()).isEqualTo(1);
        assertThat(RejectedLog.read(dir.resolve("rejected"))).singleElement().satisfies(e -> {
            assertThat(e.event().eventId()).isEqualTo(clash.eventId());
            assertThat(e.field()).isEqualTo("event_id");
            assertThat(e.detail()).isEqualTo(FlakySink.CONFLICT.detail());
        });
        assertThat(store.stats().rejected()).isEqualTo(1);
        assertThat(store.stats().spooledPending()).isZero();
    }

    @Test
    void aReplayedEventThatIsRejectedGoesToTheRejectedFileToo() throws IOException {
        FlakySink down = new FlakySink().failing();
        BufferedAuditStore first = start(config(), down);
        List<UUID> ids = storeAll(first, 0, 3);
        first.flush(WAIT);
        stop(first);

        UUID bad = ids.get(1);
        FlakySink sink = new FlakySink().rejecting(e -> e.eventId().equals(bad));
        BufferedAuditStore second = start(config(), sink);

        await().atMost(WAIT).until(() -> second.stats().spool().recoveredPendingRecords() == 0);
        assertThat(second.stats().spool().recoveredAcked()).isEqualTo(2);
        assertThat(second.stats().spool().recoveredRejected()).isEqualTo(1);
        assertThat(RejectedLog.read(dir.resolve("rejected")))
                .singleElement()
                .satisfies(e -> assertThat(e.event().eventId()).isEqualTo(bad));
    }

    @Test
    void aHangingReplayDoesNotDelayFreshEventsPastFlushInterval() {
        FlakySink down = new FlakySink().failing();
        BufferedAuditStore first = start(config().maxRetries(0).batchSize(10), down);
        Set<UUID> old = new HashSet<>(storeAll(first, 0, 100));
        first.flush(WAIT);
        assertThat(stop(first).spooled()).isEqualTo(100);

        Duration flushInterval = Duration.ofMillis(300);
        FlakySink sink = new FlakySink().holdIf(r -> old.contains(r.get(0).eventId()));
        BufferedAuditStore second = start(config().flushInterval(flushInterval).maxInFlight(1), sink);
        await().atMost(WAIT).until(() -> sink.held.size() == 1); // the replay hangs

        AuditEvent fresh = event(1000);
        second.store(fresh);

        await().atMost(WAIT).until(() -> sink.distinctAcked.contains(fresh.eventId()));
        assertThat(second.stats().deliveryLatency().max()).isLessThan(flushInterval.plusSeconds(1));
        assertThat(sink.held).hasSize(1); // one replay request at a time
        assertThat(second.stats().unaccounted()).isZero();
    }

    @Test
    void aReplayedRecordLargerThanTheServerTakesIsSplitLikeALiveBatch() {
        BufferedAuditStore first = start(config(), new FlakySink().failing());
        List<UUID> ids = storeAll(first, 0, 10);
        assertThat(first.flush(WAIT).spooled()).isEqualTo(10);
        stop(first);

        ScriptedSink small = new ScriptedSink((events, attempt) -> events.size() > 4
                ? SendOutcome.status(413, null, "request too large")
                : ScriptedSink.created(events.size()));
        BufferedAuditStore second =
                BufferedAuditStore.builder(config().build()).sink(small).build();
        stores.add(second);

        await().atMost(WAIT).until(() -> second.stats().spool().recoveredAcked() == 10);
        assertThat(small.attemptSizes()).startsWith(10).contains(3, 2);
        List<UUID> delivered = small.attempts.stream()
                .filter(a -> a.size() <= 4)
                .flatMap(List::stream)
                .map(AuditEvent::eventId)
                .toList();
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(second.stats().spool().pendingRecords()).isZero();
    }

    @Test
    void aReplayRefusedWith401KeepsTheRecordsAndRetriesLater() {
        BufferedAuditStore first = start(config(), new FlakySink().failing());
        storeAll(first, 0, 3);
        first.flush(WAIT);
        stop(first);

        ScriptedSink unauthorized = new ScriptedSink((events, attempt) -> SendOutcome.status(401, null, "no token"));
        BufferedAuditStore second =
                BufferedAuditStore.builder(config().build()).sink(unauthorized).build();
        stores.add(second);

        await().atMost(WAIT).until(() -> second.stats().spool().replayFailures() >= 2);
        AuditClientStats.SpoolSummary spool = second.stats().spool();
        assertThat(spool.lastReplayError()).isEqualTo("status 401: no token");
        assertThat(spool.recoveredPendingRecords()).isEqualTo(1);
        assertThat(spool.pendingRecords()).isEqualTo(1);
        assertThat(spool.recoveredDropped() + spool.recoveredRejected()).isZero();
    }

    @Test
    void aTornSegmentKeepsEveryCompleteRecordAndTheyAreReplayed() throws IOException {
        FlakySink down = new FlakySink().failing();
        BufferedAuditStore first = start(config().maxRetries(0), down);
        List<List<UUID>> records = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            records.add(storeAll(first, r * 5, 5));
            assertThat(first.flush(WAIT).spooled()).isEqualTo(5); // one record each
        }
        stop(first);
        Path segment; // the last one: the replayer may have sealed earlier records in segments of their own
        try (Stream<Path> files = Files.list(dir.resolve("segments"))) {
            segment = files.filter(f -> f.toString().endsWith(".log"))
                    .max(Comparator.naturalOrder())
                    .orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(file.length() - 10); // the last record loses its end, as in a crash
        }

        FlakySink sink = new FlakySink();
        BufferedAuditStore second = start(config(), sink);

        await().atMost(WAIT).until(() -> second.stats().spool().recoveredAcked() == 15);
        assertThat(second.stats().spool().recoveredRecords()).isEqualTo(3);
        assertThat(sink.distinctAcked)
                .containsExactlyInAnyOrderElementsOf(
                        records.subList(0, 3).stream().flatMap(List::stream).toList());
    }
}

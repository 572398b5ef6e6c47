package dev.auditline.datastorage.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.datastorage.metrics.MetricNames;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import dev.auditline.spool.SpoolFullException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FallbackSpoolTest {
    private static final Duration BACKOFF = Duration.ofMillis(20);

    @TempDir
    Path dir;

    final FakeRepository repository = new FakeRepository();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<FallbackSpool> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(f -> f.close(Duration.ofSeconds(5)));
    }

    FallbackSpool start(SpoolConfig config) throws IOException {
        FallbackSpool f = FallbackSpool.start(
                config, repository, new ServerMetrics(registry), Clock.systemUTC(), BACKOFF, BACKOFF.multipliedBy(4));
        opened.add(f);
        return f;
    }

    FallbackSpool start() throws IOException {
        return start(SpoolConfig.of(dir));
    }

    static List<AuditEvent> events(int n) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return IntStream.range(0, n)
                .mapToObj(i -> AuditEvent.builder()
                        .eventType("orchestrator.approval.requested")
                        .eventCategory("orchestration")
                        .eventAction("requested")
                        .eventOutcome(EventOutcome.SUCCESS)
                        .eventTimestamp(now)
                        .correlationId("rr-" + i)
                        .actor("service", "remediation-orchestrator")
                        .resource("remediation", "rr-" + i)
                        .build())
                .toList();
    }

    static List<UUID> ids(List<AuditEvent> events) {
        return events.stream().map(AuditEvent::eventId).toList();
    }

    double counter(String name, String tag, String value) {
        var c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void fsyncsTheBatchAsOneRecordThatKeepsTheIngestingClient() throws Exception {
        repository.mode(FakeRepository.Mode.DOWN);
        FallbackSpool fallback = start();
        fallback.storageFailed("test");
        List<AuditEvent> batch = events(3);

        fallback.store(batch, "orchestrator");
        fallback.close(Duration.ofSeconds(5));

        List<FallbackRecord> records = new ArrayList<>();
        try (Spool spool = Spool.open(SpoolConfig.of(dir))) {
            spool.replay(payload -> {
                try {
                    records.add(FallbackRecord.decode(payload));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                return false; // leave it on disk
            });
        }
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.ingestedBy()).isEqualTo("orchestrator");
            assertThat(ids(r.events())).isEqualTo(ids(batch));
            assertThat(r.events()).isEqualTo(batch);
        });
        assertThat(counter(MetricNames.INGEST_EVENTS, "outcome", "spooled")).isEqualTo(3);
        assertThat(repository.stored()).isEmpty();
    }

    @Test
    void keepsAbsentIngestedByAbsentWhenAuthIsOff() throws Exception {
        List<AuditEvent> batch = events(1);
        byte[] encoded = new FallbackRecord(null, batch).encode();

        assertThat(new String(encoded, StandardCharsets.UTF_8)).startsWith("{\"events\":[");
        assertThat(FallbackRecord.decode(encoded).ingestedBy()).isNull();
    }

    @Test
    void reportsTheDatabaseDownFromTheFirstFailureUntilTheReplayerFindsItReady() throws Exception {
        repository.mode(FakeRepository.Mode.DOWN);
        FallbackSpool fallback = start();
        assertThat(fallback.storageDown()).isFalse();

        fallback.storageFailed("test: connection refused");

        assertThat(fallback.storageDown()).isTrue();
        assertThat(fallback.status().storageDown()).isTrue();
        repository.mode(FakeRepository.Mode.UP);
        await().atMost(Duration.ofSeconds(10)).until(() -> !fallback.storageDown());
    }

    @Test
    void replaysIntoTheRepositoryWhenItRecoversWithTheIngestingClient() throws Exception {
        repository.mode(FakeRepository.Mode.DOWN);
        FallbackSpool fallback = start();
        fallback.storageFailed("test");
        List<AuditEvent> first = events(5);
        List<AuditEvent> second = events(2);
        fallback.store(first, "orchestrator");
        fallback.store(second, null);
        assertThat(fallback.status().pendingRecords()).isEqualTo(2);

        repository.mode(FakeRepository.Mode.UP);

        await().atMost(Duration.ofSeconds(10)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(repository.stored()).hasSize(7);
        first.forEach(e -> assertThat(repository.stored()).containsEntry(e.eventId(), "orchestrator"));
        second.forEach(e -> assertThat(repository.stored()).containsEntry(e.eventId(), "(none)"));
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "created"))
                .isEqualTo(7);
        assertThat(fallback.storageDown()).isFalse();
        assertThat(registry.find(MetricNames.FALLBACK_SPOOL_PENDING_RECORDS)
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void leavesTheRecordsSpooledWhileTheirReplayFailsAndStoresThemOnceItWorks() throws Exception {
        repository.mode(FakeRepository.Mode.FAILING_INSERTS);
        FallbackSpool fallback = start();
        fallback.storageFailed("test");
        List<AuditEvent> batch = events(4);
        fallback.store(batch, "orchestrator");

        await().atMost(Duration.ofSeconds(10)).until(() -> repository.insertCalls() >= 3);
        assertThat(fallback.status().pendingRecords()).isEqualTo(1);
        assertThat(repository.stored()).isEmpty();
        assertThat(fallback.status().refusedRecords())
                .as("a fault of the server is retried")
                .isZero();

        repository.mode(FakeRepository.Mode.UP);

        await().atMost(Duration.ofSeconds(10)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(repository.stored().keySet()).containsExactlyElementsOf(ids(batch));
    }

    @Test
    void keepsRetryingARecordWhoseReplayFindsTheDatabaseBusyAndSetsNothingAside() throws Exception {
        repository.mode(FakeRepository.Mode.BUSY);
        FallbackSpool fallback = start();
        List<AuditEvent> batch = events(3);
        fallback.store(batch, "orchestrator");

        await().atMost(Duration.ofSeconds(10)).until(() -> repository.insertCalls() >= 3);
        assertThat(fallback.status().pendingRecords()).isEqualTo(1);
        assertThat(fallback.status().refusedRecords()).isZero();
        assertThat(fallback.storageDown())
                .as("busy is not down: ingest keeps going to the database")
                .isFalse();
        assertThat(dir.resolve(SetAside.Reason.REFUSED.directory)).doesNotExist();
        assertThat(counter(MetricNames.FALLBACK_SPOOL_SET_ASIDE, "reason", "refused"))
                .isZero();

        repository.mode(FakeRepository.Mode.UP);

        await().atMost(Duration.ofSeconds(10)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(repository.stored().keySet()).containsExactlyElementsOf(ids(batch));
    }

    @Test
    void replaysWhatAPreviousRunLeftAfterStartUp() throws Exception {
        repository.mode(FakeRepository.Mode.DOWN);
        FallbackSpool before = start();
        before.storageFailed("test");
        List<AuditEvent> batch = events(3);
        before.store(batch, "orchestrator");
        before.close(Duration.ofSeconds(5));
        assertThat(repository.stored()).isEmpty();

        repository.mode(FakeRepository.Mode.UP);
        FallbackSpool after = start();

        await().atMost(Duration.ofSeconds(10)).until(() -> after.status().pendingRecords() == 0);
        assertThat(repository.stored().keySet()).containsExactlyElementsOf(ids(batch));
    }

    @Test
    void refusesABatchThatWouldOverfillTheSpoolCountsItAndStopsAccepting() throws Exception {
        repository.mode(FakeRepository.Mode.DOWN);
        FallbackSpool fallback = start(new SpoolConfig(dir, 4096, 1024, Duration.ofSeconds(5)));
        fallback.storageFailed("test");
        int stored = 0;
        SpoolFullException refused = null;
        while (refused == null) {
            try {
                fallback.store(events(2), "orchestrator");
                stored++;
            } catch (SpoolFullException e) {
                refused = e;
            }
        }

        assertThat(stored).isPositive();
        assertThat(refused).hasMessageContaining("max_bytes would be exceeded");
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REFUSED, "reason", "spool_full"))
                .isEqualTo(2);
        assertThat(fallback.status().accepting()).isFalse();
        assertThat(fallback.status().pendingRecords()).isEqualTo(stored);

        repository.mode(FakeRepository.Mode.UP);
        await().atMost(Duration.ofSeconds(10)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(repository.stored()).hasSize(2 * stored);
        assertThat(fallback.status().accepting()).isTrue();
    }

    @Test
    void setsAsideARecordItCannotDecodeInsteadOfBlockingTheOthers() throws Exception {
        List<AuditEvent> batch = events(2);
        try (Spool spool = Spool.open(SpoolConfig.of(dir))) {
            spool.append("not a batch".getBytes(StandardCharsets.UTF_8));
            spool.append(new FallbackRecord("orchestrator", batch).encode());
        }

        FallbackSpool fallback = start();

        await().atMost(Duration.ofSeconds(10)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(repository.stored().keySet()).containsExactlyElementsOf(ids(batch));
        assertThat(fallback.status().unreadableRecords()).isEqualTo(1);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_SET_ASIDE, "reason", "unreadable"))
                .isEqualTo(1);
        try (Stream<Path> files = Files.list(dir.resolve(SetAside.Reason.UNREADABLE.directory))) {
            assertThat(files.toList()).singleElement().satisfies(f -> assertThat(Files.readString(f))
                    .isEqualTo("not a batch"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void losesNoRecordWhileAppendsRaceTheReplayThroughRepeatedOutages() throws Exception {
        FallbackSpool fallback = start();
        int threads = 4;
        int batchesPerThread = 150;
        Set<UUID> sent = ConcurrentHashMap.newKeySet();
        AtomicBoolean appending = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            Future<?> outages = pool.submit(() -> {
                // paces the fault: the database flaps while the appends and the replay run
                while (appending.get()) {
                    repository.mode(FakeRepository.Mode.DOWN);
                    fallback.storageFailed("test: flapping");
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(15));
                    repository.mode(FakeRepository.Mode.UP);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(15));
                }
                return null;
            });
            List<Future<?>> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                appenders.add(pool.submit(() -> {
                    for (int i = 0; i < batchesPerThread; i++) {
                        List<AuditEvent> batch = events(5);
                        fallback.store(batch, "orchestrator");
                        sent.addAll(ids(batch));
                    }
                    return null;
                }));
            }
            for (Future<?> f : appenders) {
                f.get(45, TimeUnit.SECONDS);
            }
            appending.set(false);
            outages.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        repository.mode(FakeRepository.Mode.UP);

        await().atMost(Duration.ofSeconds(20)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(sent).hasSize(threads * batchesPerThread * 5);
        assertThat(repository.stored().keySet()).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "created"))
                .isEqualTo(sent.size());
    }

    @Test
    void refusesAppendsAfterClose() throws Exception {
        FallbackSpool fallback = start();
        fallback.close(Duration.ofSeconds(5));

        assertThatThrownBy(() -> fallback.store(events(1), null)).isInstanceOf(IllegalStateException.class);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REFUSED, "reason", "spool_error"))
                .isEqualTo(1);
    }
}

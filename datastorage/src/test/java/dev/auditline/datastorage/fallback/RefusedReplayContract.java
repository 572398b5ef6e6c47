package dev.auditline.datastorage.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.datastorage.metrics.MetricNames;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.RefusingTrigger;
import dev.auditline.spool.Spool;
import dev.auditline.spool.SpoolConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback replay over a real store whose database refuses a value of one spooled batch (a
 * trigger, as a DBA's constraint would): the refused record is set aside whole in {@code refused/},
 * counted and skipped, and the records behind it are stored; none of the refused batch is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class RefusedReplayContract {
    static final String REFUSED_ACTOR = RefusingTrigger.ACTOR;
    private static final Duration BACKOFF = Duration.ofMillis(20);

    @TempDir
    Path dir;

    EventRepository repository;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final String correlationId = "refused-replay-" + UUID.randomUUID();
    final Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    FallbackSpool fallback;

    abstract EventRepository open();

    /** A data source on the same database, for SQL the repositories never run. */
    abstract DataSource plainDataSource();

    /** SQL that makes the database refuse a row whose actor_id is {@link #REFUSED_ACTOR} as a data error. */
    abstract List<String> sqlRefusingTheActor();

    @BeforeEach
    void openStore() throws SQLException {
        repository = open();
        try (Connection c = plainDataSource().getConnection();
                Statement s = c.createStatement()) {
            for (String sql : sqlRefusingTheActor()) {
                s.execute(sql);
            }
        }
    }

    @AfterEach
    void closeAll() {
        if (fallback != null) {
            fallback.close(Duration.ofSeconds(5));
        }
        repository.close();
    }

    AuditEvent.Builder event(String actorId) {
        return AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.SUCCESS)
                .eventTimestamp(now)
                .correlationId(correlationId)
                .actor("service", actorId)
                .resource("remediation", "rr-1");
    }

    /** Spools the records as a previous run would have left them, then starts the replay. */
    void replay(FallbackRecord... records) throws Exception {
        Path spoolDir = dir.resolve("spool");
        try (Spool spool = Spool.open(SpoolConfig.of(spoolDir))) {
            for (FallbackRecord r : records) {
                spool.append(r.encode());
            }
        }
        fallback = FallbackSpool.start(
                SpoolConfig.of(spoolDir),
                repository,
                new ServerMetrics(registry),
                Clock.systemUTC(),
                BACKOFF,
                BACKOFF.multipliedBy(4));
        await().atMost(Duration.ofSeconds(20)).until(() -> fallback.status().pendingRecords() == 0);
    }

    Set<UUID> storedIds() {
        return repository
                .query(new EventQuery(correlationId, null, null, null, null, null, null, null, null, false, 1000, null))
                .events()
                .stream()
                .map(AuditEvent::eventId)
                .collect(Collectors.toSet());
    }

    List<Path> setAside(SetAside.Reason reason) throws Exception {
        Path d = dir.resolve("spool").resolve(reason.directory);
        if (!Files.exists(d)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(d)) {
            return files.toList();
        }
    }

    double counter(String name, String tag, String value) {
        var c = registry.find(name).tag(tag, value).counter();
        return c == null ? -1 : c.count();
    }

    @Test
    void setsAsideTheWholeRecordTheDatabaseRefusesAndStoresTheRecordsBehindIt() throws Exception {
        AuditEvent a1 = event("ordinary").build();
        AuditEvent a2 = event("ordinary").build();
        AuditEvent b1 = event("ordinary").build();
        AuditEvent b2 = event(REFUSED_ACTOR).build();
        AuditEvent c1 = event("ordinary").build();
        AuditEvent c2 = event("ordinary").build();
        FallbackRecord refused = new FallbackRecord("billing", List.of(b1, b2));

        replay(new FallbackRecord("orchestrator", List.of(a1, a2)), refused, new FallbackRecord(null, List.of(c1, c2)));

        assertThat(storedIds())
                .as("the records around the refused one, and nothing of it: its batch is one transaction")
                .containsExactlyInAnyOrder(a1.eventId(), a2.eventId(), c1.eventId(), c2.eventId());
        List<Path> kept = setAside(SetAside.Reason.REFUSED);
        assertThat(kept).singleElement().satisfies(file -> {
            assertThat(Files.readAllBytes(file)).as("the record intact").isEqualTo(refused.encode());
            FallbackRecord decoded = FallbackRecord.decode(Files.readAllBytes(file));
            assertThat(decoded.ingestedBy()).isEqualTo("billing");
            assertThat(decoded.events()).isEqualTo(List.of(b1, b2));
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                        .isEqualTo("rw-------");
            }
        });
        assertThat(setAside(SetAside.Reason.UNREADABLE)).isEmpty();
        assertThat(counter(MetricNames.FALLBACK_SPOOL_SET_ASIDE, "reason", "refused"))
                .isEqualTo(1);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_SET_ASIDE, "reason", "unreadable"))
                .isZero();
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "created"))
                .isEqualTo(4);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "refused"))
                .isEqualTo(2);
        assertThat(fallback.status().refusedRecords()).isEqualTo(1);
        assertThat(fallback.storageDown()).as("a refusal is not an outage").isFalse();

        // the replay goes on afterwards: a record spooled now is stored, the refused one stays aside
        AuditEvent d1 = event("ordinary").build();
        fallback.store(List.of(d1), "orchestrator");
        await().atMost(Duration.ofSeconds(20)).until(() -> storedIds().contains(d1.eventId()));
        await().atMost(Duration.ofSeconds(20)).until(() -> fallback.status().pendingRecords() == 0);
        assertThat(storedIds())
                .containsExactlyInAnyOrder(a1.eventId(), a2.eventId(), c1.eventId(), c2.eventId(), d1.eventId());
        assertThat(setAside(SetAside.Reason.REFUSED)).isEqualTo(kept);
    }

    @Test
    void countsAReplayedEventWhoseIdIsStoredWithOtherContentAsAConflict() throws Exception {
        AuditEvent stored = event("ordinary").build();
        repository.insertBatch(List.of(stored), "orchestrator");
        AuditEvent sameIdOtherContent = event("ordinary")
                .eventId(stored.eventId())
                .eventAction("approved")
                .build();
        AuditEvent fresh = event("ordinary").build();

        replay(new FallbackRecord("orchestrator", List.of(sameIdOtherContent, fresh)));

        assertThat(storedIds()).containsExactlyInAnyOrder(stored.eventId(), fresh.eventId());
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "created"))
                .isEqualTo(1);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "conflict"))
                .isEqualTo(1);
        assertThat(counter(MetricNames.FALLBACK_SPOOL_REPLAYED, "outcome", "duplicate"))
                .isZero();
        assertThat(setAside(SetAside.Reason.REFUSED)).isEmpty();
    }
}

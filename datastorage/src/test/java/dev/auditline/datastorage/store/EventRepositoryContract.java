package dev.auditline.datastorage.store;

import static dev.auditline.datastorage.store.TestEvents.event;
import static dev.auditline.datastorage.store.TestEvents.full;
import static dev.auditline.datastorage.store.TestEvents.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.log.LeafEncoding;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviours every {@link EventRepository} must have. Each implementation's test extends this
 * class and supplies a migrated store per test. The store may hold other tests' events (PostgreSQL
 * shares one database per class), so every test reads only its own correlation id.
 */
abstract class EventRepositoryContract extends AuditLogContract {

    /** The server clock of the tests; event timestamps lie around it. */
    static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");

    /** Keyset order as both databases define it: timestamp, then the UUID's bytes (its text). */
    static final Comparator<AuditEvent> KEYSET_ORDER = Comparator.comparing(AuditEvent::eventTimestamp)
            .thenComparing(e -> e.eventId().toString());

    protected EventRepository repository;
    private final String correlationId = "corr-" + UUID.randomUUID();

    /** A migrated store whose clock is {@code clock}. */
    protected abstract EventRepository openEmptyRepository(Clock clock);

    /**
     * A migrated store that no other test sees, for tests that change more than their own events.
     * Defaults to {@link #openEmptyRepository}.
     */
    protected EventRepository openIsolatedRepository(Clock clock) {
        return openEmptyRepository(clock);
    }

    @BeforeEach
    void openRepository() {
        repository = openEmptyRepository(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void closeRepository() {
        repository.close();
    }

    @Test
    void storesEveryFieldAndReadsItBackUnchanged() {
        AuditEvent sent = full(correlationId, NOW.minus(3, ChronoUnit.DAYS).plusNanos(987_654_000));

        InsertResult result = repository.insertBatch(List.of(sent), "svc-a");

        AuditEvent stored = repository.findById(sent.eventId()).orElseThrow();
        assertThat(result.created()).containsExactly(sent.eventId());
        assertThat(result.ingestedAt()).isEqualTo(NOW);
        assertThat(stored.ingestSeq()).isNotNull();
        assertThat(stored).isEqualTo(sent.withIngestion(NOW, stored.ingestSeq(), "svc-a"));
        assertThat(sent.eventTimestamp().getNano() % 1_000_000)
                .as("sub-millisecond part")
                .isNotZero();
        assertThat(stored.eventTimestamp()).isEqualTo(sent.eventTimestamp());
        assertThat(stored.eventData()).isEqualTo(sent.eventData());
    }

    /**
     * Hundreds of events in one batch, in no particular order, optional fields set and absent,
     * {@code event_data} from a few bytes to 100 KB of mixed one- to four-byte characters, over
     * forty days: each is stored and served back field for field, with its own {@code ingest_seq},
     * and its log leaf is the encoding of the event as served, that {@code ingest_seq} included.
     * (PostgreSQL writes the batch in key order with one binary {@code COPY} built in 64 KB chunks,
     * which these values cross; {@code EventCopyTest} checks the bytes at each boundary.)
     */
    @Test
    void storesALargeBatchOfEventsOfEveryShapeFieldForField() {
        Random random = new Random(20261129);
        String alphabet = "aZ09 \"\\\n\u00fc\u65e5\ud83d\ude42";
        List<AuditEvent> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int length = i == 200 ? 100_000 : random.nextInt(3_000);
            StringBuilder text = new StringBuilder(length);
            while (text.length() < length) {
                int at = random.nextInt(alphabet.length() - 1);
                text.append(alphabet.charAt(at));
                if (Character.isHighSurrogate(alphabet.charAt(at))) {
                    text.append(alphabet.charAt(at + 1));
                }
            }
            Instant at = NOW.minus(random.nextInt(40), ChronoUnit.DAYS).plusNanos(random.nextInt(1_000_000) * 1_000L);
            AuditEvent.Builder event = i % 2 == 0 ? full(correlationId, at).toBuilder() : minimal(correlationId, at);
            batch.add(event.eventData(EventData.of(Map.of("i", i, "text", text.toString())))
                    .build());
        }

        try (EventRepository store = openIsolatedRepository(Clock.fixed(NOW, ZoneOffset.UTC))) {
            InsertResult result = store.insertBatch(batch, "svc-large");

            assertThat(result.created())
                    .containsExactlyInAnyOrderElementsOf(
                            batch.stream().map(AuditEvent::eventId).toList());
            Set<Long> seqs = new HashSet<>();
            for (AuditEvent sent : batch) {
                AuditEvent stored = store.findById(sent.eventId()).orElseThrow();
                assertThat(stored).isEqualTo(sent.withIngestion(NOW, stored.ingestSeq(), "svc-large"));
                assertThat(seqs.add(stored.ingestSeq()))
                        .as("ingest_seq of %s", sent.eventId())
                        .isTrue();
            }
            List<LogLeaf> leaves = store.readLeaves(0, 1_000);
            assertThat(leaves)
                    .extracting(LogLeaf::eventId)
                    .containsExactlyElementsOf(
                            batch.stream().map(AuditEvent::eventId).toList());
            for (LogLeaf leaf : leaves) {
                assertThat(leaf.leaf())
                        .as("leaf of %s", leaf.eventId())
                        .isEqualTo(LeafEncoding.encode(
                                store.findById(leaf.eventId()).orElseThrow()));
            }
        }
    }

    @Test
    void storesAbsentOptionalFieldsAsAbsent() {
        AuditEvent sent = event(correlationId, NOW);

        repository.insertBatch(List.of(sent), null);

        AuditEvent stored = repository.findById(sent.eventId()).orElseThrow();
        assertThat(stored).isEqualTo(sent.withIngestion(NOW, stored.ingestSeq(), null));
        assertThat(stored.ingestedBy()).isNull();
        assertThat(stored.durationMs()).isNull();
        assertThat(stored.parentEventId()).isNull();
    }

    @Test
    void queryReturnsTheSameFieldsAsFindById() {
        AuditEvent sent = full(correlationId, NOW);
        repository.insertBatch(List.of(sent), "svc-a");

        EventPage page = repository.query(query().correlationId(correlationId).build());

        assertThat(page.events())
                .containsExactly(repository.findById(sent.eventId()).orElseThrow());
    }

    @Test
    void findByIdReturnsEmptyForAnUnknownId() {
        assertThat(repository.findById(UUID.randomUUID())).isEmpty();
    }

    @Test
    void reportsResentIdsAsDuplicatesWithoutStoringThemAgain() {
        AuditEvent a = event(correlationId, NOW);
        AuditEvent b = event(correlationId, NOW.plusSeconds(1));
        AuditEvent c = event(correlationId, NOW.plusSeconds(2));
        repository.insertBatch(List.of(a, b), "first");

        InsertResult resent = repository.insertBatch(List.of(a, b, c), "second");

        assertThat(resent.created()).containsExactly(c.eventId());
        assertThat(repository
                        .query(query().correlationId(correlationId).build())
                        .events())
                .extracting(AuditEvent::eventId)
                .containsExactly(a.eventId(), b.eventId(), c.eventId());
        assertThat(repository.findById(a.eventId()).orElseThrow().ingestedBy()).isEqualTo("first");
    }

    @Test
    void storesAnIdRepeatedWithinOneBatchOnce() {
        AuditEvent a = event(correlationId, NOW);

        InsertResult result = repository.insertBatch(List.of(a, a), null);

        assertThat(result.created()).containsExactly(a.eventId());
        assertThat(repository
                        .query(query().correlationId(correlationId).build())
                        .events())
                .hasSize(1);
    }

    @Test
    void storesNothingOfABatchWhenOneEventFails() {
        AuditEvent good = event(correlationId, NOW);
        AuditEvent other = event(correlationId, NOW.plusSeconds(1));
        // Bypasses the builder's validation: a missing required column fails inside the database.
        AuditEvent broken = withoutCorrelationId(event(correlationId, NOW.plusSeconds(2)));

        // a NOT NULL violation is the batch's fault (class 23, SQLITE_CONSTRAINT), not an outage
        assertThatThrownBy(() -> repository.insertBatch(List.of(good, broken, other), null))
                .isInstanceOf(StorageRejectedException.class);

        assertThat(repository.findById(good.eventId())).isEmpty();
        assertThat(repository.findById(other.eventId())).isEmpty();
        assertThat(repository.insertBatch(List.of(good), null).created()).containsExactly(good.eventId());
    }

    @Test
    void storesAnEmptyBatchAsNothing() {
        assertThat(repository.insertBatch(List.of(), null).created()).isEmpty();
    }

    @Test
    void assignsIncreasingIngestSeqAcrossBatches() {
        List<AuditEvent> first = List.of(event(correlationId, NOW), event(correlationId, NOW.plusSeconds(5)));
        List<AuditEvent> second = List.of(event(correlationId, NOW.minusSeconds(5)), event(correlationId, NOW));
        repository.insertBatch(first, null);
        repository.insertBatch(second, null);

        long maxOfFirst = first.stream().mapToLong(this::seqOf).max().orElseThrow();
        long minOfSecond = second.stream().mapToLong(this::seqOf).min().orElseThrow();

        assertThat(minOfSecond).isGreaterThan(maxOfFirst);
        assertThat(Stream.concat(first.stream(), second.stream()).map(this::seqOf))
                .doesNotHaveDuplicates();
    }

    @Test
    void storesIngestedByAndTheCommitTimeOfTheServerClock() {
        AuditEvent a = event(correlationId, NOW.minusSeconds(30));

        repository.insertBatch(List.of(a), "billing-service");

        AuditEvent stored = repository.findById(a.eventId()).orElseThrow();
        assertThat(stored.ingestedBy()).isEqualTo("billing-service");
        assertThat(stored.ingestedAt()).isEqualTo(NOW);
    }

    static Stream<Arguments> filters() {
        return Stream.of(
                filter("event_type", q -> q.eventType("svc.b.done"), e -> e.eventType()
                        .equals("svc.b.done")),
                filter("event_category", q -> q.eventCategory("billing"), e -> e.eventCategory()
                        .equals("billing")),
                filter(
                        "event_outcome",
                        q -> q.eventOutcome(EventOutcome.PENDING),
                        e -> e.eventOutcome() == EventOutcome.PENDING),
                filter("actor_id", q -> q.actorId("alice"), e -> e.actorId().equals("alice")),
                filter("resource_type", q -> q.resourceType("node"), e -> e.resourceType()
                        .equals("node")),
                filter(
                        "resource_type+resource_id",
                        q -> q.resourceType("node").resourceId("n-1"),
                        e -> e.resourceType().equals("node") && e.resourceId().equals("n-1")),
                filter("resource_id", q -> q.resourceId("n-1"), e -> e.resourceId()
                        .equals("n-1")),
                filter("since (inclusive)", q -> q.since(NOW.plusSeconds(3)), e -> !e.eventTimestamp()
                        .isBefore(NOW.plusSeconds(3))),
                filter("until (exclusive)", q -> q.until(NOW.plusSeconds(3)), e -> e.eventTimestamp()
                        .isBefore(NOW.plusSeconds(3))),
                filter(
                        "since+until+actor",
                        q -> q.since(NOW.plusSeconds(1))
                                .until(NOW.plusSeconds(6))
                                .actorId("bob"),
                        e -> e.actorId().equals("bob")
                                && !e.eventTimestamp().isBefore(NOW.plusSeconds(1))
                                && e.eventTimestamp().isBefore(NOW.plusSeconds(6))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void returnsExactlyTheEventsMatchingAFilter(
            String name, UnaryOperator<QueryBuilder> filter, Predicate<AuditEvent> matches) {
        List<AuditEvent> events = new ArrayList<>();
        String[] types = {"svc.a.done", "svc.b.done"};
        String[] categories = {"billing", "orchestration", "security"};
        String[] actors = {"alice", "bob"};
        String[] resourceTypes = {"node", "pod"};
        String[] resourceIds = {"n-1", "n-2", "n-3"};
        EventOutcome[] outcomes = EventOutcome.values();
        for (int i = 0; i < 12; i++) {
            events.add(minimal(correlationId, NOW.plusSeconds(i))
                    .eventType(types[i % 2])
                    .eventCategory(categories[i % 3])
                    .eventOutcome(outcomes[i % 3])
                    .actor("user", actors[(i / 2) % 2])
                    .resource(resourceTypes[(i / 3) % 2], resourceIds[(i / 4) % 3])
                    .build());
        }
        AuditEvent elsewhere = minimal("other-" + correlationId, NOW.plusSeconds(2))
                .eventType("svc.b.done")
                .build();
        repository.insertBatch(events, null);
        repository.insertBatch(List.of(elsewhere), null);

        List<AuditEvent> found = repository
                .query(filter.apply(query().correlationId(correlationId)).build())
                .events();

        List<UUID> expected = events.stream()
                .filter(matches)
                .sorted(KEYSET_ORDER)
                .map(AuditEvent::eventId)
                .toList();
        assertThat(expected).isNotEmpty().hasSizeLessThan(events.size());
        assertThat(found).extracting(AuditEvent::eventId).containsExactlyElementsOf(expected);
    }

    @Test
    void filtersByCorrelationId() {
        AuditEvent mine = event(correlationId, NOW);
        AuditEvent other = event("other-" + correlationId, NOW);
        repository.insertBatch(List.of(mine, other), null);

        assertThat(repository
                        .query(query().correlationId(correlationId).build())
                        .events())
                .extracting(AuditEvent::eventId)
                .containsExactly(mine.eventId());
    }

    @ParameterizedTest(name = "descending={0}")
    @ValueSource(booleans = {false, true})
    void pagesThroughEveryEventOnceInKeysetOrder(boolean descending) {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            // Groups of three share a timestamp, so the event_id tie-break is exercised.
            events.add(event(correlationId, NOW.plus(i / 3, ChronoUnit.MICROS)));
        }
        repository.insertBatch(events, null);

        List<EventPage> pages =
                readAllPages(query().correlationId(correlationId).descending(descending), 10);

        Comparator<AuditEvent> order = descending ? KEYSET_ORDER.reversed() : KEYSET_ORDER;
        assertThat(pages).extracting(p -> p.events().size()).containsExactly(10, 10, 5);
        assertThat(pages.get(2).next()).isNull();
        assertThat(pages.stream().flatMap(p -> p.events().stream()))
                .extracting(AuditEvent::eventId)
                .containsExactlyElementsOf(
                        events.stream().sorted(order).map(AuditEvent::eventId).toList());
    }

    @Test
    void givesNoCursorWhenThePageHoldsTheLastEvent() {
        repository.insertBatch(List.of(event(correlationId, NOW), event(correlationId, NOW.plusSeconds(1))), null);

        EventPage page =
                repository.query(query().correlationId(correlationId).limit(2).build());

        assertThat(page.events()).hasSize(2);
        assertThat(page.next()).isNull();
    }

    @ParameterizedTest(name = "descending={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void pagesStablyWhileAnotherThreadInserts(boolean descending) throws Exception {
        Instant start = NOW.minusSeconds(60);
        Random random = new Random(42);
        List<AuditEvent> before = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            before.add(event(correlationId, start.plus(random.nextInt(60_000_000), ChronoUnit.MICROS)));
        }
        repository.insertBatch(before, null);

        SynchronousQueue<Boolean> insertNow = new SynchronousQueue<>();
        SynchronousQueue<Boolean> inserted = new SynchronousQueue<>();
        ExecutorService inserter = Executors.newSingleThreadExecutor();
        List<UUID> seen = new ArrayList<>();
        try {
            Future<?> writes = inserter.submit(() -> {
                while (insertNow.take()) {
                    List<AuditEvent> more = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        more.add(event(correlationId, start.plus(random.nextInt(60_000_000), ChronoUnit.MICROS)));
                    }
                    repository.insertBatch(more, null);
                    inserted.put(true);
                }
                return null;
            });
            QueryBuilder q =
                    query().correlationId(correlationId).descending(descending).limit(7);
            List<AuditEvent> scanned = new ArrayList<>();
            EventPage page = repository.query(q.build());
            scanned.addAll(page.events());
            while (page.next() != null) {
                insertNow.put(true);
                inserted.take();
                page = repository.query(q.after(page.next()).build());
                scanned.addAll(page.events());
            }
            insertNow.put(false);
            writes.get(10, TimeUnit.SECONDS);
            scanned.forEach(e -> seen.add(e.eventId()));

            Comparator<AuditEvent> order = descending ? KEYSET_ORDER.reversed() : KEYSET_ORDER;
            assertThat(scanned).isSortedAccordingTo(order);
            assertThat(seen).doesNotHaveDuplicates();
            assertThat(seen)
                    .containsAll(before.stream().map(AuditEvent::eventId).toList());
        } finally {
            inserter.shutdownNow();
        }
    }

    @Test
    void isReadyWhileOpenAndNotAfterClose() {
        assertThat(repository.isReady()).isTrue();

        repository.close();

        assertThat(repository.isReady()).isFalse();
        repository.close();
    }

    @Test
    void refusesWorkAfterClose() {
        repository.close();

        assertThatThrownBy(() -> repository.insertBatch(List.of(event(correlationId, NOW)), null))
                .isInstanceOf(StorageUnavailableException.class);
    }

    @Test
    void retentionRemovesTheWholeMonthsThatEndedByTheCutoff() {
        try (EventRepository store = openIsolatedRepository(Clock.fixed(NOW, ZoneOffset.UTC))) {
            AuditEvent march = event(correlationId, Instant.parse("2026-03-20T12:00:00Z"));
            AuditEvent lastOfApril = event(correlationId, Instant.parse("2026-04-30T23:59:59.999999Z"));
            AuditEvent firstOfMay = event(correlationId, Instant.parse("2026-05-01T00:00:00Z"));
            store.insertBatch(List.of(march, lastOfApril, firstOfMay), null);

            List<YearMonth> removed = store.dropMonthsBefore(LocalDate.parse("2026-05-10"));

            assertThat(removed).containsExactly(YearMonth.of(2026, 3), YearMonth.of(2026, 4));
            assertThat(store.findById(march.eventId())).isEmpty();
            assertThat(store.findById(lastOfApril.eventId())).isEmpty();
            assertThat(store.findById(firstOfMay.eventId())).isPresent();
        }
    }

    @Test
    void publishesPoolUsageToAMeterRegistry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        ((MeterBinder) repository).bindTo(registry);
        repository.findById(UUID.randomUUID());

        assertThat(registry.find("hikaricp.connections.max").gauge()).isNotNull();
        assertThat(registry.find("hikaricp.connections.acquire").timer().count())
                .isPositive();
    }

    private List<EventPage> readAllPages(QueryBuilder q, int limit) {
        List<EventPage> pages = new ArrayList<>();
        Set<PageCursor> cursors = new HashSet<>();
        EventPage page = repository.query(q.limit(limit).build());
        pages.add(page);
        while (page.next() != null) {
            assertThat(cursors.add(page.next())).as("cursor repeats").isTrue();
            page = repository.query(
                    q.after(PageCursor.decode(page.next().encode())).build());
            pages.add(page);
        }
        return pages;
    }

    private long seqOf(AuditEvent e) {
        return repository.findById(e.eventId()).orElseThrow().ingestSeq();
    }

    private static Arguments filter(String name, UnaryOperator<QueryBuilder> filter, Predicate<AuditEvent> matches) {
        return Arguments.of(name, filter, matches);
    }

    static QueryBuilder query() {
        return new QueryBuilder();
    }

    static AuditEvent withoutCorrelationId(AuditEvent e) {
        return new AuditEvent(
                e.eventId(),
                e.version(),
                e.eventType(),
                e.eventCategory(),
                e.eventAction(),
                e.eventOutcome(),
                e.eventTimestamp(),
                null,
                e.actorType(),
                e.actorId(),
                e.resourceType(),
                e.resourceId(),
                e.eventData(),
                e.actorIp(),
                e.resourceName(),
                e.parentEventId(),
                e.namespace(),
                e.clusterId(),
                e.severity(),
                e.durationMs(),
                e.errorCode(),
                e.errorMessage(),
                e.traceId(),
                e.spanId(),
                null,
                null,
                null);
    }

    /** Mutable {@link EventQuery} under construction, for readable tests. */
    static final class QueryBuilder {
        private String correlationId;
        private String eventType;
        private String eventCategory;
        private EventOutcome eventOutcome;
        private String actorId;
        private String resourceType;
        private String resourceId;
        private Instant since;
        private Instant until;
        private boolean descending;
        private int limit = EventQuery.DEFAULT_LIMIT;
        private PageCursor after;

        QueryBuilder correlationId(String v) {
            correlationId = v;
            return this;
        }

        QueryBuilder eventType(String v) {
            eventType = v;
            return this;
        }

        QueryBuilder eventCategory(String v) {
            eventCategory = v;
            return this;
        }

        QueryBuilder eventOutcome(EventOutcome v) {
            eventOutcome = v;
            return this;
        }

        QueryBuilder actorId(String v) {
            actorId = v;
            return this;
        }

        QueryBuilder resourceType(String v) {
            resourceType = v;
            return this;
        }

        QueryBuilder resourceId(String v) {
            resourceId = v;
            return this;
        }

        QueryBuilder since(Instant v) {
            since = v;
            return this;
        }

        QueryBuilder until(Instant v) {
            until = v;
            return this;
        }

        QueryBuilder descending(boolean v) {
            descending = v;
            return this;
        }

        QueryBuilder limit(int v) {
            limit = v;
            return this;
        }

        QueryBuilder after(PageCursor v) {
            after = v;
            return this;
        }

        EventQuery build() {
            return new EventQuery(
                    correlationId,
                    eventType,
                    eventCategory,
                    eventOutcome,
                    actorId,
                    resourceType,
                    resourceId,
                    since,
                    until,
                    descending,
                    limit,
                    after);
        }
    }
}

package dev.auditline.datastorage.store;

import static dev.auditline.datastorage.store.TestEvents.event;
import static dev.auditline.datastorage.store.TestEvents.full;
import static dev.auditline.datastorage.store.TestEvents.minimal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.log.LeafEncoding;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The verifiable log and whole-store unique event ids, for every {@link EventRepository}: each
 * test runs on a store of its own, so log sizes and indexes are exact.
 */
abstract class AuditLogContract {

    static final Instant LOG_NOW = Instant.parse("2026-03-15T10:15:30.123456Z");

    /** A migrated store whose clock is {@code clock}. */
    protected abstract EventRepository openEmptyRepository(Clock clock);

    /** A migrated store that no other test sees. */
    protected EventRepository openIsolatedRepository(Clock clock) {
        return openEmptyRepository(clock);
    }

    /**
     * A store migrated to schema version 1 only, holding {@code legacy} as that version stored
     * them, then opened as usual (which runs the later migrations).
     */
    protected abstract EventRepository openUpgradedRepository(List<AuditEvent> legacy, Clock clock) throws Exception;

    /**
     * A migrated store that no other test sees, holding {@code logged} as an older DataStorage
     * stored them: with leaves of encoding version 1 in its log ({@link
     * LegacyRows#rewriteLeavesAsVersion1}).
     */
    protected abstract EventRepository openRepositoryWithVersion1Leaves(List<AuditEvent> logged, Clock clock)
            throws Exception;

    @Test
    void aLogOfVersion1LeavesKeepsThemJudgesResendsByThemAndGrowsWithVersion2Leaves() throws Exception {
        AuditEvent a = event("v1", LOG_NOW);
        AuditEvent b = event("v1", LOG_NOW.minusSeconds(5));
        Clock clock = Clock.fixed(LOG_NOW, ZoneOffset.UTC);
        try (EventRepository store = openRepositoryWithVersion1Leaves(List.of(a, b), clock)) {
            assertThat(store.readLeaves(0, 10))
                    .extracting(l -> l.leaf().length)
                    .containsExactly(LeafEncoding.V1_LEAF_BYTES, LeafEncoding.V1_LEAF_BYTES);
            assertThat(LegacyRows.leavesMatchTheServedEvents(store)).isTrue();

            AuditEvent otherB = minimal("v1", LOG_NOW.minus(Duration.ofDays(2)))
                    .eventId(b.eventId())
                    .actor("user", "mallory")
                    .build();
            AuditEvent c = event("v1", LOG_NOW.minusSeconds(1));
            InsertResult result = store.insertBatch(List.of(a, otherB, c), "writer-b");

            assertThat(result.created()).containsExactly(c.eventId());
            assertThat(result.conflicts()).containsExactly(1);
            List<LogLeaf> leaves = store.readLeaves(0, 10);
            assertThat(leaves).extracting(LogLeaf::logIndex).containsExactly(0L, 1L, 2L);
            assertThat(leaves.get(2).eventId()).isEqualTo(c.eventId());
            assertThat(leaves)
                    .extracting(l -> l.leaf().length)
                    .containsExactly(LeafEncoding.V1_LEAF_BYTES, LeafEncoding.V1_LEAF_BYTES, LeafEncoding.LEAF_BYTES);
            for (LogLeaf leaf : leaves) {
                assertThat(leaf.leafHash()).isEqualTo(LeafEncoding.leafHash(leaf.leaf()));
            }
            assertThat(LegacyRows.leavesMatchTheServedEvents(store)).isTrue();
            assertThat(store.findById(b.eventId()).orElseThrow().actorId()).isEqualTo(b.actorId());
        }
    }

    private EventRepository isolated() {
        return openIsolatedRepository(Clock.fixed(LOG_NOW, ZoneOffset.UTC));
    }

    @Test
    void aStoredIdSentAgainWithOtherContentIsAConflictAndTheFirstEventKeepsIt() {
        try (EventRepository store = isolated()) {
            AuditEvent first = event("c", LOG_NOW);
            store.insertBatch(List.of(first), "writer-a");
            // Two days earlier: another partition, so only the log can tell it is the same id.
            AuditEvent rewrite = minimal("c", LOG_NOW.minus(Duration.ofDays(2)))
                    .eventId(first.eventId())
                    .actor("user", "mallory")
                    .build();

            InsertResult result = store.insertBatch(List.of(rewrite), "writer-b");

            assertThat(result.created()).isEmpty();
            assertThat(result.conflicts()).containsExactly(0);
            AuditEvent stored = store.findById(first.eventId()).orElseThrow();
            assertThat(stored.actorId()).isEqualTo("remediation-orchestrator");
            assertThat(stored.ingestedBy()).isEqualTo("writer-a");
            assertThat(store.logSize()).isEqualTo(1);
            assertThat(store.query(EventRepositoryContract.query()
                                    .correlationId("c")
                                    .build())
                            .events())
                    .extracting(AuditEvent::eventId)
                    .containsExactly(first.eventId());
        }
    }

    @Test
    void aStoredIdSentAgainWithTheSameContentIsADuplicateWhoeverSendsIt() {
        try (EventRepository store = isolated()) {
            AuditEvent first = full("c", LOG_NOW);
            store.insertBatch(List.of(first), "writer-a");
            // The same content, decoded again: event_data reformatted as a client might send it.
            AuditEvent resent = first.toBuilder()
                    .eventData(EventData.parse(first.eventData().toString().replace(",", " , ")))
                    .build();

            InsertResult result = store.insertBatch(List.of(resent), "writer-b");

            assertThat(result.created()).isEmpty();
            assertThat(result.conflicts()).isEmpty();
            assertThat(store.logSize()).isEqualTo(1);
        }
    }

    @Test
    void aLaterCopyOfAnIdInOneBatchWithOtherContentIsAConflict() {
        try (EventRepository store = isolated()) {
            AuditEvent first = event("c", LOG_NOW);
            AuditEvent other = minimal("c", LOG_NOW.minus(Duration.ofDays(40)))
                    .eventId(first.eventId())
                    .build();
            AuditEvent fresh = event("c", LOG_NOW);

            InsertResult result = store.insertBatch(List.of(first, other, first, fresh), null);

            assertThat(result.created()).containsExactlyInAnyOrder(first.eventId(), fresh.eventId());
            assertThat(result.conflicts()).containsExactly(1);
            assertThat(store.findById(first.eventId()).orElseThrow().eventTimestamp())
                    .isEqualTo(LOG_NOW);
            assertThat(store.logSize()).isEqualTo(2);
        }
    }

    @Test
    void eachCopyOfAStoredIdInOneBatchIsComparedWithTheStoredEvent() {
        try (EventRepository store = isolated()) {
            AuditEvent first = event("c", LOG_NOW);
            store.insertBatch(List.of(first), null);
            AuditEvent other = minimal("c", LOG_NOW)
                    .eventId(first.eventId())
                    .actorId("mallory")
                    .build();

            InsertResult result = store.insertBatch(List.of(other, first, other), null);

            assertThat(result.created()).isEmpty();
            assertThat(result.conflicts()).containsExactlyInAnyOrder(0, 2);
            assertThat(store.logSize()).isEqualTo(1);
        }
    }

    @Test
    void anUpgradedStoreLogsTheEventsItHeldBeforeTheLogInIngestOrder() throws Exception {
        AuditEvent a = full("legacy", LOG_NOW);
        AuditEvent b = event("legacy", LOG_NOW.minus(Duration.ofDays(3)));
        // before ids were unique across the store: the same id again, another day, other content
        AuditEvent againA = minimal("legacy", LOG_NOW.minus(Duration.ofDays(40)))
                .eventId(a.eventId())
                .build();
        try (EventRepository store =
                openUpgradedRepository(List.of(a, b, againA), Clock.fixed(LOG_NOW, ZoneOffset.UTC))) {
            assertThat(store.logSize()).isEqualTo(2);
            assertThat(store.readLeaves(0, 10)).extracting(LogLeaf::eventId).containsExactly(a.eventId(), b.eventId());
            assertThat(LegacyRows.leavesMatchTheServedEvents(store)).isTrue();
            assertThat(store.findById(a.eventId()).orElseThrow().eventTimestamp())
                    .isEqualTo(a.eventTimestamp());

            AuditEvent fresh = event("legacy", LOG_NOW);
            InsertResult result = store.insertBatch(List.of(a, againA, fresh), null);

            assertThat(result.created()).containsExactly(fresh.eventId());
            assertThat(result.conflicts()).containsExactly(1);
            assertThat(store.logIndexOf(fresh.eventId())).hasValue(2);
        }
    }

    @Test
    void everyStoredEventGetsTheNextLogIndexInCommitOrder() {
        try (EventRepository store = isolated()) {
            List<AuditEvent> first = List.of(event("c", LOG_NOW), event("c", LOG_NOW.minusSeconds(9)));
            List<AuditEvent> second =
                    List.of(event("c", LOG_NOW.minus(Duration.ofDays(50))), first.get(0), event("c", LOG_NOW));
            store.insertBatch(first, null);
            store.insertBatch(second, null);

            assertThat(store.logSize()).isEqualTo(4);
            assertThat(store.readLeaves(0, 100))
                    .extracting(LogLeaf::logIndex, LogLeaf::eventId)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(0L, first.get(0).eventId()),
                            org.assertj.core.groups.Tuple.tuple(1L, first.get(1).eventId()),
                            org.assertj.core.groups.Tuple.tuple(
                                    2L, second.get(0).eventId()),
                            org.assertj.core.groups.Tuple.tuple(
                                    3L, second.get(2).eventId()));
            assertThat(store.logIndexOf(second.get(2).eventId())).hasValue(3);
            assertThat(store.logIndexOf(UUID.randomUUID())).isEmpty();
            assertThat(store.readLeaves(3, 100)).extracting(LogLeaf::logIndex).containsExactly(3L);
            assertThat(store.readLeaves(1, 2)).extracting(LogLeaf::logIndex).containsExactly(1L, 2L);
        }
    }

    @Test
    void eachLeafIsTheEncodingOfTheEventAsItIsServed() {
        try (EventRepository store = isolated()) {
            List<AuditEvent> batch = List.of(
                    full("c", LOG_NOW),
                    event("c", LOG_NOW.minus(Duration.ofDays(3))),
                    minimal("c", LOG_NOW)
                            .eventData(
                                    EventData.parse(
                                            "{\"n\":[1.0,1e2,-0.0,12345678901234567890,0.1],\"z\":{\"b\":1,\"a\":\"e\u0301\"}}"))
                            .build());
            store.insertBatch(batch, "billing");

            for (LogLeaf leaf : store.readLeaves(0, 100)) {
                AuditEvent served = store.findById(leaf.eventId()).orElseThrow();
                assertThat(LeafEncoding.differingFields(leaf.leaf(), LeafEncoding.encode(served)))
                        .as("fields of %s", leaf.eventId())
                        .isEmpty();
                // the whole leaf, in the current version: its client and ingestion hashes too
                assertThat(leaf.leaf()).as("leaf of %s", leaf.eventId()).isEqualTo(LeafEncoding.encode(served));
                assertThat(leaf.leafHash()).isEqualTo(LeafEncoding.leafHash(leaf.leaf()));
            }
            assertThat(store.readLog(-1, 100))
                    .extracting(LogEntry::event)
                    .containsExactlyElementsOf(batch.stream()
                            .map(e -> store.findById(e.eventId()).orElseThrow())
                            .toList());
        }
    }

    @Test
    void readLogPagesAfterAnIndex() {
        try (EventRepository store = isolated()) {
            List<AuditEvent> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                batch.add(event("c", LOG_NOW.minusSeconds(i)));
            }
            store.insertBatch(batch, null);

            assertThat(store.readLog(1, 2))
                    .extracting(LogEntry::logIndex, LogEntry::eventId)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(2L, batch.get(2).eventId()),
                            org.assertj.core.groups.Tuple.tuple(3L, batch.get(3).eventId()));
            assertThat(store.readLog(4, 10)).isEmpty();
            assertThatThrownBy(() -> store.readLog(-2, 10))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("afterExclusive must be ≥ -1 (got -2)");
            assertThatThrownBy(() -> store.readLeaves(0, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("max must be 1..10000 (got 0)");
        }
    }

    @Test
    void retentionKeepsTheLogAndAPrunedIdIsNeverStoredAgain() {
        try (EventRepository store = isolated()) {
            // months with a partition of their own on PostgreSQL: the current one and later
            AuditEvent old = event("c", Instant.parse("2026-03-10T12:00:00Z"));
            AuditEvent kept = event("c", Instant.parse("2026-04-02T12:00:00Z"));
            store.insertBatch(List.of(old, kept), null);

            store.dropMonthsBefore(LocalDate.parse("2026-04-01"));

            assertThat(store.findById(old.eventId())).isEmpty();
            assertThat(store.logSize()).isEqualTo(2);
            List<LogEntry> log = store.readLog(-1, 10);
            assertThat(log).extracting(LogEntry::pruned).containsExactly(true, false);
            assertThat(log.get(0).eventId()).isEqualTo(old.eventId());
            assertThat(log.get(0).eventDate()).isEqualTo(LocalDate.parse("2026-03-10"));
            assertThat(store.readLeaves(0, 10)).hasSize(2);

            InsertResult resent = store.insertBatch(List.of(old), null);

            assertThat(resent.created()).isEmpty();
            assertThat(resent.conflicts()).isEmpty();
            assertThat(store.findById(old.eventId())).isEmpty();
            assertThat(store.logSize()).isEqualTo(2);
        }
    }

    /**
     * Eight writers send overlapping batches over a shared set of ids, some copies identical and
     * some with other content, in a shuffled order: every id is stored once, by exactly one writer,
     * the log holds indexes 0..N-1 with each id once, and every other copy is a duplicate exactly
     * when its content equals the stored event's.
     */
    @Test
    @Timeout(120)
    void concurrentWritersOfOverlappingBatchesKeepIdsUniqueAndTheLogContiguous() throws Exception {
        int writers = 8;
        int ids = 400;
        int batches = 6;
        int batchSize = 60;
        List<UUID> idPool = new ArrayList<>();
        for (int i = 0; i < ids; i++) {
            idPool.add(UUID.randomUUID());
        }
        try (EventRepository store = isolated()) {
            Map<UUID, Set<String>> createdBy = new ConcurrentHashMap<>();
            Map<String, InsertResult> results = new ConcurrentHashMap<>();
            Map<String, List<AuditEvent>> sent = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    Random random = new Random(writer);
                    start.await();
                    for (int b = 0; b < batches; b++) {
                        List<AuditEvent> batch = new ArrayList<>();
                        Set<UUID> inBatch = new HashSet<>();
                        while (batch.size() < batchSize) {
                            UUID id = idPool.get(random.nextInt(ids));
                            if (inBatch.add(id)) {
                                batch.add(copy(id, random.nextInt(3)));
                            }
                        }
                        String key = writer + "/" + b;
                        InsertResult result = store.insertBatch(batch, "writer-" + writer);
                        results.put(key, result);
                        sent.put(key, batch);
                        result.created().forEach(id -> createdBy
                                .computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet())
                                .add(key));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(100, TimeUnit.SECONDS);
            }
            pool.shutdown();

            Set<UUID> storedIds = new HashSet<>(createdBy.keySet());
            assertThat(createdBy.values()).allSatisfy(keys -> assertThat(keys).hasSize(1));
            assertThat(store.logSize()).isEqualTo(storedIds.size());
            List<LogLeaf> leaves = store.readLeaves(0, 10_000);
            assertThat(leaves)
                    .extracting(LogLeaf::logIndex)
                    .containsExactlyElementsOf(
                            LongStream.range(0, storedIds.size()).boxed().toList());
            assertThat(leaves).extracting(LogLeaf::eventId).doesNotHaveDuplicates();
            assertThat(new HashSet<>(leaves.stream().map(LogLeaf::eventId).toList()))
                    .isEqualTo(storedIds);
            Map<UUID, byte[]> storedContent = new HashMap<>();
            for (LogLeaf leaf : leaves) {
                storedContent.put(leaf.eventId(), LeafEncoding.contentDigestOf(leaf.leaf()));
            }
            for (Map.Entry<String, List<AuditEvent>> batch : sent.entrySet()) {
                InsertResult result = results.get(batch.getKey());
                for (int position = 0; position < batch.getValue().size(); position++) {
                    AuditEvent e = batch.getValue().get(position);
                    if (result.created().contains(e.eventId())) {
                        continue;
                    }
                    boolean same =
                            java.util.Arrays.equals(storedContent.get(e.eventId()), LeafEncoding.contentDigest(e));
                    assertThat(result.conflicts().contains(position))
                            .as("conflict of %s in batch %s", e.eventId(), batch.getKey())
                            .isEqualTo(!same);
                }
            }
            assertThat(store.query(EventRepositoryContract.query()
                                    .correlationId("race")
                                    .limit(1000)
                                    .build())
                            .events())
                    .extracting(AuditEvent::eventId)
                    .doesNotHaveDuplicates()
                    .hasSize(storedIds.size());
        }
    }

    /** Variant 0 and 1 are identical; variant 2 has other content and lies in another month. */
    private static AuditEvent copy(UUID id, int variant) {
        Instant at = variant == 2 ? LOG_NOW.minus(Duration.ofDays(35)) : LOG_NOW;
        return minimal("race", at)
                .eventId(id)
                .actorId(variant == 2 ? "other-writer" : "remediation-orchestrator")
                .build();
    }
}

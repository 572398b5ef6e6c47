package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite writer's group commit: batches that wait for the writer are stored in one transaction,
 * each with the outcome it would have had stored alone in the same order, and a batch that fails
 * inside a group fails alone. To make a group form at a known point, another connection holds
 * SQLite's write lock while the first batch waits in {@code BEGIN IMMEDIATE}, and the test queues
 * the next batches behind it before letting go.
 */
class SqliteGroupCommitTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");
    private static final String REFUSED_ACTOR = RefusingTrigger.ACTOR;

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private SqliteEventRepository open(String name, Clock clock) {
        return SqliteEventRepository.open(StorageConfig.of("sqlite:" + dir.resolve(name)), clock);
    }

    private Connection plain(String name) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(name));
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
        }
        return c;
    }

    private static AuditEvent event(UUID id, String actor) {
        return TestEvents.minimal("group", NOW).eventId(id).actorId(actor).build();
    }

    /**
     * Holds the file's write lock on {@code other} until {@code first} is stuck behind it as the
     * writer, queues {@code then} one by one (so their order is known), and lets go.
     */
    private List<Future<InsertResult>> queueBehindALockedWriter(
            SqliteEventRepository store, Connection other, List<AuditEvent> first, List<List<AuditEvent>> then)
            throws Exception {
        SqliteBatchWriter writer = store.writer();
        List<Future<InsertResult>> results = new ArrayList<>();
        try (Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            results.add(pool.submit(() -> store.insertBatch(first, "first")));
            await().atMost(Duration.ofSeconds(10)).until(() -> writer.isWriting() && writer.waitingBatches() == 0);
            for (List<AuditEvent> batch : then) {
                int before = writer.waitingBatches();
                results.add(pool.submit(() -> store.insertBatch(batch, "next")));
                await().atMost(Duration.ofSeconds(10)).until(() -> writer.waitingBatches() == before + 1);
            }
            s.execute("ROLLBACK");
        }
        return results;
    }

    @Test
    @Timeout(60)
    void batchesWaitingForTheWriterAreStoredInOneCommitEachWithItsOwnOutcome() throws Exception {
        UUID a = UUID.randomUUID();
        UUID b1 = UUID.randomUUID();
        UUID b2 = UUID.randomUUID();
        UUID c1 = UUID.randomUUID();
        UUID d1 = UUID.randomUUID();
        try (SqliteEventRepository store = open("group.db", Clock.fixed(NOW, ZoneOffset.UTC));
                Connection other = plain("group.db")) {
            List<Future<InsertResult>> results = queueBehindALockedWriter(
                    store,
                    other,
                    List.of(event(a, "x")),
                    List.of(
                            // a duplicate of the batch before the group, two new ids
                            List.of(event(a, "x"), event(b1, "x"), event(b2, "x")),
                            // b1 stored earlier in the same group with other content: a conflict
                            List.of(event(b1, "other"), event(c1, "x"), event(c1, "x")),
                            // c1 stored earlier in the group with the same content: a duplicate
                            List.of(event(c1, "x"), event(d1, "x"))));

            assertThat(results.get(0).get(20, TimeUnit.SECONDS).created()).containsExactly(a);
            InsertResult second = results.get(1).get(20, TimeUnit.SECONDS);
            InsertResult third = results.get(2).get(20, TimeUnit.SECONDS);
            InsertResult fourth = results.get(3).get(20, TimeUnit.SECONDS);
            assertThat(second.created()).containsExactlyInAnyOrder(b1, b2);
            assertThat(second.conflicts()).isEmpty();
            assertThat(third.created()).containsExactly(c1);
            assertThat(third.conflicts()).containsExactly(0);
            assertThat(fourth.created()).containsExactly(d1);
            assertThat(fourth.conflicts()).isEmpty();
            assertThat(store.writer().commits())
                    .as("the first batch alone, then the three that waited together")
                    .isEqualTo(2);
            assertThat(store.readLeaves(0, 100)).extracting(LogLeaf::eventId).containsExactly(a, b1, b2, c1, d1);
            assertLeavesAreTheServedEvents(store);
        }
    }

    @Test
    @Timeout(60)
    void aBatchThatFailsInsideAGroupFailsAloneAndItsNeighboursAreStoredAsIfItHadNotBeenSent() throws Exception {
        UUID a = UUID.randomUUID();
        UUID b1 = UUID.randomUUID();
        UUID shared = UUID.randomUUID();
        UUID c2 = UUID.randomUUID();
        UUID d1 = UUID.randomUUID();
        try (SqliteEventRepository store = open("failing.db", Clock.fixed(NOW, ZoneOffset.UTC));
                Connection other = plain("failing.db")) {
            try (Statement s = other.createStatement()) {
                for (String sql : RefusingTrigger.sqlite()) {
                    s.execute(sql);
                }
            }
            List<Future<InsertResult>> results = queueBehindALockedWriter(
                    store,
                    other,
                    List.of(event(a, "x")),
                    List.of(
                            List.of(event(b1, "x")),
                            // refused by the database after its first event was inserted
                            List.of(event(shared, "x"), event(c2, REFUSED_ACTOR)),
                            // would be a duplicate had the refused batch been stored
                            List.of(event(shared, "x"), event(d1, "x"))));

            assertThat(results.get(0).get(20, TimeUnit.SECONDS).created()).containsExactly(a);
            assertThat(results.get(1).get(20, TimeUnit.SECONDS).created()).containsExactly(b1);
            assertThatThrownBy(() -> results.get(2).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(StorageRejectedException.class)
                    .hasMessageContaining("store a batch of 2 events");
            assertThat(results.get(3).get(20, TimeUnit.SECONDS).created()).containsExactlyInAnyOrder(shared, d1);
            assertThat(store.findById(c2)).isEmpty();
            assertThat(store.writer().commits())
                    .as("the first batch; then, after the group failed, each of the two others alone")
                    .isEqualTo(3);
            assertThat(store.readLeaves(0, 100)).extracting(LogLeaf::eventId).containsExactly(a, b1, shared, d1);
            assertLeavesAreTheServedEvents(store);
        }
    }

    /**
     * Sixteen threads send overlapping batches (new ids, duplicates, conflicts, and batches the
     * database refuses) as fast as the writer takes them. Then every batch is sent again, one at a
     * time in the order the first store committed them (its ingested_at, from a clock that ticks on
     * every read), into a fresh store: each batch's created ids and conflicts, the refusals and the
     * log's order of ids must be the same.
     */
    @Test
    @Timeout(120)
    void concurrentBatchesGetExactlyTheOutcomesOfTheSameBatchesStoredOneByOneInCommitOrder() throws Exception {
        int threads = 16;
        int batchesPerThread = 12;
        List<UUID> idPool = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            idPool.add(UUID.randomUUID());
        }
        try (SqliteEventRepository store = open("concurrent.db", new TickingClock());
                SqliteEventRepository replay = open("replay.db", new TickingClock())) {
            for (String file : List.of("concurrent.db", "replay.db")) {
                try (Connection c = plain(file);
                        Statement s = c.createStatement()) {
                    for (String sql : RefusingTrigger.sqlite()) {
                        s.execute(sql);
                    }
                }
            }
            Map<String, List<AuditEvent>> sent = new LinkedHashMap<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(t);
                for (int b = 0; b < batchesPerThread; b++) {
                    List<AuditEvent> batch = new ArrayList<>();
                    int size = 1 + random.nextInt(40);
                    for (int i = 0; i < size; i++) {
                        UUID id = idPool.get(random.nextInt(idPool.size()));
                        int variant = random.nextInt(60);
                        if (variant == 0) {
                            // a new id, so the row is inserted and refused wherever the batch lands
                            batch.add(event(UUID.randomUUID(), REFUSED_ACTOR));
                        } else {
                            // mostly one content per id, some other content (conflicts)
                            batch.add(event(id, variant < 10 ? "other" : "x"));
                        }
                    }
                    sent.put(t + "/" + b, batch);
                }
            }
            Map<String, InsertResult> stored = new ConcurrentHashMap<>();
            Set<String> refused = ConcurrentHashMap.newKeySet();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                senders.add(pool.submit(() -> {
                    start.await();
                    for (int b = 0; b < batchesPerThread; b++) {
                        String key = thread + "/" + b;
                        try {
                            stored.put(key, store.insertBatch(sent.get(key), "writer"));
                        } catch (StorageRejectedException e) {
                            refused.add(key);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : senders) {
                f.get(100, TimeUnit.SECONDS);
            }
            assertThat(store.writer().commits())
                    .as("some batches were stored together")
                    .isLessThan(stored.size());

            assertThat(stored.size() + refused.size()).isEqualTo(sent.size());
            assertThat(refused).as("the mix includes refused batches").isNotEmpty();

            List<String> commitOrder = stored.keySet().stream()
                    .sorted(Comparator.comparing(k -> stored.get(k).ingestedAt()))
                    .toList();
            for (String key : commitOrder) {
                InsertResult one = replay.insertBatch(sent.get(key), "writer");
                assertThat(stored.get(key).created()).as("created of %s", key).isEqualTo(one.created());
                assertThat(stored.get(key).conflicts())
                        .as("conflicts of %s", key)
                        .isEqualTo(one.conflicts());
            }
            for (String key : refused) {
                assertThatThrownBy(() -> replay.insertBatch(sent.get(key), "writer"))
                        .as("batch %s", key)
                        .isInstanceOf(StorageRejectedException.class);
            }

            long size = replay.logSize();
            assertThat(store.logSize()).isEqualTo(size);
            List<LogLeaf> leaves = store.readLeaves(0, 10_000);
            assertThat(leaves)
                    .extracting(LogLeaf::logIndex)
                    .containsExactlyElementsOf(LongStream.range(0, size).boxed().toList());
            assertThat(leaves)
                    .extracting(LogLeaf::eventId)
                    .containsExactlyElementsOf(replay.readLeaves(0, 10_000).stream()
                            .map(LogLeaf::eventId)
                            .toList());
            assertLeavesAreTheServedEvents(store);
        }
    }

    /** Each leaf is the encoding of its event as served, and its hash the leaf's hash. */
    private static void assertLeavesAreTheServedEvents(EventRepository store) {
        for (LogLeaf leaf : store.readLeaves(0, 10_000)) {
            AuditEvent served = store.findById(leaf.eventId()).orElseThrow();
            assertThat(LeafEncoding.differingFields(leaf.leaf(), LeafEncoding.encode(served)))
                    .as("fields of %s", leaf.eventId())
                    .isEmpty();
            // the whole leaf, in the current version: its client and ingestion hashes too
            assertThat(leaf.leaf()).as("leaf of %s", leaf.eventId()).isEqualTo(LeafEncoding.encode(served));
            assertThat(leaf.leafHash()).isEqualTo(LeafEncoding.leafHash(leaf.leaf()));
        }
    }

    /** A clock one microsecond later on every read, so ingested_at gives the order batches were stored in. */
    private static final class TickingClock extends Clock {
        private final AtomicLong micros = new AtomicLong(NOW.toEpochMilli() * 1000);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("a test clock in UTC");
        }

        @Override
        public Instant instant() {
            long m = micros.incrementAndGet();
            return Instant.ofEpochSecond(m / 1_000_000, (m % 1_000_000) * 1000);
        }
    }
}

package dev.auditline.e2e.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifiable log against a real DataStorage over loopback HTTP, for each store: tampering done
 * with the database owner's rights is detected and named by {@code auditctl verify}; honest use
 * (concurrent senders, old events, resends, retention, restarts) never raises an alarm.
 */
abstract class VerifiableLogContract {
    @TempDir
    Path dir;

    /** A fresh, empty store for one test. */
    abstract StorageSettings newStore() throws Exception;

    /** A connection with the rights of the database's owner. */
    abstract Connection owner() throws SQLException;

    /** Statements that let the owner UPDATE and DELETE {@code table} (dropping or disabling the guards). */
    abstract List<String> unguard(String table);

    abstract void setId(PreparedStatement ps, int index, UUID id) throws SQLException;

    /** A copy of a stored event under a new id, inserted straight into audit_events. */
    abstract void insertCopy(Connection c, UUID of, UUID as) throws SQLException;

    void exec(Connection c, List<String> statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    long logIndexOf(UUID id) throws SQLException {
        try (Connection c = owner();
                PreparedStatement ps = c.prepareStatement("SELECT log_index FROM audit_log WHERE event_id = ?")) {
            setId(ps, 1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("log entry of " + id).isTrue();
                return rs.getLong(1);
            }
        }
    }

    DataStorage start(StorageSettings store, int retentionDays, Clock clock) {
        return LogHarness.start(store, dir.resolve("keys/log-signing.key"), retentionDays, clock);
    }

    @Test
    @Timeout(180)
    void everyKindOfOwnerTamperingIsDetectedAndNamed() throws Exception {
        StorageSettings store = newStore();
        List<AuditEvent> sent = new ArrayList<>();
        try (DataStorage server = start(store, 0, Clock.systemUTC())) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            for (int b = 0; b < 4; b++) {
                List<AuditEvent> batch = LogHarness.events(now.minus(b, ChronoUnit.HOURS), "rr-tamper-" + b, 50);
                assertThat(LogHarness.post(server, batch)).isEqualTo(50);
                sent.addAll(batch);
            }
            LogHarness.awaitCheckpoint(server, 200);
            Path key = LogHarness.pinKey(server, dir);
            LogHarness.Verify clean = LogHarness.verify(server, dir.resolve("state.json"), key);
            assertThat(clean.exitCode()).as(clean.out()).isZero();
            assertThat(clean.count("verified")).isEqualTo(200);

            UUID edited = sent.get(10).eventId();
            UUID deleted = sent.get(20).eventId();
            UUID copied = sent.get(30).eventId();
            UUID inserted = UUID.randomUUID();
            long editedIndex = logIndexOf(edited);
            long deletedIndex = logIndexOf(deleted);
            long swapA = logIndexOf(sent.get(40).eventId());
            long swapB = logIndexOf(sent.get(41).eventId());
            try (Connection c = owner()) {
                exec(c, unguard("audit_events"));
                exec(c, unguard("audit_log"));
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE audit_events SET actor_id = 'mallory' WHERE event_id = ?")) {
                    setId(ps, 1, edited);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM audit_events WHERE event_id = ?")) {
                    setId(ps, 1, deleted);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                insertCopy(c, copied, inserted);
                // the pair swap their places in the log, each row still matching its own event
                exec(
                        c,
                        List.of(
                                "UPDATE audit_log SET log_index = 900000000 WHERE log_index = " + swapA,
                                "UPDATE audit_log SET log_index = " + swapA + " WHERE log_index = " + swapB,
                                "UPDATE audit_log SET log_index = " + swapB + " WHERE log_index = 900000000"));
            }

            LogHarness.Verify v = LogHarness.verify(server, dir.resolve("state.json"), key);

            assertThat(v.exitCode()).as(v.out()).isEqualTo(1);
            assertThat(List.of(
                            v.count("verified"),
                            v.count("tampered"),
                            v.count("missing"),
                            v.count("inserted"),
                            v.count("pruned"),
                            v.count("pending")))
                    .as(v.out())
                    .containsExactly(196L, 3L, 1L, 1L, 0L, 0L);
            assertThat(v.findings())
                    .as(v.out())
                    .contains(
                            "TAMPERED log_index=" + editedIndex + " event_id=" + edited
                                    + ": field actor_id differs from what was logged",
                            "MISSING log_index=" + deletedIndex + " event_id=" + deleted
                                    + ": the event is gone (no signed retention record covers "
                                    + sent.get(20).eventTimestamp().toString().substring(0, 10) + ")",
                            "INSERTED event_id=" + inserted + ": served by the API but not in the log")
                    .anySatisfy(line -> assertThat(line)
                            .startsWith("TAMPERED log_index=" + swapA + " event_id="
                                    + sent.get(41).eventId()))
                    .anySatisfy(line -> assertThat(line)
                            .startsWith("TAMPERED log_index=" + swapB + " event_id="
                                    + sent.get(40).eventId()))
                    .hasSize(5);
            assertThat(v.out()).contains("result: TAMPERED");
        }
    }

    @Test
    @Timeout(180)
    void aLogAnOlderDataStorageWroteWithVersion1LeavesVerifiesAfterTheUpgradeAndEditsInBothAreNamed() throws Exception {
        StorageSettings store = newStore();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<AuditEvent> older = LogHarness.events(now.minus(2, ChronoUnit.HOURS), "rr-v1", 30);
        // what an older DataStorage left: the events with version 1 leaves, no tree yet
        try (EventRepository repository = EventRepositories.open(store.toStorageConfig(), Clock.systemUTC());
                Connection c = owner()) {
            assertThat(repository.insertBatch(older, "older").created()).hasSize(30);
            exec(c, unguard("audit_log"));
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE audit_log SET leaf = ?, leaf_hash = ? WHERE event_id = ?")) {
                for (AuditEvent e : older) {
                    byte[] leaf =
                            LeafEncoding.encode(repository.findById(e.eventId()).orElseThrow(), LeafEncoding.V1);
                    ps.setBytes(1, leaf);
                    ps.setBytes(2, LeafEncoding.leafHash(leaf));
                    setId(ps, 3, e.eventId());
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
            }
        }
        try (DataStorage server = start(store, 0, Clock.systemUTC())) {
            List<AuditEvent> newer = LogHarness.events(now.minus(1, ChronoUnit.HOURS), "rr-v2", 30);
            assertThat(LogHarness.post(server, newer)).isEqualTo(30);
            LogHarness.awaitCheckpoint(server, 60);
            List<Integer> sizes = new ArrayList<>();
            LogHarness.getJson(server, "/api/v1/log/leaves?start=0&limit=100")
                    .path("leaves")
                    .forEach(l ->
                            sizes.add(Base64.getDecoder().decode(l.path("leaf").asText()).length));
            List<Integer> expectedSizes = new ArrayList<>(Collections.nCopies(30, LeafEncoding.V1_LEAF_BYTES));
            expectedSizes.addAll(Collections.nCopies(30, LeafEncoding.LEAF_BYTES));
            assertThat(sizes).isEqualTo(expectedSizes);
            Path key = LogHarness.pinKey(server, dir);
            LogHarness.Verify clean = LogHarness.verify(server, dir.resolve("state.json"), key);
            assertThat(clean.exitCode()).as(clean.out()).isZero();
            assertThat(clean.count("verified")).as(clean.out()).isEqualTo(60);

            UUID old = older.get(7).eventId();
            UUID recent = newer.get(7).eventId();
            try (Connection c = owner()) {
                exec(c, unguard("audit_events"));
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE audit_events SET actor_id = 'mallory' WHERE event_id = ?")) {
                    for (UUID id : List.of(old, recent)) {
                        setId(ps, 1, id);
                        assertThat(ps.executeUpdate()).isEqualTo(1);
                    }
                }
            }
            LogHarness.Verify v = LogHarness.verify(server, dir.resolve("state.json"), key);
            assertThat(v.exitCode()).as(v.out()).isEqualTo(1);
            assertThat(List.of(v.count("verified"), v.count("tampered")))
                    .as(v.out())
                    .containsExactly(58L, 2L);
            assertThat(v.findings())
                    .as(v.out())
                    .containsExactlyInAnyOrder(
                            "TAMPERED log_index=" + logIndexOf(old) + " event_id=" + old
                                    + ": field actor_id differs from what was logged",
                            "TAMPERED log_index=" + logIndexOf(recent) + " event_id=" + recent
                                    + ": field actor_id differs from what was logged");
        }
    }

    @Test
    @Timeout(300)
    void noFalseAlarmWithConcurrentSendersOldEventsResendsRetentionAndRestarts() throws Exception {
        StorageSettings store = newStore();
        Path state = dir.resolve("state.json");
        Clock monthAgo = Clock.offset(Clock.systemUTC(), Duration.ofDays(-40));
        List<List<AuditEvent>> oldBatches = new ArrayList<>();
        Path key;
        // 1: a server whose clock is 40 days back: its month is removed by retention later
        try (DataStorage server = start(store, 0, monthAgo)) {
            Instant then = monthAgo.instant().truncatedTo(ChronoUnit.MICROS);
            for (int s = 0; s < 8; s++) {
                oldBatches.add(LogHarness.events(then.minus(s, ChronoUnit.HOURS), "rr-old-" + s, 25));
            }
            assertThat(sendConcurrently(server, oldBatches)).isEqualTo(200);
            assertThat(sendConcurrently(server, oldBatches))
                    .as("resends are duplicates")
                    .isZero();
            LogHarness.awaitCheckpoint(server, 200);
            key = LogHarness.pinKey(server, dir);
            LogHarness.Verify first = LogHarness.verify(server, state, key);
            assertThat(first.exitCode()).as(first.out()).isZero();
            assertThat(first.count("verified")).isEqualTo(200);
        }
        // 2: today's clock, retention of one day: the old month goes, under a signed record;
        // stopped right after its last batch, before a checkpoint may cover it
        try (DataStorage server = start(store, 1, Clock.systemUTC())) {
            String oldMonth = java.time.YearMonth.from(monthAgo.instant().atZone(java.time.ZoneOffset.UTC))
                    .toString();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> LogHarness.get(
                            server, "/api/v1/log/retention")
                    .contains("\"month\":\"" + oldMonth + "\""));
            assertThat(sendConcurrently(server, batches("rr-new-", 8, 30, Duration.ofDays(3))))
                    .isEqualTo(240);
            assertThat(sendConcurrently(server, oldBatches.subList(0, 2)))
                    .as("resent after their month went")
                    .isZero();
        }
        // 3: restarted; more events, some dated days ago
        try (DataStorage server = start(store, 0, Clock.systemUTC())) {
            assertThat(sendConcurrently(server, batches("rr-late-", 8, 10, Duration.ofDays(5))))
                    .isEqualTo(80);
            LogHarness.awaitCheckpoint(server, 520);

            LogHarness.Verify v = LogHarness.verify(server, state, key);

            assertThat(v.exitCode()).as(v.out()).isZero();
            assertThat(v.findings()).as(v.out()).isEmpty();
            assertThat(List.of(
                            v.count("verified"),
                            v.count("pruned"),
                            v.count("tampered"),
                            v.count("missing"),
                            v.count("inserted"),
                            v.count("pending")))
                    .as(v.out())
                    .containsExactly(320L, 200L, 0L, 0L, 0L, 0L);
            assertThat(v.out()).contains("consistent with the last verified checkpoint at tree size 200");
        }
    }

    @Test
    @Timeout(120)
    void aStateFileFromAnotherLogCannotVerifyAndSaysHowToStartOver() throws Exception {
        Path state = dir.resolve("tofu-state.json");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (DataStorage first = LogHarness.start(newStore(), dir.resolve("a/log-signing.key"), 0, Clock.systemUTC())) {
            assertThat(LogHarness.post(first, LogHarness.events(now, "rr-first", 5)))
                    .isEqualTo(5);
            LogHarness.awaitCheckpoint(first, 5);
            LogHarness.Verify trusted = LogHarness.verifyTrustingFirstUse(first, state);
            assertThat(trusted.exitCode()).as(trusted.out() + trusted.err()).isZero();
            assertThat(trusted.out()).contains("trusted on first use");
        }
        try (DataStorage other = LogHarness.start(newStore(), dir.resolve("b/log-signing.key"), 0, Clock.systemUTC())) {
            assertThat(LogHarness.post(other, LogHarness.events(now, "rr-other", 5)))
                    .isEqualTo(5);
            LogHarness.awaitCheckpoint(other, 5);
            LogHarness.Verify stale = LogHarness.verifyTrustingFirstUse(other, state);
            assertThat(stale.exitCode()).as(stale.out() + stale.err()).isEqualTo(2);
            assertThat(stale.err())
                    .contains("with the key saved in " + state)
                    .contains("--state pointing at another file");
            // the other log's key pinned, the state file still the first log's: the same advice
            LogHarness.Verify pinned = LogHarness.verify(other, state, LogHarness.pinKey(other, dir));
            assertThat(pinned.exitCode()).as(pinned.out() + pinned.err()).isEqualTo(2);
            assertThat(pinned.err())
                    .contains("the state file's checkpoint does not verify")
                    .contains("--state pointing at another file");
            LogHarness.Verify fresh = LogHarness.verifyTrustingFirstUse(other, dir.resolve("other-state.json"));
            assertThat(fresh.exitCode()).as(fresh.out() + fresh.err()).isZero();
            assertThat(fresh.count("verified")).isEqualTo(5);
        }
    }

    private static List<List<AuditEvent>> batches(String prefix, int senders, int perBatch, Duration datedBack) {
        List<List<AuditEvent>> out = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (int s = 0; s < senders; s++) {
            Instant t = now.minus(datedBack.multipliedBy(s).dividedBy(senders));
            out.add(LogHarness.events(t, prefix + s, perBatch));
        }
        return out;
    }

    /** One sender thread per batch, all at once; returns the events created. */
    static int sendConcurrently(DataStorage server, List<List<AuditEvent>> batches) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(batches.size());
        try {
            List<Future<Integer>> created = new ArrayList<>();
            for (List<AuditEvent> batch : batches) {
                created.add(senders.submit(() -> LogHarness.post(server, batch)));
            }
            int total = 0;
            for (Future<Integer> f : created) {
                total += f.get();
            }
            return total;
        } finally {
            senders.shutdownNow();
        }
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SqliteEventRepositoryTest extends EventRepositoryContract {

    @TempDir
    Path dir;

    @Override
    protected EventRepository openEmptyRepository(Clock clock) {
        return EventRepositories.open(StorageConfig.of("sqlite:" + dir.resolve("audit.db")), clock);
    }

    @Override
    protected EventRepository openUpgradedRepository(List<AuditEvent> legacy, Clock clock) throws Exception {
        Path file = dir.resolve("upgraded.db");
        org.sqlite.SQLiteDataSource files = new org.sqlite.SQLiteDataSource();
        files.setUrl("jdbc:sqlite:" + file);
        LegacyRows.storeBeforeTheLog(files, "classpath:db/sqlite", legacy, SqliteEventRepository.DIALECT, false);
        return EventRepositories.open(StorageConfig.of("sqlite:" + file), clock);
    }

    @Override
    protected EventRepository openRepositoryWithVersion1Leaves(List<AuditEvent> logged, Clock clock) throws Exception {
        StorageConfig config = StorageConfig.of("sqlite:" + dir.resolve("version1.db"));
        Map<UUID, AuditEvent> served = new HashMap<>();
        try (EventRepository store = EventRepositories.open(config, clock)) {
            store.insertBatch(logged, "writer-a");
            logged.forEach(
                    e -> served.put(e.eventId(), store.findById(e.eventId()).orElseThrow()));
        }
        org.sqlite.SQLiteDataSource files = new org.sqlite.SQLiteDataSource();
        files.setUrl("jdbc:sqlite:" + dir.resolve("version1.db"));
        LegacyRows.rewriteLeavesAsVersion1(files, served::get, false);
        return EventRepositories.open(config, clock);
    }

    @Test
    void createsTheDirectoryOfTheDatabaseFileInWalMode() throws Exception {
        Path file = dir.resolve("nested/deeper/audit.db");

        try (EventRepository store =
                EventRepositories.open(StorageConfig.of("sqlite:" + file), Clock.fixed(NOW, ZoneOffset.UTC))) {
            store.insertBatch(List.of(TestEvents.event("c", NOW)), null);
            assertThat(Files.exists(file)).isTrue();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                    ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
        }
    }

    @Test
    void staysAppendOnlyAfterRetention() throws Exception {
        Path file = dir.resolve("retention.db");
        try (EventRepository store =
                EventRepositories.open(StorageConfig.of("sqlite:" + file), Clock.fixed(NOW, ZoneOffset.UTC))) {
            store.insertBatch(
                    List.of(TestEvents.event("c", NOW), TestEvents.event("c", NOW.minus(Duration.ofDays(40)))), null);
            assertThat(store.dropMonthsBefore(LocalDate.parse("2026-03-01"))).containsExactly(YearMonth.of(2026, 2));
        }

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM audit_events"))
                    .hasMessageContaining("append-only: DELETE is not allowed");
            assertThatThrownBy(() -> s.executeUpdate("UPDATE audit_events SET severity = 'x'"))
                    .hasMessageContaining("append-only: UPDATE is not allowed");
        }
    }

    @Test
    void keepsEventsAcrossReopening() {
        StorageConfig config = StorageConfig.of("sqlite:" + dir.resolve("reopen.db"));
        var event = TestEvents.event("c", NOW);
        try (EventRepository store = EventRepositories.open(config, Clock.fixed(NOW, ZoneOffset.UTC))) {
            store.insertBatch(List.of(event), "svc");
        }

        try (EventRepository store = EventRepositories.open(config, Clock.fixed(NOW, ZoneOffset.UTC))) {
            assertThat(store.findById(event.eventId())).isPresent();
            assertThat(store.insertBatch(List.of(event), "svc").created()).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void storesEveryBatchWhileAnotherConnectionKeepsCommittingWrites() throws Exception {
        // The verifiable log's tree writer commits on its own connection between (and during) ingest
        // batches; a batch that read the log before such a commit must be run again, not answered 503.
        Path file = dir.resolve("contended.db");
        int batches = 200;
        try (EventRepository store = EventRepositories.open(StorageConfig.of("sqlite:" + file), Clock.systemUTC());
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            other.createStatement().execute("PRAGMA busy_timeout = 5000");
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong otherCommits = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                try (Statement st = other.createStatement()) {
                    st.execute("CREATE TABLE IF NOT EXISTS contention (n INTEGER)");
                    for (long n = 0; !done.get(); n++) {
                        st.execute("INSERT INTO contention VALUES (" + n + ")");
                        otherCommits.incrementAndGet();
                        // like the tree writer: short transactions with gaps between them
                        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    }
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            while (otherCommits.get() < 10) {
                Thread.onSpinWait(); // the contending writer is running before the first batch
            }
            java.util.Set<java.util.UUID> stored = new java.util.HashSet<>();
            try {
                java.time.Instant now = java.time.Instant.now();
                for (int b = 0; b < batches; b++) {
                    List<AuditEvent> batch = List.of(TestEvents.event("c" + b, now), TestEvents.event("c" + b, now));
                    InsertResult result = store.insertBatch(batch, null);
                    assertThat(result.created()).hasSize(2);
                    stored.addAll(result.created());
                }
            } finally {
                done.set(true);
                writer.join();
            }
            assertThat(store.logSize()).isEqualTo(2L * batches);
            assertThat(stored).hasSize(2 * batches);
        }
    }
}

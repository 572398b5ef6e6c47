package dev.auditline.datastorage.store;

import static dev.auditline.datastorage.store.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The repository contract and the PostgreSQL-only behaviours, against a real server. */
class PostgresEventRepositoryIT extends EventRepositoryContract {

    private static TestPostgres.Database database;

    @BeforeAll
    static void createDatabase() {
        database = TestPostgres.shared().createDatabase();
    }

    @Override
    protected EventRepository openEmptyRepository(Clock clock) {
        return EventRepositories.open(database.storageConfig(), clock);
    }

    @Override
    protected EventRepository openIsolatedRepository(Clock clock) {
        return EventRepositories.open(TestPostgres.shared().createDatabase().storageConfig(), clock);
    }

    @Override
    protected EventRepository openUpgradedRepository(List<AuditEvent> legacy, Clock clock) throws Exception {
        TestPostgres.Database own = TestPostgres.shared().createDatabase();
        LegacyRows.storeBeforeTheLog(
                own.dataSource(), "classpath:db/postgresql", legacy, PostgresEventRepository.DIALECT, true);
        return EventRepositories.open(own.storageConfig(), clock);
    }

    @Override
    protected EventRepository openRepositoryWithVersion1Leaves(List<AuditEvent> logged, Clock clock) throws Exception {
        TestPostgres.Database own = TestPostgres.shared().createDatabase();
        Map<UUID, AuditEvent> served = new HashMap<>();
        try (EventRepository store = EventRepositories.open(own.storageConfig(), clock)) {
            store.insertBatch(logged, "writer-a");
            logged.forEach(
                    e -> served.put(e.eventId(), store.findById(e.eventId()).orElseThrow()));
        }
        LegacyRows.rewriteLeavesAsVersion1(own.dataSource(), served::get, true);
        return EventRepositories.open(own.storageConfig(), clock);
    }

    /**
     * {@code jsonb} prints {@code {"a": 1}} with its own key order and escapes; a query must answer
     * the compact text of that form, byte for byte, whether the data needs decoding (escapes, a surrogate pair, an exponent) or not.
     */
    @Test
    void readsEventDataBackAsTheCompactTextOfItsJsonbForm() {
        String correlation = "jsonb-" + UUID.randomUUID();
        AuditEvent plain = TestEvents.minimal(correlation, NOW)
                .eventData(EventData.parse("{\"nested\":{\"x\":true,\"y\":[]},\"actor\":\"a b ü€\",\"n\":-12.50,"
                        + "\"list\":[1,2,{\"k\":null}]}"))
                .build();
        AuditEvent escaped = TestEvents.minimal(correlation, NOW.plusMillis(1))
                .eventData(EventData.parse(
                        "{\"t\":\"tab\\tq\\\"\\u001f\",\"e\":\"\uD83D\uDE00\",\"x\":1e2,\"a\":[1.0E+1]}"))
                .build();
        repository.insertBatch(List.of(plain, escaped), null);

        List<AuditEvent> read =
                repository.query(query().correlationId(correlation).build()).events();

        assertThat(read)
                .extracting(e -> e.eventData().json())
                .containsExactly(
                        "{\"n\":-12.50,\"list\":[1,2,{\"k\":null}],\"actor\":\"a b ü€\",\"nested\":{\"x\":true,\"y\":[]}}",
                        "{\"a\":[10],\"e\":\"\uD83D\uDE00\",\"t\":\"tab\\tq\\\"\\u001F\",\"x\":100}");
        assertThat(read)
                .extracting(e -> e.eventData().jsonBytes())
                .containsExactly(
                        read.get(0).eventData().json().getBytes(StandardCharsets.UTF_8).length,
                        read.get(1).eventData().json().getBytes(StandardCharsets.UTF_8).length);
        assertThat(read).extracting(e -> e.eventData().depth()).containsExactly(3, 2);
        assertThat(read.get(0)).isEqualTo(repository.findById(plain.eventId()).orElseThrow());
        assertThat(read.get(0)).isEqualTo(plain.withIngestion(NOW, read.get(0).ingestSeq(), null));
        assertThat(read.get(1)).isEqualTo(escaped.withIngestion(NOW, read.get(1).ingestSeq(), null));
    }

    @Test
    void createsPartitionsForTheCurrentMonthAndThreeAheadPlusADefault() throws SQLException {
        assertThat(partitions(database))
                .contains(
                        "audit_events_2026_03",
                        "audit_events_2026_04",
                        "audit_events_2026_05",
                        "audit_events_2026_06",
                        "audit_events_default");
    }

    @Test
    void storesAnEventInThePartitionOfItsUtcMonthAndOlderEventsInTheDefault() throws SQLException {
        // 23:30 at -05:00 on March 31st is already April 1st in UTC.
        AuditEvent april = event("part", Instant.parse("2026-04-01T04:30:00Z"));
        AuditEvent old = event("part", Instant.parse("2025-01-10T00:00:00Z"));

        repository.insertBatch(List.of(april, old), null);

        assertThat(partitionOf(april.eventId())).isEqualTo("audit_events_2026_04");
        assertThat(partitionOf(old.eventId())).isEqualTo("audit_events_default");
    }

    @Test
    void theDailyTaskCreatesTheMonthThatComesIntoRange() throws SQLException {
        TestPostgres.Database own = TestPostgres.shared().createDatabase();
        MutableClock clock = new MutableClock(Instant.parse("2026-03-31T23:00:00Z"));
        try (PostgresEventRepository store =
                (PostgresEventRepository) EventRepositories.open(own.storageConfig(), clock)) {
            clock.set(Instant.parse("2026-04-01T00:30:00Z"));

            assertThat(store.createPartitionsAhead()).containsExactly(YearMonth.of(2026, 7));
            assertThat(store.createPartitionsAhead()).isEmpty();
        }
        assertThat(partitions(own)).contains("audit_events_2026_07");
    }

    @Test
    void anEventRowWrittenAroundTheLogFailsTheBatchInsteadOfBeingSkipped() throws SQLException {
        // audit_log's unique event_id is the only unique check the batch insert relies on: a row
        // the owner put into audit_events without a leaf must fail the whole batch (the store's
        // fault, once the retry has read every stored id), never be skipped while the batch logs
        // and reports it as stored.
        AuditEvent logged = event("logged", NOW);
        AuditEvent around = event("around", NOW);
        repository.insertBatch(List.of(logged), null);
        long logSize = repository.logSize();
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE copy_of AS SELECT * FROM audit_events WHERE event_id = '" + logged.eventId()
                    + "'");
            s.execute("UPDATE copy_of SET event_id = '" + around.eventId() + "'");
            s.execute("INSERT INTO audit_events SELECT * FROM copy_of");
        }
        AuditEvent fresh = event("fresh", NOW);

        assertThatThrownBy(() -> repository.insertBatch(List.of(fresh, logged, around), null))
                .isInstanceOf(IllegalStateException.class) // a fault of the store: 500, logged
                .hasMessageContaining("audit_events holds an event that audit_log does not");

        assertThat(repository.logSize()).isEqualTo(logSize);
        assertThat(repository.findById(fresh.eventId())).isEmpty();
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM audit_events WHERE event_id = '"
                        + fresh.eventId() + "'), (SELECT count(*) FROM audit_events WHERE event_id = '"
                        + around.eventId() + "')")) {
            rs.next();
            assertThat(rs.getLong(1)).as("the fresh event rolled back").isZero();
            assertThat(rs.getLong(2))
                    .as("rows of the id written around the log")
                    .isEqualTo(1);
        }
        // the same batch without the row written around the log stores as usual
        InsertResult result = repository.insertBatch(List.of(fresh, logged), null);
        assertThat(result.created()).containsExactly(fresh.eventId());
        assertThat(result.conflicts()).isEmpty();
        assertThat(repository.logSize()).isEqualTo(logSize + 1);
    }

    @Test
    void rejectsUpdateAndDeleteOfStoredEvents() throws SQLException {
        AuditEvent stored = event("append-only", NOW);
        repository.insertBatch(List.of(stored), null);

        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate(
                            "UPDATE audit_events SET severity = 'low' WHERE event_id = '" + stored.eventId() + "'"))
                    .hasMessageContaining("append-only: UPDATE is not allowed");
            assertThatThrownBy(() ->
                            s.executeUpdate("DELETE FROM audit_events WHERE event_id = '" + stored.eventId() + "'"))
                    .hasMessageContaining("append-only: DELETE is not allowed");
            // even the owner: a trigger on the table and on each partition
            assertThatThrownBy(() -> s.execute("TRUNCATE audit_events"))
                    .hasMessageContaining("append-only: TRUNCATE is not allowed");
            assertThatThrownBy(() -> s.execute("TRUNCATE audit_events_2026_03"))
                    .hasMessageContaining("append-only: TRUNCATE is not allowed");
            assertThatThrownBy(() -> s.execute("TRUNCATE audit_events_default"))
                    .hasMessageContaining("append-only: TRUNCATE is not allowed");
            assertThatThrownBy(() -> s.execute("TRUNCATE audit_log"))
                    .hasMessageContaining("audit_log is append-only: TRUNCATE is not allowed");
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM audit_log"))
                    .hasMessageContaining("audit_log is append-only: DELETE is not allowed");
        }
        assertThat(repository.findById(stored.eventId())).isPresent();
    }

    @Test
    void retentionDropsWholeMonthsBeforeTheCutoffAndKeepsTheRest() throws SQLException {
        TestPostgres.Database own = TestPostgres.shared().createDatabase();
        try (PostgresEventRepository store = (PostgresEventRepository)
                EventRepositories.open(own.storageConfig(), Clock.fixed(NOW, ZoneOffset.UTC))) {
            AuditEvent march = event("retention", NOW);
            AuditEvent april = event("retention", Instant.parse("2026-04-02T00:00:00Z"));
            store.insertBatch(List.of(march, april), null);

            List<YearMonth> dropped = store.dropMonthsBefore(LocalDate.parse("2026-04-15"));

            assertThat(dropped).containsExactly(YearMonth.of(2026, 3));
            assertThat(store.dropMonthsBefore(LocalDate.parse("2026-04-15"))).isEmpty();
            assertThat(store.findById(march.eventId())).isEmpty();
            assertThat(store.findById(april.eventId())).isPresent();
            assertThat(partitions(own)).contains("audit_events_default").doesNotContain("audit_events_2026_03");
        }
    }

    @Test
    @Timeout(120)
    void reportsUnavailableWhileTheServerIsDownAndRecoversWithoutRestart() {
        try (TestPostgres server = TestPostgres.startEmbedded()) {
            StorageConfig config =
                    server.createDatabase().storageConfig().withConnectionTimeout(Duration.ofMillis(500));
            try (EventRepository store = EventRepositories.open(config, Clock.fixed(NOW, ZoneOffset.UTC))) {
                AuditEvent before = event("outage", NOW);
                store.insertBatch(List.of(before), null);
                assertThat(store.isReady()).isTrue();

                server.stop();

                AuditEvent during = event("outage", NOW.plusSeconds(1));
                assertThatThrownBy(() -> store.insertBatch(List.of(during), null))
                        .isInstanceOf(StorageUnavailableException.class);
                assertThatThrownBy(() -> store.findById(before.eventId()))
                        .isInstanceOf(StorageUnavailableException.class);
                assertThatThrownBy(() ->
                                store.query(query().correlationId("outage").build()))
                        .isInstanceOf(StorageUnavailableException.class);
                assertThat(store.isReady()).isFalse();

                server.start();

                await().atMost(Duration.ofSeconds(30)).until(store::isReady);
                assertThat(store.insertBatch(List.of(during), null).created()).containsExactly(during.eventId());
                assertThat(store.query(query().correlationId("outage").build()).events())
                        .extracting(AuditEvent::eventId)
                        .containsExactly(before.eventId(), during.eventId());
            }
        }
    }

    @Test
    void failsToOpenWhenTheServerCannotBeReached() {
        StorageConfig config = StorageConfig.of("jdbc:postgresql://127.0.0.1:1/none")
                .withCredentials("nobody", "secret")
                .withConnectionTimeout(Duration.ofMillis(500));

        assertThatThrownBy(() -> EventRepositories.open(config, Clock.systemUTC()))
                .isInstanceOf(StorageUnavailableException.class)
                .hasMessageContaining("cannot connect");
    }

    private String partitionOf(UUID eventId) throws SQLException {
        try (Connection c = database.connect();
                PreparedStatement ps =
                        c.prepareStatement("SELECT tableoid::regclass::text FROM audit_events WHERE event_id = ?")) {
            ps.setObject(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static List<String> partitions(TestPostgres.Database db) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                + " WHERE i.inhparent = 'audit_events'::regclass")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

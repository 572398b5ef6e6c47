package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The read side's limits, the same on both stores: pages cut by bytes lose and repeat nothing,
 * queries at the edges of the accepted time range answer pages, and an SQL error is translated by
 * what it means. Each store's test supplies a fresh store and a plain data source on it.
 */
abstract class ReadLimitsContract {
    static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");
    static final Comparator<AuditEvent> KEYSET_ORDER = Comparator.comparing(AuditEvent::eventTimestamp)
            .thenComparing(e -> e.eventId().toString());

    EventRepository repository;
    final String correlationId = "limits-" + UUID.randomUUID();

    abstract EventRepository open(Clock clock);

    /** A data source on the same database, for SQL the repositories never run. */
    abstract DataSource plainDataSource();

    /** A statement the database refuses for its data (SQLState class 22 or SQLite's equivalent). */
    abstract String sqlWithADataError();

    @BeforeEach
    void openStore() {
        repository = open(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void closeStore() {
        repository.close();
    }

    /** {@code n} events of the test's correlation id, one per millisecond, with event_data of varied sizes. */
    List<AuditEvent> storeVariedEvents(int n, int seed) {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = 200 + ((i * 7919 + seed) % 13) * 700; // 200 B .. 8.6 KB, in no order
            // pairs of events share a timestamp so the cut also falls between equal timestamps
            Instant t = NOW.minus(Duration.ofMinutes(5)).plusMillis(i / 2);
            events.add(TestEvents.minimal(correlationId, t)
                    .eventData(EventData.parse("{\"i\":" + i + ",\"pad\":\"" + "x".repeat(size) + "\"}"))
                    .build());
        }
        repository.insertBatch(events, null);
        return events;
    }

    List<EventPage> readAll(boolean descending, int limit, long maxPageBytes) {
        List<EventPage> pages = new ArrayList<>();
        PageCursor after = null;
        do {
            EventPage page = repository.query(new EventQuery(
                    correlationId,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    descending,
                    limit,
                    after,
                    maxPageBytes));
            pages.add(page);
            after = page.next();
            assertThat(pages).as("paging must end").hasSizeLessThan(1000);
        } while (after != null);
        return pages;
    }

    static List<UUID> ids(List<EventPage> pages) {
        List<UUID> ids = new ArrayList<>();
        pages.forEach(p -> p.events().forEach(e -> ids.add(e.eventId())));
        return ids;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void pagesCutByBytesHoldEveryEventOnceInKeysetOrder(boolean descending) {
        List<AuditEvent> stored = storeVariedEvents(40, descending ? 3 : 5);
        long bound = 12_000;

        List<EventPage> pages = readAll(descending, 1000, bound);

        Comparator<AuditEvent> order = descending ? KEYSET_ORDER.reversed() : KEYSET_ORDER;
        assertThat(ids(pages))
                .containsExactlyElementsOf(
                        stored.stream().sorted(order).map(AuditEvent::eventId).toList());
        assertThat(pages).hasSizeGreaterThan(3);
        for (EventPage page : pages) {
            long bytes = page.events().stream()
                    .mapToLong(AuditEvent::estimatedJsonBytes)
                    .sum();
            assertThat(page.events().size() == 1 || bytes <= bound)
                    .as("a page of %d events and %d bytes", page.events().size(), bytes)
                    .isTrue();
        }
        assertThat(pages.get(pages.size() - 1).next()).isNull();
    }

    @Test
    void theCountLimitAndTheByteBoundTogetherLoseNothing() {
        List<AuditEvent> stored = storeVariedEvents(30, 11);

        List<EventPage> pages = readAll(false, 3, 9_000);

        assertThat(ids(pages))
                .containsExactlyElementsOf(stored.stream()
                        .sorted(KEYSET_ORDER)
                        .map(AuditEvent::eventId)
                        .toList());
        assertThat(pages).allSatisfy(p -> assertThat(p.events()).hasSizeBetween(1, 3));
    }

    @Test
    void anEventLargerThanTheBoundIsSentAloneAndPagingGoesOn() {
        AuditEvent small1 = TestEvents.event(correlationId, NOW.minusSeconds(3));
        AuditEvent big = TestEvents.minimal(correlationId, NOW.minusSeconds(2))
                .eventData(EventData.parse("{\"pad\":\"" + "y".repeat(20_000) + "\"}"))
                .build();
        AuditEvent small2 = TestEvents.event(correlationId, NOW.minusSeconds(1));
        repository.insertBatch(List.of(small1, big, small2), null);

        List<EventPage> pages = readAll(false, 100, 5_000);

        assertThat(pages)
                .extracting(p -> p.events().stream().map(AuditEvent::eventId).toList())
                .containsExactly(List.of(small1.eventId()), List.of(big.eventId()), List.of(small2.eventId()));
    }

    @Test
    void theLogIsCutByBytesToo() {
        List<AuditEvent> stored = storeVariedEvents(25, 7);
        long start = repository.logSize() - stored.size();

        List<UUID> read = new ArrayList<>();
        long after = start - 1;
        int reads = 0;
        while (true) {
            List<LogEntry> entries = repository.readLog(after, 1000, 10_000);
            if (entries.isEmpty()) {
                break;
            }
            reads++;
            entries.forEach(e -> read.add(e.eventId()));
            after = entries.get(entries.size() - 1).logIndex();
        }

        assertThat(read)
                .containsExactlyElementsOf(
                        stored.stream().map(AuditEvent::eventId).toList());
        assertThat(reads).isGreaterThan(3);
    }

    @Test
    void boundsAndCursorsAtTheEdgesOfTheAcceptedRangeAnswerPages() {
        AuditEvent e = TestEvents.event(correlationId, NOW.minusSeconds(1));
        repository.insertBatch(List.of(e), null);
        UUID max = new UUID(-1L, -1L);
        UUID min = new UUID(0L, 0L);

        for (boolean desc : new boolean[] {false, true}) {
            assertThat(query(EventQuery.EARLIEST, EventQuery.LATEST, desc, null))
                    .containsExactly(e.eventId());
            assertThat(query(
                            null,
                            null,
                            desc,
                            new PageCursor(desc ? EventQuery.LATEST : EventQuery.EARLIEST, desc ? max : min)))
                    .containsExactly(e.eventId());
            assertThat(query(null, null, desc, new PageCursor(desc ? EventQuery.EARLIEST : EventQuery.LATEST, min)))
                    .isEmpty();
        }
    }

    @Test
    void boundsOutsideTheAcceptedRangeAreRefusedBeforeAnySql() {
        assertThatThrownBy(() -> new EventQuery(
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        EventQuery.LATEST.plusNanos(1000),
                        false,
                        10,
                        null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("until must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z");
        assertThatThrownBy(() ->
                        new EventQuery(null, null, null, null, null, null, null, Instant.MIN, null, false, 10, null))
                .hasMessageContaining("since must be from");
    }

    private List<UUID> query(Instant since, Instant until, boolean desc, PageCursor after) {
        return repository
                .query(new EventQuery(correlationId, null, null, null, null, null, null, since, until, desc, 10, after))
                .events()
                .stream()
                .map(AuditEvent::eventId)
                .toList();
    }

    @Test
    void aValueTheDatabaseRefusesIsTheRequestsFaultNotAnOutage() {
        StoreReads reads = new StoreReads("test store", plainDataSource(), () -> false);

        assertThatThrownBy(() -> reads.read("run a refused statement", c -> run(c, sqlWithADataError())))
                .isInstanceOf(StorageRejectedException.class)
                .hasMessageStartingWith("test store: cannot run a refused statement: ");
    }

    @Test
    void badSqlIsAServerFaultNotAnOutage() {
        StoreReads reads = new StoreReads("test store", plainDataSource(), () -> false);

        assertThatThrownBy(() -> reads.read("run bad SQL", c -> run(c, "SELECT FROM WHERE nothing")))
                .isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(StorageUnavailableException.class);
    }

    private static Object run(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }
}

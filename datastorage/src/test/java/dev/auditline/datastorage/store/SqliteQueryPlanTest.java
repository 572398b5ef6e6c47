package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every query the API offers reads SQLite through an index, on the schema the migrations build:
 * the guarantee that lets the SQLite index set be trimmed for ingest speed without a query
 * falling back to a scan of the whole table. Checked with {@code EXPLAIN QUERY PLAN} on the very
 * SQL the repository runs.
 */
class SqliteQueryPlanTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");

    @TempDir
    static Path dir;

    private static Path file;

    @BeforeAll
    static void migrateAndStoreAFewEvents() {
        file = dir.resolve("plans.db");
        try (EventRepository store =
                EventRepositories.open(StorageConfig.of("sqlite:" + file), Clock.fixed(NOW, ZoneOffset.UTC))) {
            List<AuditEvent> events = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                events.add(TestEvents.event("corr-" + (i % 7), NOW.minus(i, ChronoUnit.MINUTES)));
            }
            store.insertBatch(events, null);
        }
    }

    /** A filter, how a page continues, and the index the filter must be searched through. */
    static Stream<Arguments> filters() {
        Instant since = NOW.minus(1, ChronoUnit.HOURS);
        PageCursor cursor = new PageCursor(NOW.minus(5, ChronoUnit.MINUTES), UUID.randomUUID());
        return Stream.of(
                Arguments.of("correlation_id", query(q -> q.correlationId = "corr-1"), "audit_events_correlation"),
                Arguments.of("event_type", query(q -> q.eventType = "svc.domain.act"), "audit_events_type"),
                Arguments.of("actor_id", query(q -> q.actorId = "someone"), "audit_events_actor"),
                Arguments.of("resource_type", query(q -> q.resourceType = "doc"), "audit_events_resource"),
                Arguments.of(
                        "resource_type and resource_id",
                        query(q -> {
                            q.resourceType = "doc";
                            q.resourceId = "d-1";
                        }),
                        "audit_events_resource"),
                Arguments.of("since", query(q -> q.since = since), "audit_events_timestamp_id"),
                Arguments.of(
                        "since and until",
                        query(q -> {
                            q.since = since;
                            q.until = NOW;
                        }),
                        "audit_events_timestamp_id"),
                Arguments.of(
                        "correlation_id, next page descending",
                        query(q -> {
                            q.correlationId = "corr-1";
                            q.descending = true;
                            q.after = cursor;
                        }),
                        "audit_events_correlation"),
                Arguments.of("no filter, next page", query(q -> q.after = cursor), "audit_events_timestamp_id"),
                // no index of their own: read in timestamp order through the timestamp index, never
                // a scan of the table followed by a sort of all of it
                Arguments.of("event_category", query(q -> q.eventCategory = "cat"), "audit_events_timestamp_id"),
                Arguments.of(
                        "event_outcome",
                        query(q -> q.eventOutcome = EventOutcome.FAILURE),
                        "audit_events_timestamp_id"),
                Arguments.of("no filter", query(q -> {}), "audit_events_timestamp_id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void everyFilterReadsThroughItsIndex(String filter, EventQuery query, String index) throws SQLException {
        EventSql.Statement statement = EventSql.keysetQuery(query, SqliteEventRepository.DIALECT);

        List<String> plan = plan(statement.sql(), statement.params());

        assertThat(plan).as("plan of %s", statement.sql()).anySatisfy(step -> assertThat(step)
                .contains("audit_events USING INDEX " + index));
        assertThat(plan).noneSatisfy(step -> assertThat(step).isEqualTo("SCAN audit_events"));
        // At most ties on event_timestamp are sorted, never every matching row; except resource_type
        // alone, whose index continues with resource_id: its matches are found by the index and sorted.
        if (query.resourceType() == null || query.resourceId() != null) {
            assertThat(plan).doesNotContain("USE TEMP B-TREE FOR ORDER BY");
        }
        if (!index.equals("audit_events_timestamp_id") || query.since() != null) {
            assertThat(plan)
                    .anySatisfy(step -> assertThat(step).startsWith("SEARCH audit_events USING INDEX " + index));
        }
    }

    @Test
    void findByIdSearchesTheLogThenTheDateAndIdKey() throws SQLException {
        String id = UUID.randomUUID().toString();

        List<String> plan = plan(AuditLogSql.FIND_BY_ID, List.of(id, id));

        assertThat(plan)
                .anySatisfy(step ->
                        assertThat(step).startsWith("SEARCH audit_events USING INDEX sqlite_autoindex_audit_events_1"))
                .anySatisfy(step ->
                        assertThat(step).startsWith("SEARCH audit_log USING INDEX sqlite_autoindex_audit_log_1"));
    }

    private static List<String> plan(String sql, List<Object> params) throws SQLException {
        List<String> steps = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    steps.add(rs.getString("detail"));
                }
            }
        }
        return steps;
    }

    /** The query's fields, set by name, so each case reads as its filter. */
    private static final class Fields {
        String correlationId;
        String eventType;
        String eventCategory;
        EventOutcome eventOutcome;
        String actorId;
        String resourceType;
        String resourceId;
        Instant since;
        Instant until;
        boolean descending;
        PageCursor after;
    }

    private static EventQuery query(java.util.function.Consumer<Fields> set) {
        Fields f = new Fields();
        set.accept(f);
        return new EventQuery(
                f.correlationId,
                f.eventType,
                f.eventCategory,
                f.eventOutcome,
                f.actorId,
                f.resourceType,
                f.resourceId,
                f.since,
                f.until,
                f.descending,
                EventQuery.DEFAULT_LIMIT,
                f.after);
    }
}

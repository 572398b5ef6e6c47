package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The insert path classifies an SQL error as the read path does ({@link SqlErrors}): a value the
 * database refuses fails the batch as {@link StorageRejectedException} ({@code 400}), a fault of
 * the server as {@link IllegalStateException} ({@code 500}); neither is taken for an outage
 * ({@link StorageUnavailableException}, which switches ingest to the fallback spool). The errors are
 * real ones, raised by the database for the batch's own rows, from a trigger each test installs on
 * {@code audit_events}.
 */
abstract class InsertErrorsContract {
    static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");
    static final String REFUSED_ACTOR = RefusingTrigger.ACTOR;
    static final String FAULTY_ACTOR = "faulty-trigger";

    EventRepository repository;
    final String correlationId = "insert-errors-" + UUID.randomUUID();

    abstract EventRepository open(Clock clock);

    /** A data source on the same database, for SQL the repositories never run. */
    abstract DataSource plainDataSource();

    /**
     * SQL that makes the database refuse a row whose actor_id is {@link #REFUSED_ACTOR} with an
     * error of the request's data (SQLState class 22 or 23, or SQLite's constraint error).
     */
    abstract List<String> sqlRefusingTheActor();

    /** SQL that makes inserting a row whose actor_id is {@link #FAULTY_ACTOR} fail as a fault of the server. */
    abstract List<String> sqlFailingOnTheActor();

    @BeforeEach
    void openStore() {
        repository = open(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void closeStore() {
        repository.close();
    }

    void execute(List<String> statements) throws SQLException {
        try (Connection c = plainDataSource().getConnection();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    AuditEvent event(String actorId) {
        return TestEvents.minimal(correlationId, NOW).actor("service", actorId).build();
    }

    long storedOfThisTest() {
        return repository
                .query(new EventQuery(correlationId, null, null, null, null, null, null, null, null, false, 1000, null))
                .events()
                .size();
    }

    @Test
    void aValueTheDatabaseRefusesFailsTheBatchAsRejectedNotAsAnOutage() throws SQLException {
        execute(sqlRefusingTheActor());
        AuditEvent good = event("ordinary");
        AuditEvent refused = event(REFUSED_ACTOR);

        assertThatThrownBy(() -> repository.insertBatch(List.of(good, refused), "test"))
                .isInstanceOf(StorageRejectedException.class)
                .hasMessageContaining("store a batch of 2 events");
        assertThat(storedOfThisTest())
                .as("nothing of a refused batch is stored")
                .isZero();

        // the store is not down: the next batch goes through
        InsertResult next = repository.insertBatch(List.of(good), "test");
        assertThat(next.created()).isEqualTo(Set.of(good.eventId()));
        assertThat(repository.isReady()).isTrue();
    }

    @Test
    void aFaultOfTheServerFailsTheBatchAsInternalNotAsAnOutage() throws SQLException {
        execute(sqlFailingOnTheActor());

        assertThatThrownBy(() -> repository.insertBatch(List.of(event(FAULTY_ACTOR)), "test"))
                .isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(StorageUnavailableException.class)
                .hasMessageContaining("store a batch of 1 events");
        assertThat(storedOfThisTest()).isZero();
    }
}

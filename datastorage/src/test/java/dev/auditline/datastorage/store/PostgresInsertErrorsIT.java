package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PostgresInsertErrorsIT extends InsertErrorsContract {
    private static TestPostgres.Database database;

    @BeforeAll
    static void createDatabase() throws SQLException {
        database = TestPostgres.shared().createDatabase();
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            // for the busy test: a lock wait ends in 55P03 (lock not available) instead of waiting on
            s.execute("ALTER DATABASE " + rs.getString(1) + " SET lock_timeout = '300ms'");
        }
    }

    @Override
    EventRepository open(Clock clock) {
        return EventRepositories.open(database.storageConfig(), clock);
    }

    @Override
    DataSource plainDataSource() {
        return database.dataSource();
    }

    @Override
    List<String> sqlRefusingTheActor() {
        return RefusingTrigger.postgres();
    }

    @Override
    List<String> sqlFailingOnTheActor() {
        // 42P01 undefined_table when the trigger runs: a fault of the schema (class 42), not the request
        return List.of(
                "CREATE OR REPLACE FUNCTION faulty() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN IF NEW.actor_id = '" + FAULTY_ACTOR + "' THEN INSERT INTO doomed VALUES (1); END IF;"
                        + " RETURN NEW; END $$",
                "DROP TRIGGER IF EXISTS faulty ON audit_events",
                "CREATE TRIGGER faulty BEFORE INSERT ON audit_events FOR EACH ROW" + " EXECUTE FUNCTION faulty()");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLockTheBatchCannotGetIsBusyNotAnOutage() throws SQLException {
        try (Connection holder = plainDataSource().getConnection();
                Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE");

            assertThatThrownBy(() -> repository.insertBatch(List.of(event("ordinary")), "test"))
                    .isInstanceOfSatisfying(StorageUnavailableException.class, e -> assertThat(e.busy())
                            .isTrue())
                    .hasMessageContaining("lock timeout");
            holder.rollback();
        }
        assertThat(repository.insertBatch(List.of(event("ordinary")), "test").created())
                .hasSize(1);
    }
}

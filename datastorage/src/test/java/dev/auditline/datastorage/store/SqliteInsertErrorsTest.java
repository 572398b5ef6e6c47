package dev.auditline.datastorage.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class SqliteInsertErrorsTest extends InsertErrorsContract {
    @TempDir
    Path dir;

    @Override
    EventRepository open(Clock clock) {
        return EventRepositories.open(StorageConfig.of("sqlite:" + dir.resolve("audit.db")), clock);
    }

    @Override
    DataSource plainDataSource() {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + dir.resolve("audit.db"));
        return ds;
    }

    @Override
    List<String> sqlRefusingTheActor() {
        // SQLITE_CONSTRAINT (19), as a CHECK constraint on the value would raise it
        return List.of("CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_events WHEN NEW.actor_id = '" + REFUSED_ACTOR
                + "' BEGIN SELECT RAISE(ABORT, 'actor refused'); END");
    }

    @Override
    List<String> sqlFailingOnTheActor() {
        // SQLITE_ERROR (1) "no such table" when the trigger runs: a fault of the schema, not the request
        return List.of(
                "CREATE TABLE doomed (x INTEGER)",
                "CREATE TRIGGER faulty BEFORE INSERT ON audit_events WHEN NEW.actor_id = '" + FAULTY_ACTOR
                        + "' BEGIN INSERT INTO doomed VALUES (1); END",
                "DROP TABLE doomed");
    }
}

package dev.auditline.datastorage.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;

class SqliteInsertErrorsTest extends InsertErrorsContract {
    @TempDir
    Path dir;

    @Override
    EventRepository open(Clock clock) {
        return EventRepositories.open(StorageConfig.of("sqlite:" + dir.resolve("audit.db")), clock);
    }

    @Override
    DataSource plainDataSource() {
        return RefusingTrigger.sqliteDataSource(dir.resolve("audit.db"));
    }

    @Override
    List<String> sqlRefusingTheActor() {
        return RefusingTrigger.sqlite();
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

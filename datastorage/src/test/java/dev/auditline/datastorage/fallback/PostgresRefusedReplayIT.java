package dev.auditline.datastorage.fallback;

import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.RefusingTrigger;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

class PostgresRefusedReplayIT extends RefusedReplayContract {
    private static TestPostgres.Database database;

    @BeforeAll
    static void createDatabase() {
        database = TestPostgres.shared().createDatabase();
    }

    @Override
    EventRepository open() {
        return EventRepositories.open(database.storageConfig(), Clock.systemUTC());
    }

    @Override
    DataSource plainDataSource() {
        return database.dataSource();
    }

    @Override
    List<String> sqlRefusingTheActor() {
        return RefusingTrigger.postgres();
    }
}

package dev.auditline.datastorage.fallback;

import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.RefusingTrigger;
import dev.auditline.datastorage.store.StorageConfig;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;

class SqliteRefusedReplayTest extends RefusedReplayContract {
    @Override
    EventRepository open() {
        return EventRepositories.open(StorageConfig.of("sqlite:" + dir.resolve("audit.db")), Clock.systemUTC());
    }

    @Override
    DataSource plainDataSource() {
        return RefusingTrigger.sqliteDataSource(dir.resolve("audit.db"));
    }

    @Override
    List<String> sqlRefusingTheActor() {
        return RefusingTrigger.sqlite();
    }
}

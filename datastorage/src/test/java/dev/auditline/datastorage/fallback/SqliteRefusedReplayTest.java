package dev.auditline.datastorage.fallback;

import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.StorageConfig;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.sqlite.SQLiteDataSource;

class SqliteRefusedReplayTest extends RefusedReplayContract {
    @Override
    EventRepository open() {
        return EventRepositories.open(StorageConfig.of("sqlite:" + dir.resolve("audit.db")), Clock.systemUTC());
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
}

package dev.auditline.datastorage.store;

import java.nio.file.Path;
import java.time.Clock;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class SqliteReadLimitsTest extends ReadLimitsContract {
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
    String sqlWithADataError() {
        return "SELECT 1 LIMIT 'many'"; // SQLITE_MISMATCH: datatype mismatch
    }
}

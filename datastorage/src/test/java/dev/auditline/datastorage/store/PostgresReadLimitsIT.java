package dev.auditline.datastorage.store;

import java.time.Clock;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

class PostgresReadLimitsIT extends ReadLimitsContract {
    private static TestPostgres.Database database;

    @BeforeAll
    static void createDatabase() {
        database = TestPostgres.shared().createDatabase();
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
    String sqlWithADataError() {
        return "SELECT '9999999-01-01'::timestamptz"; // 22008: date/time field value out of range
    }
}

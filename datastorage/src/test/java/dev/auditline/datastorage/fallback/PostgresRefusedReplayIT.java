package dev.auditline.datastorage.fallback;

import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.postgresql.ds.PGSimpleDataSource;

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
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setUrl(database.jdbcUrl());
        pg.setUser(database.user());
        pg.setPassword(database.password());
        return pg;
    }

    @Override
    List<String> sqlRefusingTheActor() {
        // 22012 division_by_zero, raised while inserting the row: a data exception (class 22)
        return List.of(
                "CREATE OR REPLACE FUNCTION refuse_actor() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN IF NEW.actor_id = '" + REFUSED_ACTOR + "' THEN PERFORM 1 / 0; END IF;"
                        + " RETURN NEW; END $$",
                "DROP TRIGGER IF EXISTS refuse_actor ON audit_events",
                "CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_events FOR EACH ROW"
                        + " EXECUTE FUNCTION refuse_actor()");
    }
}

package dev.auditline.datastorage.store;

import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.sqlite.SQLiteDataSource;

/**
 * A real refusal by the database, as a DBA's constraint or trigger raises it: SQL that makes each
 * store refuse a row whose {@code actor_id} is {@link #ACTOR}, and a plain connection (outside
 * DataStorage) to run it on. Shared by the tests of the insert path and of the fallback spool's
 * replay, so both meet the same error.
 */
public final class RefusingTrigger {
    /** The actor whose rows the trigger refuses. */
    public static final String ACTOR = "refused-by-db";

    private RefusingTrigger() {}

    /** SQLite: {@code SQLITE_CONSTRAINT} (19), as a CHECK constraint on the value would raise it. */
    public static List<String> sqlite() {
        return List.of("CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_events WHEN NEW.actor_id = '" + ACTOR
                + "' BEGIN SELECT RAISE(ABORT, 'actor refused'); END");
    }

    /** PostgreSQL: 22012 division_by_zero, raised while inserting the row: a data exception (class 22). */
    public static List<String> postgres() {
        return List.of(
                "CREATE OR REPLACE FUNCTION refuse_actor() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN IF NEW.actor_id = '" + ACTOR + "' THEN PERFORM 1 / 0; END IF;"
                        + " RETURN NEW; END $$",
                "DROP TRIGGER IF EXISTS refuse_actor ON audit_events",
                "CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_events FOR EACH ROW"
                        + " EXECUTE FUNCTION refuse_actor()");
    }

    /** A plain connection source to the SQLite file {@code file}. */
    public static DataSource sqliteDataSource(Path file) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + file);
        return ds;
    }
}

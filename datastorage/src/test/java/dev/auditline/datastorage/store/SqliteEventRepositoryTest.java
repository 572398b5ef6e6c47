package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteEventRepositoryTest extends EventRepositoryContract {

    @TempDir
    Path dir;

    @Override
    protected EventRepository openEmptyRepository(Clock clock) {
        return EventRepositories.open(StorageConfig.of("sqlite:" + dir.resolve("audit.db")), clock);
    }

    @Test
    void createsTheDirectoryOfTheDatabaseFileInWalMode() throws Exception {
        Path file = dir.resolve("nested/deeper/audit.db");

        try (EventRepository store =
                EventRepositories.open(StorageConfig.of("sqlite:" + file), Clock.fixed(NOW, ZoneOffset.UTC))) {
            store.insertBatch(List.of(TestEvents.event("c", NOW)), null);
            assertThat(Files.exists(file)).isTrue();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                    ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
        }
    }

    @Test
    void keepsEventsAcrossReopening() {
        StorageConfig config = StorageConfig.of("sqlite:" + dir.resolve("reopen.db"));
        var event = TestEvents.event("c", NOW);
        try (EventRepository store = EventRepositories.open(config, Clock.fixed(NOW, ZoneOffset.UTC))) {
            store.insertBatch(List.of(event), "svc");
        }

        try (EventRepository store = EventRepositories.open(config, Clock.fixed(NOW, ZoneOffset.UTC))) {
            assertThat(store.findById(event.eventId())).isPresent();
            assertThat(store.insertBatch(List.of(event), "svc").created()).isEmpty();
        }
    }
}

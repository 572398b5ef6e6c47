package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PostgresSmallPoolIT {

    @Test
    @Timeout(60)
    void opensMigratesAndStoresWithAPoolOfOneConnection() {
        StorageConfig config =
                TestPostgres.shared().createDatabase().storageConfig().withPoolSize(1);

        try (EventRepository store = EventRepositories.open(config, Clock.systemUTC())) {
            var event = TestEvents.event("small-pool", java.time.Instant.now());
            InsertResult result = store.insertBatch(List.of(event), null);

            assertThat(result.created()).containsExactly(event.eventId());
            assertThat(store.findById(event.eventId())).isPresent();
            assertThat(store.logSize()).isEqualTo(1);
        }
    }
}

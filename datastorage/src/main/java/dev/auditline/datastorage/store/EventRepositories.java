package dev.auditline.datastorage.store;

import java.time.Clock;

/** Opens the {@link EventRepository} a {@link StorageConfig} names. */
public final class EventRepositories {

    private EventRepositories() {}

    /**
     * Opens the store of {@code config.url()} and migrates its schema. For PostgreSQL it also
     * creates the monthly partitions ahead and starts the daily task that keeps creating them;
     * {@link EventRepository#close()} stops it and releases the pool.
     *
     * @param clock the server clock: {@code ingested_at} and which partitions are due
     * @throws StorageUnavailableException when the database cannot be reached or migrated
     */
    public static EventRepository open(StorageConfig config, Clock clock) {
        return switch (config.kind()) {
            case SQLITE -> SqliteEventRepository.open(config, clock);
            case POSTGRESQL -> PostgresEventRepository.open(config, clock);
        };
    }
}

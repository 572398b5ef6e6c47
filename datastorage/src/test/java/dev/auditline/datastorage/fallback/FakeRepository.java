package dev.auditline.datastorage.fallback;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.InsertResult;
import dev.auditline.datastorage.store.LogEntry;
import dev.auditline.datastorage.store.LogLeaf;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * An in-memory repository that can be down (not ready, every insert throws {@link
 * StorageUnavailableException}), busy or broken (ready, but every insert fails), and records what was
 * stored with its {@code ingested_by}.
 */
final class FakeRepository implements EventRepository {
    enum Mode {
        UP,
        DOWN,
        FAILING_INSERTS,
        /** Ready, but every insert fails as busy (a lock it cannot get). */
        BUSY
    }

    private final Object lock = new Object();
    private final Map<UUID, String> stored = new LinkedHashMap<>(); // guarded by lock: id → ingested_by
    private Mode mode = Mode.UP; // guarded by lock
    private int insertCalls; // guarded by lock

    void mode(Mode newMode) {
        synchronized (lock) {
            mode = newMode;
        }
    }

    /** Stored ids with their {@code ingested_by} ({@code "(none)"} for null), in insert order. */
    Map<UUID, String> stored() {
        synchronized (lock) {
            Map<UUID, String> copy = new LinkedHashMap<>();
            stored.forEach((id, by) -> copy.put(id, by == null ? "(none)" : by));
            return copy;
        }
    }

    int insertCalls() {
        synchronized (lock) {
            return insertCalls;
        }
    }

    @Override
    public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        synchronized (lock) {
            insertCalls++;
            switch (mode) {
                case DOWN -> throw new StorageUnavailableException(
                        "fake: database down", new SQLException("Connection refused"));
                case FAILING_INSERTS -> throw new IllegalStateException("fake: insert failed");
                case BUSY -> throw new StorageUnavailableException(
                        "fake: database is locked", new SQLException("database is locked"), true);
                case UP -> {
                    // store below
                }
            }
            Set<UUID> created = new HashSet<>();
            for (AuditEvent e : events) {
                if (stored.putIfAbsent(e.eventId(), ingestedBy) == null) {
                    created.add(e.eventId());
                }
            }
            return new InsertResult(created, Instant.now());
        }
    }

    @Override
    public Optional<AuditEvent> findById(UUID eventId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public EventPage query(EventQuery query) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long logSize() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<LogLeaf> readLeaves(long fromInclusive, int max) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<LogEntry> readLog(long afterExclusive, int max) {
        throw new UnsupportedOperationException();
    }

    @Override
    public OptionalLong logIndexOf(UUID eventId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isReady() {
        synchronized (lock) {
            return mode != Mode.DOWN;
        }
    }

    @Override
    public void close() {}
}

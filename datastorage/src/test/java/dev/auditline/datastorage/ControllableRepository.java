package dev.auditline.datastorage;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.InsertResult;
import dev.auditline.datastorage.store.LogEntry;
import dev.auditline.datastorage.store.LogLeaf;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps the real repository so tests can make it unavailable (as if the database were down) or
 * hold writes on a latch (as if every connection were busy), without touching the store itself.
 */
final class ControllableRepository implements EventRepository {
    private final EventRepository delegate;
    private final Object lock = new Object();
    private boolean unavailable; // guarded by lock
    private CountDownLatch writeGate; // guarded by lock; null lets writes through
    private final AtomicInteger blockedWrites = new AtomicInteger();
    private final AtomicInteger logReads = new AtomicInteger();

    ControllableRepository(EventRepository delegate) {
        this.delegate = delegate;
    }

    void unavailable(boolean down) {
        synchronized (lock) {
            unavailable = down;
        }
    }

    /** Holds every write until the returned latch is counted down. */
    CountDownLatch holdWrites() {
        synchronized (lock) {
            writeGate = new CountDownLatch(1);
            return writeGate;
        }
    }

    void releaseWrites() {
        synchronized (lock) {
            if (writeGate != null) {
                writeGate.countDown();
                writeGate = null;
            }
        }
    }

    /** How many times {@link #readLog} was called: a long-poll has read once it grew. */
    int logReads() {
        return logReads.get();
    }

    int blockedWrites() {
        return blockedWrites.get();
    }

    @Override
    public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
        CountDownLatch gate;
        synchronized (lock) {
            gate = writeGate;
        }
        if (gate != null) {
            blockedWrites.incrementAndGet();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test write gate was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                blockedWrites.decrementAndGet();
            }
        }
        checkAvailable();
        return delegate.insertBatch(events, ingestedBy);
    }

    @Override
    public Optional<AuditEvent> findById(UUID eventId) {
        checkAvailable();
        return delegate.findById(eventId);
    }

    @Override
    public EventPage query(EventQuery query) {
        checkAvailable();
        return delegate.query(query);
    }

    @Override
    public List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
        checkAvailable();
        return delegate.dropMonthsBefore(cutoff);
    }

    @Override
    public long logSize() {
        checkAvailable();
        return delegate.logSize();
    }

    @Override
    public List<LogLeaf> readLeaves(long fromInclusive, int max) {
        checkAvailable();
        return delegate.readLeaves(fromInclusive, max);
    }

    @Override
    public List<LogEntry> readLog(long afterExclusive, int max) {
        checkAvailable();
        logReads.incrementAndGet();
        return delegate.readLog(afterExclusive, max);
    }

    @Override
    public List<LogEntry> readLog(long afterExclusive, int max, long maxBytes) {
        checkAvailable();
        logReads.incrementAndGet();
        return delegate.readLog(afterExclusive, max, maxBytes);
    }

    @Override
    public OptionalLong logIndexOf(UUID eventId) {
        checkAvailable();
        return delegate.logIndexOf(eventId);
    }

    @Override
    public boolean isReady() {
        synchronized (lock) {
            if (unavailable) {
                return false;
            }
        }
        return delegate.isReady();
    }

    @Override
    public void close() {
        delegate.close();
    }

    private void checkAvailable() {
        synchronized (lock) {
            if (unavailable) {
                throw new StorageUnavailableException(
                        "test: database made unavailable", new SQLException("Connection refused"));
            }
        }
    }
}

package dev.auditline.datastorage.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.InsertResult;
import dev.auditline.datastorage.store.LogEntry;
import dev.auditline.datastorage.store.LogLeaf;
import dev.auditline.datastorage.store.StorageUnavailableException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class RetentionTaskTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T18:00:00Z"), ZoneOffset.UTC);

    /** Records the cutoffs it is asked for and answers with a scripted outcome. */
    private static final class RecordingRepository implements EventRepository {
        final List<LocalDate> cutoffs = new ArrayList<>();
        RuntimeException failure;

        @Override
        public List<YearMonth> dropMonthsBefore(LocalDate cutoff) {
            cutoffs.add(cutoff);
            if (failure != null) {
                throw failure;
            }
            return List.of(YearMonth.of(2025, 10));
        }

        @Override
        public InsertResult insertBatch(List<AuditEvent> events, String ingestedBy) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<AuditEvent> findById(UUID eventId) {
            return Optional.empty();
        }

        @Override
        public EventPage query(EventQuery query) {
            return new EventPage(List.of(), null);
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
            return true;
        }

        @Override
        public void close() {}
    }

    private static RetentionTask task(RecordingRepository repository, int days) {
        return new RetentionTask(repository, days, CLOCK, Executors.newSingleThreadScheduledExecutor());
    }

    @Test
    void asksTheStoreToDropTheMonthsEndedBeforeTodayMinusDefaultDays() {
        RecordingRepository repository = new RecordingRepository();
        try (RetentionTask task = task(repository, 365)) {
            assertThat(task.runOnce()).containsExactly(YearMonth.of(2025, 10));
        }
        assertThat(repository.cutoffs).containsExactly(LocalDate.parse("2025-11-26"));
    }

    @Test
    void stopsAskingAStoreWithoutRetention() {
        RecordingRepository repository = new RecordingRepository();
        repository.failure = new UnsupportedOperationException("retention is not supported by SQLite");
        try (RetentionTask task = task(repository, 30)) {
            assertThat(task.runOnce()).isEmpty();
            assertThat(task.runOnce()).isEmpty();
        }
        assertThat(repository.cutoffs).hasSize(1);
    }

    @Test
    void skipsOneRunWhileTheDatabaseIsUnavailable() {
        RecordingRepository repository = new RecordingRepository();
        repository.failure = new StorageUnavailableException("down", new SQLException("refused"));
        try (RetentionTask task = task(repository, 30)) {
            assertThat(task.runOnce()).isEmpty();
            repository.failure = null;
            assertThat(task.runOnce()).containsExactly(YearMonth.of(2025, 10));
        }
        assertThat(repository.cutoffs).hasSize(2);
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@link Error} thrown inside the SQLite writer's transaction (here by the clock it reads after
 * {@code BEGIN IMMEDIATE}) rolls that transaction back before it propagates: left open, it would
 * hold the file's write lock and fail every later batch with "cannot start a transaction within a
 * transaction".
 */
class SqliteWriterErrorTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:15:30.123456Z");

    @TempDir
    Path dir;

    /** A fixed clock that throws {@link StackOverflowError} once when armed. */
    private static final class FailingClock extends Clock {
        final AtomicBoolean armed = new AtomicBoolean();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            if (armed.getAndSet(false)) {
                throw new StackOverflowError("thrown by the test's clock");
            }
            return NOW;
        }
    }

    private static AuditEvent event(UUID id) {
        return TestEvents.minimal("writer-error", NOW).eventId(id).build();
    }

    @Test
    @Timeout(30)
    void anErrorInsideTheTransactionRollsItBackAndTheNextBatchIsStored() {
        FailingClock clock = new FailingClock();
        try (SqliteEventRepository repo =
                SqliteEventRepository.open(StorageConfig.of("sqlite:" + dir.resolve("error.db")), clock)) {
            UUID lost = UUID.randomUUID();
            clock.armed.set(true);
            assertThatThrownBy(() -> repo.insertBatch(List.of(event(lost)), "svc"))
                    .isInstanceOf(StackOverflowError.class)
                    .hasMessage("thrown by the test's clock");

            UUID first = UUID.randomUUID();
            UUID second = UUID.randomUUID();
            InsertResult result = repo.insertBatch(List.of(event(first), event(second)), "svc");

            assertThat(result.created()).isEqualTo(Set.of(first, second));
            assertThat(repo.findById(lost)).isEmpty();
            assertThat(repo.findById(first)).isPresent();
            assertThat(repo.findById(second)).isPresent();
        }
    }
}

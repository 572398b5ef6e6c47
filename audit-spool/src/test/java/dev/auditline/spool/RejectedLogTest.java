package dev.auditline.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RejectedLogTest {
    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    @Test
    void keepsEachRejectedEventWithTheServersReason() throws Exception {
        Path dir = root.resolve("rejected");
        AuditEvent first = EventBatchCodecTest.event("rr-1");
        AuditEvent second = EventBatchCodecTest.event("rr-2");
        try (RejectedLog log = RejectedLog.open(dir, clock)) {
            log.append(first, "event_type", "must match [a-z0-9_.-]+");
            clock.advance(Duration.ofSeconds(1));
            log.append(second, "event_timestamp", "too far in the past");
        }
        try (RejectedLog log = RejectedLog.open(dir, clock)) {
            log.append(first, "actor_id", "too long");
        }

        assertThat(RejectedLog.read(dir))
                .containsExactly(
                        new RejectedEntry(
                                Instant.parse("2026-11-26T12:00:00Z"), "event_type", "must match [a-z0-9_.-]+", first),
                        new RejectedEntry(
                                Instant.parse("2026-11-26T12:00:01Z"),
                                "event_timestamp",
                                "too far in the past",
                                second),
                        new RejectedEntry(Instant.parse("2026-11-26T12:00:01Z"), "actor_id", "too long", first));
        String firstLine =
                Files.readAllLines(dir.resolve(RejectedLog.FILE_NAME)).get(0);
        assertThat(firstLine)
                .startsWith("{\"rejected_at\":\"2026-11-26T12:00:00.000000Z\",\"field\":\"event_type\"")
                .contains("\"event\":{\"event_id\":\"" + first.eventId() + "\"");
    }

    @Test
    void skipsATornLastLine() throws Exception {
        Path dir = root.resolve("rejected");
        try (RejectedLog log = RejectedLog.open(dir, clock)) {
            log.append(EventBatchCodecTest.event("rr-1"), "event_type", "bad");
        }
        Files.write(
                dir.resolve(RejectedLog.FILE_NAME),
                "{\"rejected_at\":\"2026-".getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);
        assertThat(RejectedLog.read(dir)).hasSize(1);
    }

    @Test
    void closeIsIdempotentAndStopsAppends() throws Exception {
        RejectedLog log = RejectedLog.open(root, clock);
        log.close();
        log.close();
        assertThatThrownBy(() -> log.append(EventBatchCodecTest.event("rr-1"), "f", "d"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("rejected log " + root.resolve(RejectedLog.FILE_NAME) + " is closed");
    }
}

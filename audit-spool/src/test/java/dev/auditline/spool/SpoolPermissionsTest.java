package dev.auditline.spool;

import static dev.auditline.spool.Records.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.spool.internal.InsecureDirectoryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything the spool creates is 0600 (files) or 0700 (directories), whatever the umask. */
class SpoolPermissionsTest {
    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void createsItsDirectoriesAndEveryFileForTheOwnerOnly() throws Exception {
        Path dir = root.resolve("a/b/spool");
        try (Spool spool = Spool.open(new SpoolConfig(dir, 1 << 20, 1 << 20, Duration.ofSeconds(5)), clock)) {
            spool.append(payload(0));
            spool.append(payload(1));
            assertThat(mode(dir)).isEqualTo("rwx------");
            assertThat(mode(root.resolve("a"))).isEqualTo("rwx------");
            assertThat(mode(dir.resolve(".lock"))).isEqualTo("rw-------");
            assertThat(mode(dir.resolve("segment-00000000000000000000.log.tmp")))
                    .isEqualTo("rw-------");
            spool.seal();
            assertThat(mode(dir.resolve("segment-00000000000000000000.log"))).isEqualTo("rw-------");
            AtomicInteger offered = new AtomicInteger();
            spool.replay(p -> offered.incrementAndGet() == 1); // acknowledges one record: progress is saved
            assertThat(mode(dir.resolve("segment-00000000000000000000.ack"))).isEqualTo("rw-------");
        }
        try (RejectedLog rejected = RejectedLog.open(root.resolve("rejected"), clock)) {
            rejected.append(event(), "event_type", "must match");
        }
        assertThat(mode(root.resolve("rejected"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("rejected").resolve(RejectedLog.FILE_NAME)))
                .isEqualTo("rw-------");
    }

    @Test
    void refusesADirectoryItsGroupOrOtherUsersMayWriteTo() throws Exception {
        for (String mode : new String[] {"rwxrwxrwx", "rwxrwx---", "rwx----w-"}) {
            Path dir = Files.createDirectories(root.resolve("shared-" + mode));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> Spool.open(SpoolConfig.of(dir), clock))
                    .as(mode)
                    .isInstanceOf(InsecureDirectoryException.class)
                    .hasMessageContaining(dir.toAbsolutePath().toString())
                    .hasMessageContaining(mode)
                    .hasMessageContaining("chmod 700");
            assertThat(Files.exists(dir.resolve(".lock")))
                    .as("nothing created in %s", dir)
                    .isFalse();
        }
        Path readable = Files.createDirectories(root.resolve("readable"));
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rwxr-xr-x"));
        Spool.open(SpoolConfig.of(readable), clock).close();
    }

    private static AuditEvent event() {
        return AuditEvent.builder()
                .eventType("svc.domain.done")
                .eventCategory("domain")
                .eventAction("done")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId("c-1")
                .actor("service", "svc")
                .resource("thing", "t-1")
                .build();
    }
}

package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's spool directory and everything in it is its owner's alone, and a shared one is refused. */
class ClientSpoolPermissionsTest {
    @TempDir
    Path root;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void createsTheSpoolDirectoriesForTheOwnerOnly() throws IOException {
        Path dir = root.resolve("audit/spool");
        try (ClientSpool spool = ClientSpool.open(dir, 1 << 20, Clock.systemUTC())) {
            assertThat(mode(dir)).isEqualTo("rwx------");
            assertThat(mode(dir.resolve(ClientSpool.SEGMENTS_DIR))).isEqualTo("rwx------");
            assertThat(mode(dir.resolve(ClientSpool.REJECTED_DIR))).isEqualTo("rwx------");
            assertThat(mode(dir.resolve(ClientSpool.REJECTED_DIR).resolve("rejected.jsonl")))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void refusesASpoolDirOthersMayWriteToAsAConfigurationProblemNamingTheKey() throws IOException {
        Path dir = Files.createDirectories(root.resolve("shared"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> ClientSpool.open(dir, 1 << 20, Clock.systemUTC()))
                .isInstanceOf(AuditConfigException.class)
                .satisfies(e -> assertThat(((AuditConfigException) e).problems())
                        .singleElement()
                        .asString()
                        .startsWith("audit.spool.dir: the directory " + dir.toAbsolutePath() + " has mode 0777")
                        .contains("chmod 700"));
    }
}

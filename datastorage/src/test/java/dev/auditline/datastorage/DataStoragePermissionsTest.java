package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What DataStorage creates on its embedded default is its owner's alone (0700 directories, 0600
 * files: the SQLite database with its -wal and -shm, the signing key, the fallback spool), and a data
 * or spool directory other users may write to stops the start with a line naming it and its mode.
 */
class DataStoragePermissionsTest {
    @TempDir
    Path root;

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private DataStorageConfig config(Path data, Path spool) {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        return defaults.withServer(defaults.server().withPort(0))
                .withStorage(defaults.storage()
                        .withUrl("sqlite:" + data.resolve("audit.db"))
                        .withFallbackSpool(spool, 1L << 30));
    }

    @Test
    void createsEveryFileAndDirectoryForTheOwnerOnly() throws IOException {
        Path data = root.resolve("var/data");
        Path spool = root.resolve("var/spool");
        try (DataStorage server = DataStorage.start(config(data, spool), Clock.systemUTC())) {
            assertThat(mode(root.resolve("var"))).isEqualTo("rwx------");
            assertThat(mode(data)).isEqualTo("rwx------");
            for (String file : List.of("audit.db", "audit.db-wal", "audit.db-shm", "log-signing.key")) {
                assertThat(data.resolve(file)).exists();
                assertThat(mode(data.resolve(file))).as(file).isEqualTo("rw-------");
            }
            assertThat(mode(spool)).isEqualTo("rwx------");
            assertThat(mode(spool.resolve(".lock"))).isEqualTo("rw-------");
        }
    }

    @Test
    void refusesToStartOnADataDirectoryOthersMayWriteTo() throws IOException {
        Path data = Files.createDirectories(root.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxr-x"));

        assertThatThrownBy(() -> DataStorage.start(config(data, root.resolve("spool")), Clock.systemUTC()))
                .satisfies(e -> assertThat(StartupFailures.advice(e))
                        .startsWith("storage.url (the directory of the SQLite file): the directory " + data
                                + " has mode 0775")
                        .contains("chmod 700"));
        assertThat(data.resolve("audit.db")).doesNotExist();
    }

    @Test
    void refusesToStartOnAFallbackSpoolDirectoryOthersMayWriteTo() throws IOException {
        Path spool = Files.createDirectories(root.resolve("spool"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwx-w--w-"));

        assertThatThrownBy(() -> DataStorage.start(config(root.resolve("data"), spool), Clock.systemUTC()))
                .satisfies(e -> assertThat(StartupFailures.advice(e))
                        .startsWith("storage.fallback_spool.dir: cannot open the fallback spool in " + spool)
                        .contains("the directory " + spool + " has mode 0722"));
    }
}

package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client process killed with {@code SIGKILL} while its spool holds data, then started again on
 * the same spool directory: everything is replayed and nothing is stored twice.
 *
 * <p>The client (a child JVM, {@link SpoolingClientMain}) stores its events while DataStorage is
 * down, so every batch goes to the spool. DataStorage then comes up on the client's port, and the
 * client is killed as soon as its replay has stored the first rows: mid-replay, with the replay's
 * progress not saved and the open segment left as {@code .tmp}. The restarted client recovers the
 * spool and replays what is left; records acked before the kill are resent and come back as
 * duplicates, which DataStorage ignores.
 */
class ClientSpoolKillIT {
    private static final int EVENTS = 20_000;
    private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(2);

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void replaysEverythingAfterTheClientIsKilledWithDataInItsSpool() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        Path dir = Path.of(System.getProperty("auditline.reliability.dir", "target/reliability"))
                .resolveSibling("client-spool-kill");
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Path spoolDir = dir.resolve("spool");
        Path idsFile = dir.resolve("ids.txt");
        int port = Servers.freePort();
        String url = "http://127.0.0.1:" + port;

        Path firstLog = dir.resolve("client-1.log");
        Process first =
                startClient(firstLog, "spool", url, spoolDir.toString(), String.valueOf(EVENTS), idsFile.toString());
        try {
            String spooled = awaitLine(first, firstLog, "SPOOLED ");
            assertThat(spooled)
                    .as("the client's stats before DataStorage is up")
                    .startsWith("SPOOLED " + EVENTS + " ");

            try (DataStorage server = DataStorage.start(Servers.config(db, port), Clock.systemUTC())) {
                await("the killed client's replay stores its first rows")
                        .atMost(CHILD_TIMEOUT)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> database.counts().rows() > 0);
                first.destroyForcibly();
                assertThat(first.waitFor(30, TimeUnit.SECONDS))
                        .as("client died of SIGKILL")
                        .isTrue();
                long rowsAtKill = database.counts().rows();

                Path secondLog = dir.resolve("client-2.log");
                Process second = startClient(secondLog, "drain", url, spoolDir.toString());
                try {
                    assertThat(second.waitFor(CHILD_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS))
                            .as("restarted client drained the spool (log %s)", secondLog)
                            .isTrue();
                    assertThat(second.exitValue())
                            .as("exit value; see %s", secondLog)
                            .isZero();
                } finally {
                    second.destroyForcibly();
                }

                List<String> ids = Files.readAllLines(idsFile);
                assertThat(new HashSet<>(ids)).hasSize(EVENTS);
                AuditDatabase.Counts counts = database.counts();
                assertThat(counts.rows())
                        .as("rows (%d were stored when the client was killed)", rowsAtKill)
                        .isEqualTo(EVENTS);
                assertThat(counts.distinctIds()).isEqualTo(EVENTS);
                assertThat(Files.readString(secondLog)).contains("DRAINED ");
            }
        } finally {
            first.destroyForcibly();
        }
    }

    private static Process startClient(Path log, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                SpoolingClientMain.class.getName()));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the client child JVM", e);
        }
    }

    /** Waits until the client printed a line starting with {@code prefix}, and returns it. */
    private static String awaitLine(Process process, Path log, String prefix) {
        return await("client printed " + prefix.trim() + " (log " + log + ")")
                .atMost(CHILD_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException(
                                        "client exited with " + process.exitValue() + "; see " + log);
                            }
                            if (!Files.exists(log)) {
                                return null;
                            }
                            return Files.readAllLines(log).stream()
                                    .filter(l -> l.startsWith(prefix))
                                    .findFirst()
                                    .orElse(null);
                        },
                        line -> line != null);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

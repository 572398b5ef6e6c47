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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
    private static final String ID = "client-killed-with-spool";
    private static final int EVENTS = 50_000;
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

        long startNanos = System.nanoTime();
        Instant startedAt = Instant.now();
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
                Duration drain;
                long restartNanos = System.nanoTime();
                Process second = startClient(secondLog, "drain", url, spoolDir.toString());
                try {
                    assertThat(second.waitFor(CHILD_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS))
                            .as("restarted client drained the spool (log %s)", secondLog)
                            .isTrue();
                    drain = Duration.ofNanos(System.nanoTime() - restartNanos);
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
                String drained = Files.readAllLines(secondLog).stream()
                        .filter(l -> l.startsWith("DRAINED "))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no DRAINED line in " + secondLog));
                long duplicates = new EventQueries(url).duplicatesIngested();
                long recoveredRecords = field(drained, "recoveredRecords");
                long recoveredAcked = field(drained, "recoveredAcked");
                assertThat(recoveredAcked)
                        .as("the restarted client acked every event it found: %s", drained)
                        .isGreaterThanOrEqualTo(EVENTS - rowsAtKill);
                assertThat(field(drained, "recoveredRejected") + field(drained, "recoveredDropped"))
                        .as("nothing rejected or dropped by the restarted client: %s", drained)
                        .isZero();

                ReliabilityReport.record(new ScenarioResult(
                                ID,
                                "Client SIGKILLed with data in its spool, restarted",
                                EVENTS,
                                recoveredAcked,
                                field(spooled, "spooled"),
                                0,
                                Map.of(),
                                counts.rows(),
                                counts.distinctIds(),
                                drain.toMillis(),
                                Latencies.NONE,
                                database.commitLag(startedAt),
                                Duration.ofNanos(System.nanoTime() - startNanos).toSeconds(),
                                "Client in a child JVM (SpoolingClientMain: one producer thread) stored " + EVENTS
                                        + " events while no DataStorage listened: " + field(spooled, "spooledPending")
                                        + " events pending in " + field(spooled, "pendingRecords") + " records ("
                                        + field(spooled, "pendingBytes")
                                        + " bytes). DataStorage then started on its port and"
                                        + " the client was SIGKILLed as soon as its replay had stored the first rows: "
                                        + rowsAtKill + " rows in PostgreSQL at the kill, replay progress not saved. The"
                                        + " restarted client (same spool.dir) recovered " + recoveredRecords
                                        + " records and acked " + recoveredAcked
                                        + " events (recovered_acked; DataStorage"
                                        + " answered " + duplicates + " of them as duplicates, the resends of what was"
                                        + " stored before the kill). Rows = distinct ids = " + counts.rows()
                                        + " = every id the first client wrote to its ids file: nothing lost, nothing"
                                        + " duplicated. Acked = the restarted client's recovered_acked (the killed one's"
                                        + " own count died with it). Drain = from the restart of the client (a new JVM)"
                                        + " until it exited with its spool empty. Commit lag includes the time in the"
                                        + " spool.",
                                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                                ConfigDiff.describe(ConfigDiff.client(SpoolingClientMain.config(url, spoolDir))),
                                -1,
                                IdCheck.of(
                                        ids.stream().map(UUID::fromString).collect(Collectors.toSet()),
                                        database.eventIds(),
                                        counts.rows()))
                        .tunedBecause("the row shows the client spool surviving a kill of its process: every"
                                + " event goes to the spool after the shortest delivery_timeout allowed"));
            }
        } finally {
            first.destroyForcibly();
        }
    }

    /** A {@code name=<number>} field of a stats line the child printed. */
    private static long field(String line, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=(\\d+)").matcher(line);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in: " + line);
        }
        return Long.parseLong(m.group(1));
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

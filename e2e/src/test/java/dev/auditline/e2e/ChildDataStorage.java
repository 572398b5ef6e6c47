package dev.auditline.e2e;

import static org.awaitility.Awaitility.await;

import dev.auditline.datastorage.store.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * DataStorage run as a child JVM ({@code dev.auditline.datastorage.Main --config …}, through
 * {@link ChildMain}) on a fixed port of 127.0.0.1, so a test can kill it the hard way ({@code
 * SIGKILL}: no drain, no shutdown hook, connections cut mid-request) and start it again on the same
 * port. The child ends by itself when this JVM goes away.
 */
public final class ChildDataStorage implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path configFile;
    private final Path logFile;
    private final int port;
    private final String maxHeap;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private ChildDataStorage(Path configFile, Path logFile, int port, String maxHeap) {
        this.configFile = configFile;
        this.logFile = logFile;
        this.port = port;
        this.maxHeap = maxHeap;
    }

    /**
     * DataStorage at its defaults on the embedded SQLite store in {@code dir}, with {@code -Xmx}
     * {@code maxHeap}: only the listen address and the store's paths are set.
     */
    public static ChildDataStorage prepareSqlite(Path dir, String maxHeap) {
        int port = Servers.freePort();
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("datastorage.yaml");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "server:",
                            "  listen: 127.0.0.1:" + port,
                            "storage:",
                            "  url: \"sqlite:" + dir.resolve("audit.db") + "\"",
                            "kubernetes:",
                            "  quarantine:",
                            "    file: " + dir.resolve("k8s-quarantine.jsonl"),
                            ""));
            return new ChildDataStorage(config, dir.resolve("datastorage.log"), port, maxHeap);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Writes the server's YAML (and credentials file) into {@code dir}; call {@link #start()} next. */
    public static ChildDataStorage prepare(TestPostgres.Database database, Path dir) {
        int port = Servers.freePort();
        try {
            Files.createDirectories(dir);
            Path credentials = dir.resolve("credentials.yaml");
            Files.writeString(
                    credentials, "username: \"" + database.user() + "\"\npassword: \"" + database.password() + "\"\n");
            Path config = dir.resolve("datastorage.yaml");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "server:",
                            "  listen: 127.0.0.1:" + port,
                            "storage:",
                            "  url: \"" + database.jdbcUrl() + "\"",
                            "  credentials_file: " + credentials,
                            ""));
            return new ChildDataStorage(config, dir.resolve("datastorage.log"), port, "256m");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts the server process and waits until {@code /readyz} answers 200. */
    public void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("DataStorage child is already running on port " + port);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(
                java,
                "-Xmx" + maxHeap,
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                ChildMain.class.getName(),
                "--config",
                configFile.toString());
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the DataStorage child JVM", e);
        }
        Process started = process;
        await("DataStorage child ready on port " + port + " (log " + logFile + ")")
                .atMost(READY_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException(
                                "DataStorage child exited with " + started.exitValue() + "; see " + logFile);
                    }
                    return ready();
                });
    }

    private boolean ready() {
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl() + "/readyz"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * {@code SIGTERM}, as a rolling restart sends: DataStorage stops taking requests, finishes the
     * ones under way (within its {@code shutdown_timeout}) and exits.
     */
    public void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("DataStorage child did not stop within 60s of SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the DataStorage child", e);
        }
        process = null;
    }

    /** {@code SIGKILL}: the process ends at once, mid-request, without draining. */
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("DataStorage child did not die within 30s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing the DataStorage child", e);
        }
        process = null;
    }

    @Override
    public void close() {
        kill();
    }
}

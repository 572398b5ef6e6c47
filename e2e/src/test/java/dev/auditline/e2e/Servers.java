package dev.auditline.e2e;

import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.store.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;

/** Starts the real DataStorage in this JVM, on 127.0.0.1, in front of a test database. */
public final class Servers {
    private Servers() {}

    /**
     * DataStorage on a random port of 127.0.0.1, storing into {@code database}, every other key at
     * its default.
     */
    public static DataStorage dataStorage(TestPostgres.Database database) {
        return DataStorage.start(config(database, 0), Clock.systemUTC());
    }

    static DataStorageConfig config(TestPostgres.Database database, int port) {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        return defaults.withServer(defaults.server().withPort(port))
                .withStorage(defaults.storage()
                        .withUrl(database.jdbcUrl())
                        .withCredentials(database.user(), database.password()));
    }

    /** A port free on 127.0.0.1 right now, for a server that must come back on the same port. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

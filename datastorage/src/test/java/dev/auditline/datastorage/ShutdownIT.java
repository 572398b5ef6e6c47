package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Graceful shutdown: /readyz turns 503, in-flight requests finish, all within shutdown_timeout. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownIT {
    Path dir;
    DataStorage server;
    ControllableRepository repository;

    private ApiClient start(Duration shutdownTimeout) throws IOException {
        dir = Files.createTempDirectory("datastorage-shutdown-it");
        DataStorageConfig d = DataStorageConfig.defaults();
        ServerConfig s = d.server().withPort(0);
        DataStorageConfig config = d.withServer(new ServerConfig(
                        s.host(), 0, s.maxBatchSize(), s.maxRequestBytes(), null, shutdownTimeout, s.ingestWait()))
                .withStorage(d.storage().withUrl("sqlite:" + dir.resolve("audit.db")));
        server = DataStorage.start(config, Clock.systemUTC(), real -> repository = new ControllableRepository(real));
        return new ApiClient(server.baseUrl());
    }

    @AfterEach
    void cleanUp() {
        if (repository != null) {
            repository.releaseWrites();
        }
        if (server != null) {
            server.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    @Test
    void drainsInFlightRequestsAndReportsNotReadyWhileDraining() throws Exception {
        ApiClient api = start(Duration.ofSeconds(10));
        repository.holdWrites();
        String body =
                WireEvents.batch(WireEvents.valid("shutdown", Instant.now().truncatedTo(ChronoUnit.MICROS)));
        CompletableFuture<ApiClient.Reply> inFlight =
                CompletableFuture.supplyAsync(() -> api.post(DataStorageApiContract.BATCH, body));
        await().atMost(Duration.ofSeconds(10)).until(() -> repository.blockedWrites() == 1);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

        await().atMost(Duration.ofSeconds(5)).until(() -> api.get("/readyz").status() == 503);
        ApiClient.Reply refused = api.get(DataStorageApiContract.EVENTS);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(closing).isNotDone();

        repository.releaseWrites();

        assertThat(inFlight.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        closing.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> api.get("/healthz")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void stopsWithinTheShutdownTimeoutWhenARequestNeverFinishes() throws Exception {
        ApiClient api = start(Duration.ofMillis(500));
        repository.holdWrites();
        String body = WireEvents.batch(WireEvents.valid("stuck", Instant.now().truncatedTo(ChronoUnit.MICROS)));
        CompletableFuture.runAsync(() -> {
            try {
                api.post(DataStorageApiContract.BATCH, body);
            } catch (RuntimeException expected) {
                // the connection is cut when the server gives up waiting
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> repository.blockedWrites() == 1);

        long start = System.nanoTime();
        server.close();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        // the drain and Jetty's stop share one 500 ms budget; the rest is closing the pool
        assertThat(tookMillis).isLessThan(1_500);
        server.close(); // idempotent
    }
}

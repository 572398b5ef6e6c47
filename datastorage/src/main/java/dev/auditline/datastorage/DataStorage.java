package dev.auditline.datastorage;

import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.fallback.FallbackSpool;
import dev.auditline.datastorage.http.HttpApi;
import dev.auditline.datastorage.log.SigningKey;
import dev.auditline.datastorage.log.TransparencyLog;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.retention.RetentionTask;
import dev.auditline.datastorage.store.EventRepositories;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.StorageConfig;
import dev.auditline.spool.SpoolConfig;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running DataStorage: the composition root that wires config → repository → metrics → HTTP
 * server through constructors, and the one {@link #close()} that shuts it down in order (drain,
 * stop Jetty, close the pool) within {@code server.shutdown_timeout}.
 */
public final class DataStorage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataStorage.class);

    private final DataStorageConfig config;
    private final EventRepository repository;
    private final FallbackSpool fallback; // null when storage.fallback_spool.dir is not set
    private final HttpApi api;
    private final RetentionTask retention; // null when retention.default_days is 0
    private final TransparencyLog log;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DataStorage(
            DataStorageConfig config,
            EventRepository repository,
            FallbackSpool fallback,
            HttpApi api,
            RetentionTask retention,
            TransparencyLog log) {
        this.config = config;
        this.repository = repository;
        this.fallback = fallback;
        this.api = api;
        this.retention = retention;
        this.log = log;
    }

    /** Opens the configured store and starts serving. */
    public static DataStorage start(DataStorageConfig config, Clock clock) {
        return start(config, clock, UnaryOperator.identity());
    }

    /**
     * As {@link #start(DataStorageConfig, Clock)}, with the opened repository passed through
     * {@code decorate} first: tests wrap it to simulate an outage or a slow database.
     *
     * @throws IllegalArgumentException when the tokens file is invalid
     */
    public static DataStorage start(DataStorageConfig config, Clock clock, UnaryOperator<EventRepository> decorate) {
        LOG.info(
                "Starting DataStorage with effective configuration:\n  {}",
                config.describe().replace("\n", "\n  "));
        Authenticator authenticator = null;
        if (config.server().authTokensFile() != null) {
            authenticator = Authenticator.fromFile(config.server().authTokensFile());
            LOG.info("Auth on: {} clients from {}", authenticator.clientCount(), authenticator.file());
        }
        Path spoolDir = config.storage().fallbackSpoolDir();
        StorageConfig storageConfig = config.storage().toStorageConfig();
        if (spoolDir != null) {
            // one connection more than the database permits of the HTTP layer: the replayer's, so a
            // replay never makes a request wait for the pool (and mistake that for an outage)
            storageConfig = storageConfig.withPoolSize(storageConfig.poolSize() + 1);
        }
        EventRepository opened = EventRepositories.open(storageConfig, clock);
        EventRepository repository = decorate.apply(opened);
        FallbackSpool fallback = null;
        TransparencyLog log = null;
        try {
            // the key is read before anything is served: a bad key file fails the start, never a checkpoint later
            SigningKey key = SigningKey.loadOrCreate(config.log().signingKeyFile(config.storage()));
            log = TransparencyLog.start(
                    config.storage().toStorageConfig(),
                    key,
                    config.log().origin(),
                    config.log().checkpointInterval(),
                    clock);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            if (opened instanceof MeterBinder binder) {
                binder.bindTo(registry); // the store's pool metrics (Hikari), whatever wraps it
            }
            ServerMetrics metrics = new ServerMetrics(registry);
            if (authenticator != null) {
                authenticator.bindTo(registry); // the tokens file's state: valid, last reload
            }
            if (spoolDir != null) {
                fallback = FallbackSpool.start(
                        fallbackSpoolConfig(spoolDir, config.storage().fallbackSpoolMaxBytes()),
                        repository,
                        metrics,
                        clock);
            }
            HttpApi api =
                    new HttpApi(config, repository, fallback, authenticator, metrics, registry::scrape, clock, log);
            api.start();
            LOG.info("DataStorage listening on {}:{}", config.server().host(), api.port());
            if (authenticator == null) {
                LOG.warn(
                        "server.auth.tokens_file is not set: the API is OPEN, anyone who can reach {}:{} may read"
                                + " and write events",
                        config.server().host(),
                        api.port());
            }
            int days = config.retention().defaultDays();
            TransparencyLog signer = log;
            // a signed record per removed month: verify reports those entries as pruned, not missing
            RetentionTask retention =
                    days > 0 ? RetentionTask.start(repository, days, clock, signer::recordRetention) : null;
            return new DataStorage(config, repository, fallback, api, retention, log);
        } catch (IOException e) {
            if (log != null) {
                log.close();
            }
            repository.close();
            throw new UncheckedIOException(
                    "storage.fallback_spool.dir: cannot open the fallback spool in " + spoolDir + ": " + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            if (fallback != null) {
                fallback.close(config.server().shutdownTimeout());
            }
            if (log != null) {
                log.close();
            }
            repository.close();
            throw e;
        }
    }

    /**
     * Segments of a quarter of {@code max_bytes} at most (16 MiB by default): space comes back a
     * whole segment at a time, once every record in it was replayed.
     */
    static SpoolConfig fallbackSpoolConfig(Path dir, long maxBytes) {
        long segmentBytes = Math.min(SpoolConfig.DEFAULT_SEGMENT_BYTES, Math.max(maxBytes / 4, 1024));
        return new SpoolConfig(dir, maxBytes, Math.min(segmentBytes, maxBytes), SpoolConfig.DEFAULT_SEGMENT_MAX_AGE);
    }

    /** The bound port (useful with {@code listen: 127.0.0.1:0}). */
    public int port() {
        return api.port();
    }

    public String baseUrl() {
        String host = config.server().host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /**
     * Graceful shutdown: {@code /readyz} turns 503, in-flight requests finish, Jetty stops, the
     * fallback spool's replayer stops and the spool is sealed, the pool closes; all within {@code
     * server.shutdown_timeout}. Idempotent; logs what it could not finish.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Duration timeout = config.server().shutdownTimeout();
        long start = System.nanoTime();
        LOG.info("Shutting down: draining {} in-flight requests", api.inFlight());
        api.beginDrain();
        if (!api.awaitIdle(timeout)) {
            LOG.warn("Timed out waiting for {} in-flight requests after {}; stopping anyway", api.inFlight(), timeout);
        }
        // Jetty gets what is left of the same budget, so the whole shutdown stays within shutdown_timeout
        Duration left = timeout.minus(Duration.ofNanos(System.nanoTime() - start));
        try {
            api.close(left.isNegative() ? Duration.ofMillis(1) : left);
        } catch (RuntimeException e) {
            LOG.warn("Stopping the HTTP server failed", e);
        }
        if (fallback != null) {
            // after Jetty: no request appends any more; the replayer stops, the open segment is sealed
            Duration rest = timeout.minus(Duration.ofNanos(System.nanoTime() - start));
            fallback.close(rest.isNegative() ? Duration.ofMillis(1) : rest);
        }
        log.close();
        repository.close();
        LOG.info(
                "DataStorage stopped in {} ms",
                Duration.ofNanos(System.nanoTime() - start).toMillis());
    }
}

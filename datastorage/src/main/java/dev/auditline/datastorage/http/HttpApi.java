package dev.auditline.datastorage.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.json.EventDecoder;
import dev.auditline.api.wire.Problem;
import dev.auditline.api.wire.ServerLimits;
import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.KubernetesConfig;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.fallback.FallbackSpool;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import dev.auditline.datastorage.k8s.QuarantineFile;
import dev.auditline.datastorage.log.TransparencyLog;
import dev.auditline.datastorage.metrics.ServerMetrics;
import dev.auditline.datastorage.store.EventRepository;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DataStorage's HTTP server (DESIGN §3) on Javalin/Jetty: the route tables of each feature, the
 * one problem mapper, auth, request metrics and draining. Handlers stay thin; this class only
 * wires them.
 *
 * <p>Shutdown drains: {@link #beginDrain()} makes {@code /readyz} answer 503 and refuses new
 * {@code /api} requests, {@link #awaitIdle(Duration)} waits for in-flight requests, and
 * {@link #close()} stops Jetty.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

    private final Javalin app;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object idleLock = new Object();
    private final ServerMetrics metrics;
    private final Auth auth;
    private final Duration shutdownTimeout;
    private final LogSignal logSignal = new LogSignal();
    private final QuarantineFile quarantine;

    /**
     * @param authenticator {@code null} runs the API open
     * @param fallback where ingest goes while the database is down; {@code null} answers {@code 503}
     * @param scrape renders {@code /metrics}
     */
    public HttpApi(
            DataStorageConfig config,
            EventRepository repository,
            FallbackSpool fallback,
            Authenticator authenticator,
            ServerMetrics metrics,
            Supplier<String> scrape,
            Clock clock) {
        this(config, repository, fallback, authenticator, metrics, scrape, clock, null);
    }

    /** @param log the verifiable log whose routes to serve; {@code null} serves none */
    public HttpApi(
            DataStorageConfig config,
            EventRepository repository,
            FallbackSpool fallback,
            Authenticator authenticator,
            ServerMetrics metrics,
            Supplier<String> scrape,
            Clock clock,
            TransparencyLog log) {
        this.metrics = metrics;
        this.auth = new Auth(authenticator);
        ServerConfig server = config.server();
        this.shutdownTimeout = server.shutdownTimeout();
        ServerLimits limits = new ServerLimits(
                server.maxBatchSize(),
                server.maxRequestBytes(),
                config.validation().maxEventDataBytes());
        StorageGate gate = new StorageGate(config.storage().poolSize(), server.ingestWait(), metrics);
        // /readyz and /metrics are open to anyone: their database probe is shared, rate-limited and
        // takes a free database permit only, so callers cannot load the database or starve requests of the pool
        ReadinessProbe readiness = new ReadinessProbe(
                () -> gate.ifFree(repository::isReady), System::nanoTime, gate::lastUnavailableNanos);
        // known down: answer at once instead of waiting for the pool's connection_timeout at each scrape
        metrics.bindStorageReady(() -> (fallback == null || !fallback.storageDown()) && readiness.ready());
        IngestRoutes ingest = new IngestRoutes(
                repository,
                fallback,
                logSignal,
                new EventDecoder(config.validation().limits()),
                new RequestBodies(server.maxRequestBytes()),
                gate,
                metrics,
                limits,
                clock);
        KubernetesConfig k8s = config.kubernetes();
        this.quarantine = new QuarantineFile(k8s.quarantineFile(), k8s.quarantineMaxBytes(), clock);
        KubernetesRoutes kubernetes = new KubernetesRoutes(
                new KubernetesAuditMapping(
                        k8s.storedStages(), config.validation().limits()),
                quarantine,
                ingest,
                new RequestBodies(server.maxRequestBytes()),
                metrics,
                server.maxBatchSize(),
                clock);
        List<Route> routes = new ArrayList<>();
        routes.addAll(ingest.routes());
        routes.addAll(kubernetes.routes());
        long maxPageBytes = config.query().maxPageBytes();
        routes.addAll(new QueryRoutes(repository, gate, clock, maxPageBytes).routes());
        routes.addAll(new LogRoutes(repository, gate, logSignal, maxPageBytes).routes());
        routes.addAll(new ViewerRoutes(repository, gate, clock, maxPageBytes).routes());
        BooleanSupplier tokensValid = authenticator == null
                ? () -> true
                : () -> authenticator.health().valid();
        routes.addAll(new OpsRoutes(readiness::ready, fallback, draining::get, tokensValid, scrape, limits).routes());
        if (log != null) {
            routes.addAll(new VerifiableLogRoutes(log).routes());
        }

        BodyAdmission bodies = new BodyAdmission(server.connections(), server.maxRequestBytes(), metrics);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = server.host();
            cfg.jetty.port = server.port();
            // we read bodies ourselves within max_request_bytes; Javalin's own limit must never answer first
            cfg.http.maxRequestSize = Math.max(server.maxRequestBytes(), cfg.http.maxRequestSize);
            cfg.http.prefer405over404 = true;
            cfg.router.ignoreTrailingSlashes = true;
            cfg.jetty.modifyServer(s -> {
                s.setStopTimeout(server.shutdownTimeout().toMillis());
                s.setErrorHandler(new ProblemErrorHandler());
                // outermost: bodies are read in full, without a thread, before any route runs
                s.insertHandler(bodies);
                if (server.accessLog()) {
                    s.setRequestLog(new AccessLog());
                }
            });
            for (Route route : routes) {
                cfg.routes.addHttpHandler(route.method(), route.path(), guard(route, ingest));
                if (route.method() == HandlerType.GET && route.isApi() && !hasOwnHead(routes, route.path())) {
                    // Javalin answers HEAD for a GET route without running it: the same guard, the same token
                    cfg.routes.addHttpHandler(HandlerType.HEAD, route.path(), guard(route, ingest));
                }
            }
            cfg.routes.exception(ApiProblem.class, (e, ctx) -> ProblemMapper.write(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> ProblemMapper.writeJavalin(ctx, e));
            cfg.routes.exception(Exception.class, (e, ctx) -> ProblemMapper.writeUnexpected(ctx, e));
            cfg.requestLogger.http(this::recordRequest);
        });
    }

    /** Whether the table declares its own HEAD for {@code path} (instead of HEAD running the GET). */
    private static boolean hasOwnHead(List<Route> routes, String path) {
        return routes.stream()
                .anyMatch(r -> r.method() == HandlerType.HEAD && r.path().equals(path));
    }

    /** Binds the listen address; returns once the server accepts connections. */
    public HttpApi start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    /** {@code /readyz} answers 503 from now on and new {@code /api} requests are refused with 503. */
    public void beginDrain() {
        draining.set(true);
        // long-polls answer with what they have instead of holding the drain
        logSignal.close();
    }

    /** Waits until no request is being handled. @return {@code false} when {@code timeout} passed first */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idleLock) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(idleLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Stops Jetty, waiting at most {@code timeout} for its connections to close. Idempotent. */
    public void close(Duration timeout) {
        if (closed.compareAndSet(false, true)) {
            draining.set(true);
            logSignal.close();
            app.jettyServer().server().setStopTimeout(Math.max(1, timeout.toMillis()));
            app.stop();
            try {
                quarantine.close();
            } catch (IOException e) {
                LOG.warn("Closing the quarantine file {} failed", quarantine.file(), e);
            }
        }
    }

    /** Stops Jetty within {@code server.shutdown_timeout}. Idempotent. */
    @Override
    public void close() {
        close(shutdownTimeout);
    }

    private Handler guard(Route route, IngestRoutes ingestRoutes) {
        Handler handler = route.handler();
        boolean api = route.isApi();
        boolean ingest = route.method() == HandlerType.POST && route.path().startsWith(IngestRoutes.SINGLE);
        return ctx -> {
            inFlight.incrementAndGet();
            AccessLog.route(ctx, route.path());
            try {
                if (ingest) {
                    // on every ingest answer, errors included, so a client learns the limits early
                    ingestRoutes.limitHeaders(ctx);
                }
                if (api && draining.get()) {
                    throw ApiProblem.of(503, "shutting-down", "Shutting down", "the server is shutting down")
                            .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
                }
                if (api) {
                    auth.check(ctx, route.permission());
                }
                handler.handle(ctx);
            } finally {
                if (inFlight.decrementAndGet() == 0) {
                    synchronized (idleLock) {
                        idleLock.notifyAll();
                    }
                }
            }
        };
    }

    private void recordRequest(Context ctx, Float millis) {
        String route = "unmatched";
        try {
            Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
            if (endpoint != null) {
                route = endpoint.path;
            }
        } catch (RuntimeException e) {
            // no endpoint matched: keep "unmatched", a bounded tag value
        }
        String method = METHODS.contains(ctx.method().name()) ? ctx.method().name() : "OTHER";
        metrics.httpRequest(method, route, ctx.statusCode(), (long) (millis * 1_000_000L));
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} -> {} in {} ms", method, ctx.path(), ctx.statusCode(), millis);
        }
    }

    /**
     * Jetty's own errors (malformed requests, oversize headers) as problem+json too; a path whose
     * parameter Jetty could not decode is answered as a bad parameter, naming it ({@link
     * PathParameters}).
     */
    private static final class ProblemErrorHandler extends ErrorHandler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus() < 400 ? 500 : response.getStatus();
            Object message = request.getAttribute(ERROR_MESSAGE);
            Problem problem = new Problem(
                    ApiProblem.TYPE_BASE + "http-" + status,
                    "HTTP " + status,
                    status,
                    message == null ? "the request could not be processed" : message.toString(),
                    null);
            if (status == 400 && request.getHttpURI() != null) {
                problem = PathParameters.problem(
                                request.getHttpURI().getPath(), message == null ? null : message.toString())
                        .map(ApiProblem::problem)
                        .orElse(problem);
            }
            byte[] body;
            try {
                body = AuditJson.mapper().writeValueAsBytes(problem);
            } catch (JsonProcessingException e) {
                body = ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
    }
}

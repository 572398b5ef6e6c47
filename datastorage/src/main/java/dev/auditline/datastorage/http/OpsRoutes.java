package dev.auditline.datastorage.http;

import dev.auditline.api.wire.ServerLimits;
import dev.auditline.datastorage.fallback.FallbackSpool;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Probes, metrics, the advertised limits and the OpenAPI file. */
final class OpsRoutes {
    static final String OPENAPI_RESOURCE = "/openapi.yaml";

    private final BooleanSupplier databaseReady;
    private final FallbackSpool fallback; // null when not configured
    private final BooleanSupplier draining;
    private final BooleanSupplier tokensValid;
    private final Supplier<String> scrape;
    private final ServerLimits limits;
    private final byte[] openApi;

    OpsRoutes(
            BooleanSupplier databaseReady,
            FallbackSpool fallback,
            BooleanSupplier draining,
            BooleanSupplier tokensValid,
            Supplier<String> scrape,
            ServerLimits limits) {
        this.databaseReady = databaseReady;
        this.fallback = fallback;
        this.draining = draining;
        this.tokensValid = tokensValid;
        this.scrape = scrape;
        this.limits = limits;
        this.openApi = loadOpenApi();
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/healthz", null, this::healthz),
                new Route(HandlerType.GET, "/readyz", null, this::readyz),
                new Route(HandlerType.GET, "/metrics", null, this::metrics),
                new Route(HandlerType.GET, "/openapi.yaml", null, this::openApi),
                new Route(HandlerType.GET, "/api/v1/limits", null, this::limits));
    }

    private void healthz(Context ctx) {
        Json.write(ctx, 200, Map.of("status", "ok"));
    }

    private void readyz(Context ctx) {
        if (draining.getAsBoolean()) {
            throw ApiProblem.of(503, "not-ready", "Not ready", "the server is shutting down")
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
        if (!tokensValid.getAsBoolean()) {
            // every token is refused until the file is fixed: take this server out of rotation.
            // The probe is open to anyone, so the file's path and problem stay in the server log.
            throw ApiProblem.of(
                            503, "not-ready", "Not ready", "the tokens file is invalid or missing; see the server log")
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
        if (fallback == null) {
            if (!databaseReady.getAsBoolean()) {
                throw ApiProblem.of(503, "not-ready", "Not ready", "the database cannot be reached or is not migrated")
                        .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
            }
            Json.write(ctx, 200, Map.of("status", "ready"));
            return;
        }
        readyWithFallback(ctx);
    }

    /**
     * With the fallback spool, a database outage is <em>degraded</em>, not unready: {@code 200}, so
     * load balancers keep sending ingest here, where it is acknowledged durably (queries still get
     * {@code 503}). Only when the spool cannot take records either (full or failed) is the answer
     * {@code 503}, so traffic moves to a server that can store it.
     */
    private void readyWithFallback(Context ctx) {
        // a failed probe only reports: ingest moves to the spool when an insert fails, never because
        // an unauthenticated caller asked at the wrong moment
        boolean databaseUp = !fallback.storageDown() && databaseReady.getAsBoolean();
        FallbackSpool.Status s = fallback.status();
        Map<String, Object> spool = new LinkedHashMap<>();
        spool.put("status", s.accepting() ? "accepting" : "refusing");
        spool.put("pending_records", s.pendingRecords());
        spool.put("pending_bytes", s.pendingBytes());
        spool.put("max_bytes", s.maxBytes());
        if (databaseUp || s.accepting()) {
            Map<String, Object> body = new LinkedHashMap<>(); // status first, for people reading it
            body.put("status", databaseUp ? "ready" : "degraded");
            body.put("storage", databaseUp ? "available" : "unavailable");
            body.put("fallback_spool", spool);
            Json.write(ctx, 200, body);
        } else {
            throw ApiProblem.of(
                            503,
                            "not-ready",
                            "Not ready",
                            "the database cannot be reached and the fallback spool is full or failed")
                    .with("fallback_spool", spool)
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
    }

    private void metrics(Context ctx) {
        ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape.get());
    }

    private void openApi(Context ctx) {
        ctx.status(200).contentType("application/yaml").result(openApi);
    }

    private void limits(Context ctx) {
        Json.write(ctx, 200, limits);
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = OpsRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.auditline.datastorage.http;

import dev.auditline.api.wire.ServerLimits;
import dev.auditline.datastorage.store.EventRepository;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Probes, metrics, the advertised limits and the OpenAPI file. */
final class OpsRoutes {
    static final String OPENAPI_RESOURCE = "/openapi.yaml";

    private final EventRepository repository;
    private final BooleanSupplier draining;
    private final Supplier<String> scrape;
    private final ServerLimits limits;
    private final byte[] openApi;

    OpsRoutes(EventRepository repository, BooleanSupplier draining, Supplier<String> scrape, ServerLimits limits) {
        this.repository = repository;
        this.draining = draining;
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
        if (!repository.isReady()) {
            throw ApiProblem.of(503, "not-ready", "Not ready", "the database cannot be reached or is not migrated")
                    .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
        }
        Json.write(ctx, 200, Map.of("status", "ready"));
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

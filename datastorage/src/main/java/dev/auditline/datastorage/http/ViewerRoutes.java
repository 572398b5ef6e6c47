package dev.auditline.datastorage.http;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.UuidV7;
import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepository;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The trail viewer: a static page (HTML, vanilla JS, CSS from the jar, no build step) at {@code
 * /ui}, and {@code GET /ui/api/search}, the query the page uses.
 *
 * <p>The page itself holds no data and is served to anyone; every piece of the trail comes through
 * {@code /ui/api/search}, which takes the same bearer token and read permission as the API. That
 * route exists so viewing is recorded by the server, not by the browser's good will: each answer is
 * preceded by storing an {@value #VIEWED} event (actor: the token's client, {@code anonymous} with
 * auth off; event_data: the filters), and if that event cannot be stored, nothing is shown.
 *
 * <p>The assets are sent with a strict Content-Security-Policy (scripts and styles from this origin
 * only, no inline script), a second line of defence behind the page's rule of never putting event
 * content into HTML.
 */
final class ViewerRoutes {
    static final String PAGE = "/ui";
    static final String ASSET = "/ui/{asset}";
    static final String SEARCH = "/ui/api/search";
    static final String VIEWED = "auditline.trail.viewed";
    /** Every view event shares this correlation id, so "who looked at what" is one query away. */
    static final String VIEWER_CORRELATION_ID = "auditline.viewer";

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
            + " frame-ancestors 'none'";

    /** What the page says it shows the results for; free text from the browser, so a bounded label only. */
    private static final List<String> VIEWS = List.of("search", "timeline", "download", "tail");

    private record Asset(byte[] body, String contentType) {}

    private final EventRepository repository;
    private final StorageGate gate;
    private final Clock clock;
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    private final long maxPageBytes;

    ViewerRoutes(EventRepository repository, StorageGate gate, Clock clock, long maxPageBytes) {
        this.maxPageBytes = maxPageBytes;
        this.repository = repository;
        this.gate = gate;
        this.clock = clock;
        assets.put("index.html", load("index.html", "text/html; charset=utf-8"));
        assets.put("viewer.js", load("viewer.js", "text/javascript; charset=utf-8"));
        assets.put("viewer.css", load("viewer.css", "text/css; charset=utf-8"));
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, PAGE, null, ctx -> serve(ctx, "index.html")),
                new Route(HandlerType.GET, ASSET, null, ctx -> serve(ctx, ctx.pathParam("asset"))),
                new Route(HandlerType.GET, SEARCH, Permission.READ, this::search),
                // every answer of the search is recorded as a look at the trail; a HEAD gets no answer,
                // so it is refused rather than recorded as a look nobody got (or served unrecorded)
                new Route(HandlerType.HEAD, SEARCH, Permission.READ, ViewerRoutes::refuseHead));
    }

    private static void refuseHead(Context ctx) {
        throw ApiProblem.of(
                        405,
                        "method-not-allowed",
                        "Method not allowed",
                        "the viewer's search answers GET only: each answer is recorded as a look at the trail")
                .header("Allow", "GET");
    }

    private void serve(Context ctx, String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            throw ApiProblem.of(404, "not-found", "Not found", "no such file in the viewer");
        }
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(asset.contentType()).result(asset.body());
    }

    private void search(Context ctx) {
        Map<String, List<String>> params = QueryString.parse(ctx.queryString());
        List<String> viewParam = params.remove("view");
        String view = viewParam == null || viewParam.isEmpty() ? "search" : viewParam.get(0);
        if (!VIEWS.contains(view)) {
            throw ApiProblem.badParameter("view", "must be one of " + VIEWS + " (got \"" + shorten(view) + "\")");
        }
        Instant now = clock.instant();
        EventQuery query = QueryRoutes.parse(params, now, maxPageBytes);
        EventPage page = gate.call(() -> repository.query(query));
        String client = Auth.clientName(ctx);
        AuditEvent viewed = viewedEvent(client, params, view, page.events().size(), now);
        gate.call(() -> repository.insertBatch(List.of(viewed), client));
        PageWriter.write(ctx, page, Map.of("viewed_event_id", viewed.eventId().toString()));
    }

    /** The record of one look at the trail: who, with which filters, how many events it was shown. */
    static AuditEvent viewedEvent(
            String client, Map<String, List<String>> params, String view, int returned, Instant now) {
        Map<String, Object> filters = new TreeMap<>();
        params.forEach((name, values) -> {
            if (!values.isEmpty() && !name.equals("cursor")) {
                filters.put(name, values.get(0));
            }
        });
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("view", view);
        data.put("filters", filters);
        data.put("next_page", params.containsKey("cursor"));
        data.put("returned", returned);
        String actor = client == null ? "anonymous" : client;
        String resource = filters.containsKey("correlation_id") ? (String) filters.get("correlation_id") : "search";
        return AuditEvent.builder()
                .eventId(UuidV7.next())
                .eventType(VIEWED)
                .eventCategory("audit")
                .eventAction("viewed")
                .eventOutcome(EventOutcome.SUCCESS)
                .eventTimestamp(now.truncatedTo(ChronoUnit.MICROS))
                .correlationId(VIEWER_CORRELATION_ID)
                .actor(client == null ? "anonymous" : "client", actor)
                .resource("audit_trail", resource.length() > 255 ? resource.substring(0, 255) : resource)
                .eventData(data)
                .build();
    }

    private static Asset load(String name, String contentType) {
        try (InputStream in = ViewerRoutes.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("viewer asset /ui/" + name + " is missing from the jar");
            }
            return new Asset(in.readAllBytes(), contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

package dev.auditline.datastorage.http;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.store.EventPage;
import dev.auditline.datastorage.store.EventQuery;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.PageCursor;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** {@code GET /api/v1/audit/events} (filters, order, keyset cursor) and get-by-id. */
final class QueryRoutes {
    static final String LIST = "/api/v1/audit/events";
    static final String BY_ID = "/api/v1/audit/events/{event_id}";

    private static final Set<String> PARAMETERS = Set.of(
            "correlation_id",
            "event_type",
            "event_category",
            "event_outcome",
            "actor_id",
            "resource_type",
            "resource_id",
            "since",
            "until",
            "order",
            "limit",
            "cursor");

    private final EventRepository repository;
    private final StorageGate gate;
    private final Clock clock;

    private final long maxPageBytes;

    QueryRoutes(EventRepository repository, StorageGate gate, Clock clock, long maxPageBytes) {
        this.repository = repository;
        this.gate = gate;
        this.clock = clock;
        this.maxPageBytes = maxPageBytes;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, LIST, Permission.READ, this::list),
                new Route(HandlerType.GET, BY_ID, Permission.READ, this::byId));
    }

    private void list(Context ctx) {
        EventQuery query = parse(QueryString.parse(ctx.queryString()), clock.instant(), maxPageBytes);
        EventPage page = gate.call(() -> repository.query(query));
        PageWriter.write(ctx, page, Map.of());
    }

    private void byId(Context ctx) {
        String raw = ctx.pathParam("event_id");
        UUID id;
        try {
            if (raw.length() != 36) {
                throw new IllegalArgumentException();
            }
            id = UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badParameter("event_id", "must be a UUID (got \"" + shorten(raw) + "\")");
        }
        AuditEvent event = gate.call(() -> repository.findById(id))
                .orElseThrow(() -> ApiProblem.of(404, "event-not-found", "Event not found", "no event " + id)
                        .with("event_id", id.toString()));
        Json.write(ctx, 200, event);
    }

    /**
     * Parses and checks every query parameter (already decoded by {@link QueryString}); a bad one
     * is a {@code 400} naming it. Never throws anything but {@link ApiProblem}.
     */
    static EventQuery parse(Map<String, List<String>> params, Instant now, long maxPageBytes) {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (!PARAMETERS.contains(p.getKey())) {
                throw ApiProblem.badParameter(
                        shorten(p.getKey()),
                        "unknown parameter (known: correlation_id, event_type, event_category, event_outcome,"
                                + " actor_id, resource_type, resource_id, since, until, order, limit, cursor)");
            }
            if (p.getValue().size() > 1) {
                throw ApiProblem.badParameter(p.getKey(), "must be given at most once");
            }
        }
        EventOutcome outcome = null;
        String outcomeText = text(params, "event_outcome");
        if (outcomeText != null) {
            try {
                outcome = EventOutcome.fromWire(outcomeText);
            } catch (IllegalArgumentException e) {
                throw ApiProblem.badParameter("event_outcome", e.getMessage());
            }
        }
        Instant since = time(params, "since", now);
        Instant until = time(params, "until", now);
        if (since != null && until != null && !since.isBefore(until)) {
            throw ApiProblem.badParameter(
                    "until", "must be after since (got since " + since + ", until " + until + ")");
        }
        boolean descending = false;
        String order = text(params, "order");
        if (order != null) {
            if (order.equals("desc")) {
                descending = true;
            } else if (!order.equals("asc")) {
                throw ApiProblem.badParameter("order", "must be asc or desc (got \"" + shorten(order) + "\")");
            }
        }
        int limit = EventQuery.DEFAULT_LIMIT;
        String limitText = text(params, "limit");
        if (limitText != null) {
            try {
                limit = Numbers.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > EventQuery.MAX_LIMIT) {
                throw ApiProblem.badParameter(
                                "limit",
                                "must be a whole number from 1 to " + EventQuery.MAX_LIMIT + " (got \""
                                        + shorten(limitText) + "\")")
                        .with("limit", EventQuery.MAX_LIMIT);
            }
        }
        PageCursor cursor = null;
        String cursorText = text(params, "cursor");
        if (cursorText != null) {
            try {
                cursor = PageCursor.decode(cursorText);
            } catch (IllegalArgumentException e) {
                throw ApiProblem.badParameter(
                        "cursor",
                        "not a cursor issued by this server; pass back the next_cursor of a previous page unchanged");
            }
        }
        return new EventQuery(
                text(params, "correlation_id"),
                text(params, "event_type"),
                text(params, "event_category"),
                outcome,
                text(params, "actor_id"),
                text(params, "resource_type"),
                text(params, "resource_id"),
                since,
                until,
                descending,
                limit,
                cursor,
                maxPageBytes);
    }

    private static String text(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        String v = values.get(0);
        if (v.isEmpty()) {
            throw ApiProblem.badParameter(name, "must not be empty; leave the parameter out instead");
        }
        if (v.indexOf('\u0000') >= 0) {
            throw ApiProblem.badParameter(name, "must not contain the NUL character");
        }
        return v;
    }

    private static Instant time(Map<String, List<String>> params, String name, Instant now) {
        String v = text(params, name);
        if (v == null) {
            return null;
        }
        Instant t;
        try {
            t = RelativeTime.parse(v, now);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badParameter(name, e.getMessage());
        }
        if (!EventQuery.inRange(t)) {
            throw ApiProblem.badParameter(
                            name,
                            "must be from " + EventQuery.EARLIEST + " to " + EventQuery.LATEST + " (got \"" + shorten(v)
                                    + "\")")
                    .with("minimum", EventQuery.EARLIEST.toString())
                    .with("maximum", EventQuery.LATEST.toString());
        }
        return t;
    }

    private static String shorten(String s) {
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }
}

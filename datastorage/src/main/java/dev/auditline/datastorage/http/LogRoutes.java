package dev.auditline.datastorage.http;

import dev.auditline.datastorage.auth.Permission;
import dev.auditline.datastorage.store.EventRepository;
import dev.auditline.datastorage.store.LogEntry;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/audit/log/entries}: the stored events in log (commit) order after a log index,
 * for {@code auditctl tail}, the viewer's live tail, exports and verification. An answer ends
 * after {@code limit} entries or before the entry that would take it past
 * {@code query.max_page_bytes}; {@code next_after} continues after the last entry sent. With {@code wait},
 * an empty answer is held until entries arrive (woken by {@link LogSignal}) or the wait ends.
 *
 * <p>A waiting request holds a Jetty thread but no database permit. At most {@value #MAX_WAITERS}
 * requests wait at once; the next one is answered {@code 429} so tails cannot starve ingest of
 * threads.
 */
final class LogRoutes {
    static final String ENTRIES = "/api/v1/audit/log/entries";
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final Duration MAX_WAIT = Duration.ofSeconds(30);
    static final int MAX_WAITERS = 64;
    /** How often a waiter re-reads the log without a wake-up: commits of other instances. */
    static final Duration REPOLL_INTERVAL = Duration.ofSeconds(1);

    private static final Set<String> PARAMETERS = Set.of("after", "limit", "wait");
    private static final Pattern WAIT = Pattern.compile("(\\d{1,6})(ms|s)");

    private final EventRepository repository;
    private final StorageGate gate;
    private final LogSignal signal;
    private final Semaphore waiters = new Semaphore(MAX_WAITERS);

    private final long maxPageBytes;

    LogRoutes(EventRepository repository, StorageGate gate, LogSignal signal, long maxPageBytes) {
        this.maxPageBytes = maxPageBytes;
        this.repository = repository;
        this.gate = gate;
        this.signal = signal;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.GET, ENTRIES, Permission.READ, this::entries));
    }

    /** The request's parameters, checked. */
    record Request(long after, int limit, Duration maxWait) {}

    private record Read(List<LogEntry> entries, long logSize) {}

    private void entries(Context ctx) throws InterruptedException {
        Request request = parse(QueryString.parse(ctx.queryString()));
        long seen = signal.generation();
        Read read = read(request);
        if (read.entries().isEmpty() && !request.maxWait().isZero()) {
            if (!waiters.tryAcquire()) {
                throw ApiProblem.of(
                                429,
                                "too-many-waiters",
                                "Too many waiting requests",
                                "wait: at most " + MAX_WAITERS + " requests may wait for log entries at once;"
                                        + " retry after the Retry-After delay")
                        .header("Retry-After", IngestRoutes.RETRY_AFTER_SECONDS);
            }
            try {
                long deadline = System.nanoTime() + request.maxWait().toNanos();
                while (read.entries().isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !signal.awaitAfter(seen, Math.min(left, REPOLL_INTERVAL.toNanos()))) {
                        break;
                    }
                    seen = signal.generation();
                    read = read(request);
                }
            } finally {
                waiters.release();
            }
        }
        PageWriter.writeLog(ctx, read.entries(), request.after(), read.logSize());
    }

    private Read read(Request request) {
        return gate.call(() -> {
            List<LogEntry> entries = repository.readLog(request.after(), request.limit(), maxPageBytes);
            // read after the entries: a size that includes every entry returned
            return new Read(entries, repository.logSize());
        });
    }

    /** Parses and checks the query; a bad parameter is a {@code 400} naming it and its limit. */
    static Request parse(Map<String, List<String>> params) {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (!PARAMETERS.contains(p.getKey())) {
                throw ApiProblem.badParameter(shorten(p.getKey()), "unknown parameter (known: after, limit, wait)");
            }
            if (p.getValue().size() > 1) {
                throw ApiProblem.badParameter(p.getKey(), "must be given at most once");
            }
        }
        long after = -1;
        String afterText = first(params, "after");
        if (afterText != null) {
            try {
                after = Numbers.parseLong(afterText);
            } catch (NumberFormatException e) {
                after = Long.MIN_VALUE;
            }
            if (after < -1 || after == Long.MAX_VALUE) {
                throw ApiProblem.badParameter(
                                "after",
                                "must be a log index from -1 (from the start) to " + (Long.MAX_VALUE - 1) + " (got \""
                                        + shorten(afterText) + "\")")
                        .with("limit", Long.MAX_VALUE - 1);
            }
        }
        int limit = DEFAULT_LIMIT;
        String limitText = first(params, "limit");
        if (limitText != null) {
            try {
                limit = Numbers.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiProblem.badParameter(
                                "limit",
                                "must be a whole number from 1 to " + MAX_LIMIT + " (got \"" + shorten(limitText)
                                        + "\")")
                        .with("limit", MAX_LIMIT);
            }
        }
        Duration wait = Duration.ZERO;
        String waitText = first(params, "wait");
        if (waitText != null) {
            Matcher m = WAIT.matcher(waitText);
            wait = m.matches()
                    ? (m.group(2).equals("s")
                            ? Duration.ofSeconds(Long.parseLong(m.group(1)))
                            : Duration.ofMillis(Long.parseLong(m.group(1))))
                    : null;
            if (wait == null || wait.compareTo(MAX_WAIT) > 0) {
                throw ApiProblem.badParameter(
                                "wait",
                                "must be a duration from 0s to " + MAX_WAIT.toSeconds() + "s, like 10s or 500ms (got \""
                                        + shorten(waitText) + "\")")
                        .with("limit", MAX_WAIT.toSeconds());
            }
        }
        return new Request(after, limit, wait);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        String v = values.get(0);
        if (v.isEmpty()) {
            throw ApiProblem.badParameter(name, "must not be empty; leave the parameter out instead");
        }
        return v;
    }

    private static String shorten(String s) {
        String t = s.replace("\u0000", "\\u0000");
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }
}

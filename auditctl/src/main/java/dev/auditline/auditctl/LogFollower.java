package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads {@code GET /api/v1/audit/log/entries} in log order (the order the store committed events),
 * page after page, remembering the last {@code log_index} handed on. After a dropped connection, a
 * {@code 5xx}, a {@code 429} or a DataStorage restart it asks again from that index, so nothing is
 * skipped and nothing is repeated; while the server is down it retries with a capped, doubling
 * backoff. A {@code 4xx} other than {@code 429} (bad token, missing permission) is not retried.
 */
final class LogFollower {
    static final String ENTRIES = "/api/v1/audit/log/entries";
    /** Entries per request: the endpoint's largest page. */
    static final int PAGE = 1000;
    /** How long one long-poll waits for new entries (the endpoint allows 30 s). */
    static final Duration WAIT = Duration.ofSeconds(25);

    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** Sleeps between retries; tests pass one that does not wait. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** What happened to the connection, for one line on stderr. */
    interface Observer {
        void retrying(String why, Duration backoff);

        void resumed(long after);
    }

    private final ApiClient api;
    private final Sleeper sleeper;
    private final Observer observer;
    private volatile long after; // read by the Ctrl-C hook

    LogFollower(ApiClient api, long after, Sleeper sleeper, Observer observer) {
        this.api = api;
        this.after = after;
        this.sleeper = sleeper;
        this.observer = observer;
    }

    Observer observer() {
        return observer;
    }

    /** The last log index handed on (or the starting one). */
    long after() {
        return after;
    }

    /** The index of the last committed entry, {@code -1} for an empty log. */
    long lastIndex() throws InterruptedException {
        JsonNode page = fetch(-1, 1, Duration.ZERO);
        return page.path("log_size").asLong() - 1;
    }

    /**
     * Hands every entry after the current position to {@code sink}; with {@code follow} it then waits
     * for new ones until interrupted, otherwise it returns at the end of the log.
     */
    void run(boolean follow, Consumer<JsonNode> sink) throws InterruptedException {
        while (!Thread.currentThread().isInterrupted()) {
            JsonNode page = fetch(after, PAGE, follow ? WAIT : Duration.ZERO);
            JsonNode entries = page.path("entries");
            for (JsonNode entry : entries) {
                long index = entry.path("log_index").asLong();
                if (index <= after) {
                    continue; // never hand on an entry twice, whatever the server sends
                }
                after = index;
                if (entry.hasNonNull("event")) {
                    sink.accept(entry.get("event"));
                }
            }
            // not "fewer than PAGE entries": the server also ends a page at query.max_page_bytes
            if (!follow && (entries.isEmpty() || after >= page.path("log_size").asLong() - 1)) {
                return;
            }
        }
        throw new InterruptedException();
    }

    private JsonNode fetch(long from, int limit, Duration wait) throws InterruptedException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("after", Long.toString(from));
        q.put("limit", Integer.toString(limit));
        q.put("wait", wait.toSeconds() + "s");
        Duration backoff = FIRST_BACKOFF;
        boolean failed = false;
        while (true) {
            String why;
            try {
                HttpResponse<byte[]> response = api.getRaw(api.uri(ENTRIES, q), wait.plusSeconds(15));
                int status = response.statusCode();
                if (status / 100 == 2) {
                    if (failed) {
                        observer.resumed(from);
                    }
                    return AuditJson.mapper().readTree(response.body());
                }
                why = ApiClient.describeError("GET", response.uri(), status, response.body());
                if (status / 100 == 4 && status != 429) {
                    throw new CommandFailure(ExitCodes.SERVER_ERROR, why);
                }
            } catch (CommandFailure e) {
                if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                    throw new InterruptedException();
                }
                if (e.exitCode() != ExitCodes.SERVER_ERROR) {
                    throw e; // an unreadable token file: retrying will not help
                }
                why = e.getMessage();
            } catch (IOException e) {
                why = "answer is not JSON: " + e.getMessage();
            }
            failed = true;
            observer.retrying(why, backoff);
            sleeper.sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }
}

package dev.auditline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Store → queryable latency, measured the way an operator sees it: a probe event with its own
 * correlation id is stored through the same intake as the load every {@code every}, and each
 * outstanding probe is looked up with {@code GET /api/v1/audit/events?correlation_id=…} every
 * {@value #FAST_POLL_MILLIS} ms until it appears (every {@value #SLOW_POLL_MILLIS} ms once it is
 * {@value #FAST_POLL_SECONDS} s old, so that a stall of the baseline does not turn hundreds of
 * waiting probes into a query load of their own). Probes do not wait for each other.
 *
 * <p>A latency runs from right before {@code store()} to the arrival of the first answer that
 * lists the probe: an upper bound, by at most one poll interval plus one query.
 */
final class VisibilityProbe implements AutoCloseable {
    static final long FAST_POLL_MILLIS = 20;
    static final long SLOW_POLL_MILLIS = 250;
    static final long FAST_POLL_SECONDS = 3;

    /** One probe: when it was stored, and nanoseconds until it was queryable (-1: never seen). */
    record Sample(Instant storedAt, long latencyNanos) {
        boolean seen() {
            return latencyNanos >= 0;
        }
    }

    private static final class Outstanding {
        final String correlation;
        final String id;
        final Instant storedAt;
        final long startNanos;
        long nextPollNanos;

        Outstanding(String correlation, String id, Instant storedAt, long startNanos) {
            this.correlation = correlation;
            this.id = id;
            this.storedAt = storedAt;
            this.startNanos = startNanos;
            this.nextPollNanos = startNanos;
        }
    }

    private final VisibilityLoad.Intake intake;
    private final String queryBaseUrl;
    private final String actor;
    private final long everyNanos;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final Object lock = new Object();
    private final List<Sample> samples = new ArrayList<>(); // guarded by lock
    private final List<Outstanding> outstanding = new ArrayList<>(); // guarded by lock
    private final Thread launcher;
    private final Thread poller;
    private volatile boolean launching = true;
    private volatile boolean polling = true;
    private volatile long queries; // written by the poller only
    private volatile long queryFailures; // written by the poller only

    private VisibilityProbe(VisibilityLoad.Intake intake, String queryBaseUrl, String actor, Duration every) {
        this.intake = intake;
        this.queryBaseUrl = queryBaseUrl;
        this.actor = actor;
        this.everyNanos = every.toNanos();
        this.launcher = new Thread(this::launchLoop, "bench-probe-" + actor);
        this.poller = new Thread(this::pollLoop, "bench-probe-poll-" + actor);
        launcher.setDaemon(true);
        poller.setDaemon(true);
    }

    /**
     * Starts probing through {@code intake}; queries go to {@code queryBaseUrl}, DataStorage itself
     * (never through the fault proxy, which is only between the sender and DataStorage).
     */
    static VisibilityProbe start(VisibilityLoad.Intake intake, String queryBaseUrl, String actor, Duration every) {
        VisibilityProbe probe = new VisibilityProbe(intake, queryBaseUrl, actor, every);
        probe.launcher.start();
        probe.poller.start();
        return probe;
    }

    private void launchLoop() {
        long next = System.nanoTime();
        while (launching) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            next += everyNanos;
            launch();
        }
    }

    private void launch() {
        String correlation = "probe-" + actor + "-" + UUID.randomUUID();
        Instant storedAt = Instant.now();
        AuditEvent event = AuditEvent.builder()
                .eventType("bench.visibility.probe")
                .eventCategory("bench")
                .eventAction("probe")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId(correlation)
                .actor("service", actor)
                .resource("probe", correlation)
                .eventData(Map.of("probe", true))
                .eventTimestamp(storedAt)
                .build();
        long start = System.nanoTime();
        boolean accepted = intake.store(event);
        synchronized (lock) {
            if (accepted) {
                outstanding.add(new Outstanding(correlation, event.eventId().toString(), storedAt, start));
            } else {
                samples.add(new Sample(storedAt, -1));
            }
        }
    }

    private void pollLoop() {
        while (polling) {
            long roundStart = System.nanoTime();
            List<Outstanding> due = new ArrayList<>();
            synchronized (lock) {
                for (Outstanding o : outstanding) {
                    if (roundStart >= o.nextPollNanos) {
                        due.add(o);
                    }
                }
            }
            for (Outstanding o : due) {
                boolean seen = visible(o);
                long now = System.nanoTime();
                synchronized (lock) {
                    if (seen) {
                        outstanding.remove(o);
                        samples.add(new Sample(o.storedAt, now - o.startNanos));
                    } else {
                        long age = now - o.startNanos;
                        long pollMillis =
                                age < TimeUnit.SECONDS.toNanos(FAST_POLL_SECONDS) ? FAST_POLL_MILLIS : SLOW_POLL_MILLIS;
                        // a little early, so the round that falls due next picks it up
                        o.nextPollNanos = now + TimeUnit.MILLISECONDS.toNanos(pollMillis) - 2_000_000;
                    }
                }
            }
            long sleep = roundStart + TimeUnit.MILLISECONDS.toNanos(FAST_POLL_MILLIS) - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            }
        }
    }

    private boolean visible(Outstanding o) {
        URI uri = URI.create(queryBaseUrl + "/api/v1/audit/events?limit=10&correlation_id="
                + URLEncoder.encode(o.correlation, StandardCharsets.UTF_8));
        queries++;
        try {
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                queryFailures++;
                return false;
            }
            for (JsonNode event : AuditJson.mapper().readTree(response.body()).path("events")) {
                if (o.id.equals(event.path("event_id").asText())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            queryFailures++;
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            polling = false;
            return false;
        }
    }

    /** Stops storing probes; those under way are still looked up. */
    void stopLaunching() {
        launching = false;
        try {
            launcher.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until every probe stored so far was seen, or {@code giveUp} passes; the ones still
     * unseen then count as never seen.
     *
     * @return whether every probe was seen in time
     */
    boolean awaitAllSeen(Duration giveUp) {
        long deadline = System.nanoTime() + giveUp.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (lock) {
                if (outstanding.isEmpty()) {
                    return true;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        synchronized (lock) {
            for (Outstanding o : outstanding) {
                samples.add(new Sample(o.storedAt, -1));
            }
            outstanding.clear();
        }
        return false;
    }

    /** Probes stored in [{@code from}, {@code to}). */
    List<Sample> samples(Instant from, Instant to) {
        synchronized (lock) {
            return samples.stream()
                    .filter(s -> !s.storedAt().isBefore(from) && s.storedAt().isBefore(to))
                    .toList();
        }
    }

    /** GET requests made so far, and how many of them failed (not 200, or no answer). */
    String queryCounts() {
        return queries + " queries, " + queryFailures + " failed";
    }

    @Override
    public void close() {
        launching = false;
        polling = false;
        try {
            launcher.join(TimeUnit.SECONDS.toMillis(5));
            poller.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.auditline.e2e.abuse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks {@code /healthz} every {@link #PERIOD} on its own thread and connection pool, recording
 * each answer's latency; any answer that is not a {@code 200} within {@link #BOUND} is a miss.
 */
final class HealthSampler implements AutoCloseable {
    static final Duration PERIOD = Duration.ofMillis(200);
    static final Duration BOUND = Duration.ofSeconds(1);

    private final URI uri;
    private final URI metrics;
    private volatile long maxHeapBytes = -1;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(BOUND)
            .build();
    private final List<Long> millis = new CopyOnWriteArrayList<>();
    private final List<String> misses = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    HealthSampler(String baseUrl) {
        this.uri = URI.create(baseUrl + "/healthz");
        this.metrics = URI.create(baseUrl + "/metrics");
        this.thread = new Thread(this::sample, "abuse-healthz-sampler");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void sample() {
        int tick = 0;
        while (running.get()) {
            if (tick++ % 5 == 0) {
                sampleHeap();
            }
            long start = System.nanoTime();
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(uri).timeout(BOUND).build(), HttpResponse.BodyHandlers.discarding());
                long ms = (System.nanoTime() - start) / 1_000_000;
                millis.add(ms);
                if (r.statusCode() != 200 || ms >= BOUND.toMillis()) {
                    misses.add("status " + r.statusCode() + " after " + ms + " ms");
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                misses.add(e + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
            try {
                Thread.sleep(PERIOD.toMillis()); // the sampling period, not a wait for a result
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The heap in use, from the server's own {@code jvm_memory_used_bytes{area="heap"}}, once a second. */
    private void sampleHeap() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(metrics)
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            long heap = 0;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    heap += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            maxHeapBytes = Math.max(maxHeapBytes, heap);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // a scrape that fails is not a health miss; /healthz is what is asserted
        }
    }

    /** The most heap in use at any sample, {@code -1} when no scrape answered. */
    long maxHeapBytes() {
        return maxHeapBytes;
    }

    List<Long> latencies() {
        return List.copyOf(millis);
    }

    List<String> misses() {
        return List.copyOf(misses);
    }

    long maxMillis() {
        return millis.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.interrupt();
        thread.join(5000);
    }
}

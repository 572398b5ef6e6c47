package dev.auditline.bench;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.BatchRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.GZIPOutputStream;

/**
 * The baseline of {@link VisibilityRun}: the design auditline replaces (DESIGN, introduction). One
 * writer thread wakes every {@code flushInterval}, takes everything buffered, and POSTs it
 * synchronously in batches of {@code batchSize}, retrying a failed request inline with backoff;
 * the next wait starts when the last send ended. It is correct while every request is fast: one
 * slow request holds the timer, the buffer and every later batch, which is the failure this
 * benchmark puts a number on.
 *
 * <p>It sends what the real client sends ({@code {"events":[…]}} in gzip, the same per-request
 * timeout), so the two differ only in how sending is scheduled.
 */
final class VisibilityNaiveSender implements VisibilityLoad.Intake, AutoCloseable {
    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(200);

    private final URI batchUri;
    private final Duration flushInterval;
    private final int batchSize;
    private final Duration timeout;
    private final int maxRetries;
    private final LinkedBlockingQueue<AuditEvent> buffer;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Thread writer;
    private final AtomicLong enqueued = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile boolean closed;

    private VisibilityNaiveSender(
            URI baseUrl, Duration flushInterval, int batchSize, Duration timeout, int maxRetries, int bufferSize) {
        this.batchUri = baseUrl.resolve("/api/v1/audit/events/batch");
        this.flushInterval = flushInterval;
        this.batchSize = batchSize;
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.buffer = new LinkedBlockingQueue<>(bufferSize);
        this.writer = new Thread(this::writeLoop, "bench-naive-writer");
        writer.setDaemon(true);
    }

    /**
     * Starts the writer thread.
     *
     * @param bufferSize bound of the buffer in events; beyond it {@link #store} refuses
     */
    static VisibilityNaiveSender start(
            URI baseUrl, Duration flushInterval, int batchSize, Duration timeout, int maxRetries, int bufferSize) {
        VisibilityNaiveSender sender =
                new VisibilityNaiveSender(baseUrl, flushInterval, batchSize, timeout, maxRetries, bufferSize);
        sender.writer.start();
        return sender;
    }

    @Override
    public boolean store(AuditEvent event) {
        if (closed || !buffer.offer(event)) {
            refused.incrementAndGet();
            return false;
        }
        enqueued.incrementAndGet();
        return true;
    }

    private void writeLoop() {
        while (!closed || !buffer.isEmpty()) {
            if (!closed) {
                LockSupport.parkNanos(flushInterval.toNanos());
            }
            List<AuditEvent> all = new ArrayList<>(buffer.size());
            buffer.drainTo(all);
            for (int from = 0; from < all.size(); from += batchSize) {
                List<AuditEvent> batch = all.subList(from, Math.min(all.size(), from + batchSize));
                if (sendWithRetries(batch)) {
                    acked.addAndGet(batch.size());
                } else {
                    dropped.addAndGet(batch.size());
                }
            }
        }
    }

    private boolean sendWithRetries(List<AuditEvent> batch) {
        byte[] body;
        try {
            body = gzipJson(batch);
        } catch (IOException e) {
            return false;
        }
        long backoffNanos = INITIAL_BACKOFF.toNanos();
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) {
                retries.incrementAndGet();
                LockSupport.parkNanos(backoffNanos);
                backoffNanos *= 2;
            }
            requests.incrementAndGet();
            try {
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(batchUri)
                                .timeout(timeout)
                                .header("Content-Type", "application/json")
                                .header("Content-Encoding", "gzip")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status == 200 || status == 202) {
                    return true;
                }
                if (status != 429 && status < 500) {
                    return false;
                }
            } catch (IOException e) {
                // a network error or the timeout: retried like a 5xx
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static byte[] gzipJson(List<AuditEvent> events) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        try (OutputStream gzip = new GZIPOutputStream(bytes, 8192)) {
            AuditJson.mapper().writeValue(gzip, new BatchRequest(events));
        }
        return bytes.toByteArray();
    }

    /** Events accepted, acked, dropped after their retries, refused (buffer full), and requests made. */
    String describe() {
        return String.format(
                "enqueued=%d acked=%d dropped=%d refused=%d buffered=%d requests=%d retries=%d",
                enqueued.get(),
                acked.get(),
                dropped.get(),
                refused.get(),
                buffer.size(),
                requests.get(),
                retries.get());
    }

    /**
     * Stops intake and waits up to {@code timeout} for the writer to send what is buffered.
     *
     * @return whether the writer finished in time
     */
    boolean close(Duration timeout) {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !writer.isAlive();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(60));
    }
}

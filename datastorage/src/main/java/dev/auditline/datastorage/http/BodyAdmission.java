package dev.auditline.datastorage.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.Problem;
import dev.auditline.datastorage.config.ConnectionLimits;
import dev.auditline.datastorage.metrics.ServerMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads every request body in full, asynchronously, before the request reaches Javalin: a slow
 * client holds a connection and the bytes it sent, never a server thread. Javalin's handlers read
 * with blocking I/O; without this, a few hundred clients trickling a byte every few seconds hold
 * every thread of the pool (the idle timeout never fires, each byte resets it) and {@code /healthz}
 * stops answering for everyone.
 *
 * <p>Three limits, each answered before the route runs and counted:
 *
 * <ul>
 *   <li>{@code server.min_request_data_rate}: after its first second, a body must average this many
 *       bytes per second, checked at each arrival: {@code 408}, connection closed.
 *   <li>{@code server.body_timeout}: the whole body must arrive within this time: {@code 408}, closed.
 *   <li>{@code server.max_body_bytes_in_flight}: the bytes of all bodies being read or handled at
 *       once. A body reserves its {@code Content-Length} (a chunked one {@code max_request_bytes})
 *       before a byte is read and keeps it until its response is complete; one that does not fit is
 *       refused with {@code 429} and {@code Retry-After}, unread.
 * </ul>
 *
 * Jetty's own {@code MinimumDataRateHandler} checks the rate from the very first demand, so a small
 * body whose second packet is late is cut; its failure also reaches the route as a read error (a
 * {@code 400}). Both reasons are why the rate is checked here, with a grace second and an answer of
 * its own.
 */
final class BodyAdmission extends Handler.Wrapper {
    /** The rate is checked only after this much of a body's time, so the first packets' timing cannot trip it. */
    static final Duration RATE_GRACE = Duration.ofSeconds(1);

    private final ConnectionLimits limits;
    private final long maxRequestBytes;
    private final ServerMetrics metrics;
    private final AtomicLong inFlight = new AtomicLong();

    BodyAdmission(ConnectionLimits limits, long maxRequestBytes, ServerMetrics metrics) {
        this.limits = limits;
        this.maxRequestBytes = maxRequestBytes;
        this.metrics = metrics;
        metrics.bindBodyBudget(limits.maxBodyBytesInFlight(), inFlight::get);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        AccessLog.attach(request);
        long declared = request.getLength();
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if ((declared <= 0 && !chunked) || declared > maxRequestBytes) {
            // no body, or one the route refuses from its Content-Length (413) without reading it
            return super.handle(request, response, callback);
        }
        long reserve = declared > 0 ? declared : maxRequestBytes;
        if (!tryReserve(reserve)) {
            metrics.bodyBudgetRefused();
            AccessLog.note(request, "body_budget");
            Problem problem = new Problem(
                            ApiProblem.TYPE_BASE + "overloaded",
                            "Too many request bytes in flight",
                            429,
                            "a body of " + reserve + " bytes does not fit server.max_body_bytes_in_flight "
                                    + limits.maxBodyBytesInFlight() + " (" + inFlight.get()
                                    + " bytes are being read or handled); retry after the Retry-After delay",
                            null)
                    .with("limit", limits.maxBodyBytesInFlight());
            response.getHeaders().put(HttpHeader.RETRY_AFTER, IngestRoutes.RETRY_AFTER_SECONDS);
            write(response, problem, true, callback);
            return true;
        }
        Callback releasing = new Callback.Nested(callback) {
            private final AtomicBoolean released = new AtomicBoolean();

            @Override
            public void succeeded() {
                release();
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                release();
                super.failed(x);
            }

            private void release() {
                if (released.compareAndSet(false, true)) {
                    inFlight.addAndGet(-reserve);
                }
            }
        };
        new Loader(request, response, releasing, reserve).start();
        return true;
    }

    private boolean tryReserve(long bytes) {
        long max = limits.maxBodyBytesInFlight();
        while (true) {
            long now = inFlight.get();
            if (now + bytes > max) {
                return false;
            }
            if (inFlight.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    long bytesInFlight() {
        return inFlight.get();
    }

    /** Reads one body through demand callbacks; whichever of completion, refusal or deadline comes first wins. */
    private final class Loader implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final long expected;
        private final long startNanos = System.nanoTime();
        private final AtomicBoolean decided = new AtomicBoolean();
        private final List<byte[]> parts = new ArrayList<>();
        private long received;
        private Scheduler.Task deadline;

        Loader(Request request, Response response, Callback callback, long expected) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.expected = expected;
        }

        void start() {
            deadline = request.getComponents()
                    .getScheduler()
                    .schedule(this::deadlinePassed, limits.bodyTimeout().toNanos(), TimeUnit.NANOSECONDS);
            run();
        }

        @Override
        public void run() {
            while (!decided.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    failed(chunk.getFailure());
                    return;
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                int n = bytes.remaining();
                if (n > 0) {
                    byte[] copy = new byte[n];
                    bytes.get(copy);
                    parts.add(copy);
                    received += n;
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (received > maxRequestBytes) {
                    tooLarge();
                    return;
                }
                if (last) {
                    complete();
                    return;
                }
                if (belowRate()) {
                    slow(
                            "data_rate",
                            "the request body arrived at " + rate() + " bytes/s, below server.min_request_data_rate "
                                    + limits.minRequestDataRate() + " bytes/s (" + received + " of "
                                    + describeExpected()
                                    + " bytes after " + elapsedMillis() + " ms)",
                            limits.minRequestDataRate());
                    return;
                }
            }
        }

        private boolean belowRate() {
            long rate = limits.minRequestDataRate();
            long afterGrace = System.nanoTime() - startNanos - RATE_GRACE.toNanos();
            // bytes owed = rate × seconds past the grace period; compared without overflow for sane rates
            return rate > 0 && afterGrace > 0 && received < rate * afterGrace / 1_000_000_000L;
        }

        private long rate() {
            long nanos = Math.max(1, System.nanoTime() - startNanos);
            return received * 1_000_000_000L / nanos;
        }

        private long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }

        private String describeExpected() {
            return expected == maxRequestBytes && request.getLength() <= 0 ? "at most " + expected : "" + expected;
        }

        private void deadlinePassed() {
            slow(
                    "body_timeout",
                    "the request body did not arrive within server.body_timeout "
                            + limits.bodyTimeout().toMillis() + " ms (" + received + " of " + describeExpected()
                            + " bytes came)",
                    limits.bodyTimeout().toMillis());
        }

        private void slow(String reason, String detail, long limit) {
            if (!decided.compareAndSet(false, true)) {
                return;
            }
            deadline.cancel();
            metrics.slowBody(reason);
            AccessLog.note(request, reason);
            Problem problem = new Problem(
                            ApiProblem.TYPE_BASE + "request-timeout", "Request timeout", 408, detail, null)
                    .with("limit", limit);
            write(response, problem, true, callback);
        }

        private void tooLarge() {
            if (!decided.compareAndSet(false, true)) {
                return;
            }
            deadline.cancel();
            AccessLog.note(request, "too_large");
            Problem problem = new Problem(
                            ApiProblem.TYPE_BASE + "payload-too-large",
                            "Payload too large",
                            413,
                            "the body (more than " + maxRequestBytes + " bytes read) exceeds max_request_bytes "
                                    + maxRequestBytes + "; split the batch",
                            null)
                    .with("limit", maxRequestBytes);
            write(response, problem, true, callback);
        }

        private void failed(Throwable failure) {
            if (failure instanceof TimeoutException) {
                // the connection's idle timeout: nothing came for that long
                slow(
                        "idle_timeout",
                        "the request body stalled: nothing arrived within the connection's idle timeout (" + received
                                + " of " + describeExpected() + " bytes came)",
                        limits.bodyTimeout().toMillis());
                return;
            }
            if (decided.compareAndSet(false, true)) {
                deadline.cancel();
                callback.failed(failure); // the client went away: there is no one to answer
            }
        }

        private void complete() {
            if (!decided.compareAndSet(false, true)) {
                return;
            }
            deadline.cancel();
            Request buffered = new BufferedBody(request, parts);
            try {
                if (!getHandler().handle(buffered, response, callback)) {
                    Response.writeError(buffered, response, callback, 404);
                }
            } catch (Throwable t) {
                Response.writeError(buffered, response, callback, t);
            }
        }
    }

    /** Writes a problem and, for a body left unread, closes the connection after it. */
    static void write(Response response, Problem problem, boolean close, Callback callback) {
        byte[] body;
        try {
            body = AuditJson.mapper().writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            body = ("{\"status\":" + problem.status() + "}").getBytes(StandardCharsets.UTF_8);
        }
        response.setStatus(problem.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** A request whose body was read already: the route reads it from memory, without blocking. */
    private static final class BufferedBody extends Request.Wrapper {
        private final List<byte[]> parts;
        private int next;

        BufferedBody(Request request, List<byte[]> parts) {
            super(request);
            this.parts = parts;
        }

        @Override
        public synchronized Content.Chunk read() {
            if (next >= parts.size()) {
                return Content.Chunk.EOF;
            }
            byte[] part = parts.get(next);
            parts.set(next, null); // let the bytes go once the route has them
            next++;
            return Content.Chunk.from(ByteBuffer.wrap(part), next == parts.size());
        }

        @Override
        public void demand(Runnable demandCallback) {
            demandCallback.run(); // everything is here
        }
    }
}

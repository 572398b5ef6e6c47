package dev.auditline.e2e;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.api.wire.BatchRequest;
import dev.auditline.api.wire.BatchResponse;
import dev.auditline.api.wire.ItemResult;
import dev.auditline.api.wire.ItemStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A test-only HTTP front between the client and DataStorage that answers some requests itself:
 * {@code 429}/{@code 503} with {@code Retry-After} during a window, or {@code 500} at random. It
 * exists because the TCP-level {@code FaultProxy} cannot speak HTTP; everything else is forwarded
 * to the real DataStorage unchanged.
 *
 * <p>Every batch request is logged with its arrival time and the answer given, keyed by the
 * batch's first {@code event_id} (a retry resends the same events, so the same key), which is what
 * lets a test check that each retry came no sooner than the {@code Retry-After} it was given. The
 * ids of every {@code 2xx} answer it relays are kept too ({@link #ackedIds()}): the set of events
 * the client was told were stored.
 */
public final class HttpFaultFront implements AutoCloseable {
    static final String BATCH_PATH = "/api/v1/audit/events/batch";
    private static final JsonFactory JSON = new JsonFactory();
    /** Request headers passed on; java.net.http sets Host, Content-Length and Connection itself. */
    private static final List<String> FORWARDED_REQUEST_HEADERS =
            List.of("Content-Type", "Content-Encoding", "Accept", "Authorization");

    private static final Set<String> DROPPED_RESPONSE_HEADERS =
            Set.of("content-length", "transfer-encoding", "connection", "date", ":status");

    /** What the front did with one batch request. */
    public record Exchange(
            String batchKey, long arrivedNanos, long answeredNanos, int status, int retryAfterSeconds, Fault fault) {}

    /** How a request was treated. */
    public enum Fault {
        /** Forwarded; DataStorage's answer returned. */
        NONE,
        /** Answered by the front (429/503 with Retry-After), nothing forwarded. */
        RETRY_AFTER,
        /** Answered 500 by the front, nothing forwarded. */
        ERROR_BEFORE_STORE,
        /** Forwarded and stored by DataStorage, but the client got a 500 instead: its retry must dedupe. */
        ERROR_AFTER_STORE
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String target;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Object lock = new Object();
    private final List<Exchange> exchanges = new ArrayList<>(); // guarded by lock
    private final Set<UUID> ackedIds = ConcurrentHashMap.newKeySet();
    private long windowEndNanos; // guarded by lock
    private int windowAnswers; // guarded by lock
    private double errorRate; // guarded by lock
    private Random random; // guarded by lock

    private HttpFaultFront(HttpServer server, ExecutorService executor, String target) {
        this.server = server;
        this.executor = executor;
        this.target = target;
    }

    /** Starts a front on a free port of 127.0.0.1, forwarding to {@code targetBaseUrl}. */
    public static HttpFaultFront start(String targetBaseUrl) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "e2e-fault-front");
            t.setDaemon(true);
            return t;
        });
        HttpFaultFront front = new HttpFaultFront(server, executor, targetBaseUrl);
        server.createContext("/", front::handle);
        server.setExecutor(executor);
        server.start();
        return front;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * For {@code window} from now, answers every batch request itself, alternating {@code 429}
     * with {@code Retry-After: 2} and {@code 503} with {@code Retry-After: 3}.
     */
    public void answerRetryAfterFor(Duration window) {
        synchronized (lock) {
            windowEndNanos = System.nanoTime() + window.toNanos();
        }
    }

    public boolean inRetryAfterWindow() {
        synchronized (lock) {
            return System.nanoTime() < windowEndNanos;
        }
    }

    /**
     * From now on answers {@code 500} to a random {@code rate} of batch requests, half of them
     * before forwarding (nothing stored) and half after (stored, but the client does not know).
     */
    public void failAtRandom(double rate, long seed) {
        synchronized (lock) {
            errorRate = rate;
            random = new Random(seed);
        }
    }

    /** Every batch request so far, in arrival order. */
    public List<Exchange> exchanges() {
        synchronized (lock) {
            List<Exchange> copy = new ArrayList<>(exchanges);
            copy.sort(Comparator.comparingLong(Exchange::arrivedNanos));
            return copy;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean batch = exchange.getRequestMethod().equals("POST")
                    && exchange.getRequestURI().getPath().equals(BATCH_PATH);
            if (!batch) {
                relay(exchange, forward(exchange, body));
                return;
            }
            String key = batchKey(exchange, body);
            Fault fault = decide();
            switch (fault) {
                case RETRY_AFTER -> {
                    boolean tooMany;
                    synchronized (lock) {
                        tooMany = windowAnswers++ % 2 == 0;
                    }
                    int status = tooMany ? 429 : 503;
                    int retryAfter = tooMany ? 2 : 3;
                    answer(exchange, status, retryAfter);
                    log(new Exchange(key, arrived, System.nanoTime(), status, retryAfter, fault));
                }
                case ERROR_BEFORE_STORE -> {
                    answer(exchange, 500, 0);
                    log(new Exchange(key, arrived, System.nanoTime(), 500, 0, fault));
                }
                case ERROR_AFTER_STORE -> {
                    HttpResponse<byte[]> stored = forward(exchange, body);
                    answer(exchange, 500, 0);
                    log(new Exchange(
                            key, arrived, System.nanoTime(), 500, 0, stored.statusCode() < 300 ? fault : Fault.NONE));
                }
                case NONE -> {
                    HttpResponse<byte[]> response = forward(exchange, body);
                    recordAcks(exchange, body, response);
                    relay(exchange, response);
                    log(new Exchange(key, arrived, System.nanoTime(), response.statusCode(), 0, fault));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private Fault decide() {
        synchronized (lock) {
            if (System.nanoTime() < windowEndNanos) {
                return Fault.RETRY_AFTER;
            }
            if (random != null && random.nextDouble() < errorRate) {
                return random.nextBoolean() ? Fault.ERROR_BEFORE_STORE : Fault.ERROR_AFTER_STORE;
            }
            return Fault.NONE;
        }
    }

    /**
     * Notes the ids of a {@code 2xx} answer relayed to the client, before relaying it: every event of
     * the request except those the answer lists as rejected (a {@code 2xx} body that cannot be read
     * counts as all acked, as the client counts it).
     */
    private void recordAcks(HttpExchange exchange, byte[] body, HttpResponse<byte[]> response) throws IOException {
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            return;
        }
        List<AuditEvent> events = AuditJson.mapper()
                .readValue(decoded(exchange, body), BatchRequest.class)
                .events();
        Set<Integer> rejected = new HashSet<>();
        try {
            BatchResponse answer = AuditJson.mapper().readValue(response.body(), BatchResponse.class);
            for (ItemResult item : answer.results()) {
                if (item.status() == ItemStatus.REJECTED) {
                    rejected.add(item.index());
                }
            }
        } catch (IOException unreadable) {
            // counted as all acked, as the client does
        }
        for (int i = 0; i < events.size(); i++) {
            if (!rejected.contains(i)) {
                ackedIds.add(events.get(i).eventId());
            }
        }
    }

    /**
     * The ids of every event DataStorage answered {@code 2xx} for (stored, duplicate or spooled)
     * through this front: what the client was told, and counts, as acked.
     */
    public Set<UUID> ackedIds() {
        return Set.copyOf(ackedIds);
    }

    private void log(Exchange e) {
        synchronized (lock) {
            exchanges.add(e);
        }
    }

    private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.header(name, value);
            }
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void relay(HttpExchange exchange, HttpResponse<byte[]> response) throws IOException {
        for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
            if (!DROPPED_RESPONSE_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                exchange.getResponseHeaders().put(h.getKey(), h.getValue());
            }
        }
        byte[] body = response.body();
        exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    private static void answer(HttpExchange exchange, int status, int retryAfterSeconds) throws IOException {
        byte[] body = ("{\"type\":\"about:blank\",\"title\":\"injected by the e2e fault front\",\"status\":" + status
                        + "}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
        if (retryAfterSeconds > 0) {
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(retryAfterSeconds));
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** The first {@code event_id} of the batch body; a retry of the same batch has the same one. */
    static String batchKey(HttpExchange exchange, byte[] body) throws IOException {
        try (JsonParser parser = JSON.createParser(decoded(exchange, body))) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME && parser.currentName().equals("event_id")) {
                    parser.nextToken();
                    return parser.getText();
                }
            }
        }
        return "(no event_id)";
    }

    private static InputStream decoded(HttpExchange exchange, byte[] body) throws IOException {
        InputStream in = new ByteArrayInputStream(body);
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package dev.auditline.e2e.abuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.auditline.e2e.abuse.HostileInputs.Hostile;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Memory pressure: {@link #BODIES} concurrent batches of about 15 MB (events of 240 KB
 * {@code event_data}, under the 256 KiB limit), each retried on {@code 429}/{@code 503} as the
 * server's {@code Retry-After} asks, then pages of {@code limit=1000} over those events.
 */
final class LargeLoad {
    static final int BODIES = 16;
    static final int EVENTS_PER_BODY = 62;
    static final int EVENT_DATA_CHARS = 240_000;
    static final String CORRELATION = "abuse-large";
    private static final long RETRY_FOR_NANOS = TimeUnit.SECONDS.toNanos(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RawHttp http;
    private final AbuseLedger ledger;

    LargeLoad(RawHttp http, AbuseLedger ledger) {
        this.http = http;
        this.ledger = ledger;
    }

    /** Sends the bodies at once; returns when each was accepted or gave up. */
    void sendBodies() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(BODIES);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < BODIES; i++) {
                sent.add(pool.submit(() -> {
                    sendOne();
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void sendOne() throws IOException, InterruptedException {
        Hostile body = body();
        long deadline = System.nanoTime() + RETRY_FOR_NANOS;
        while (true) {
            RawHttp.Answer a = http.send(body.method(), body.path(), null, body.body());
            if (a.status() < 0 && System.nanoTime() < deadline) {
                // refused before the upload finished: the close can overtake the answer; counted, sent again
                ledger.countRequests(1, -1);
                TimeUnit.SECONDS.sleep(1);
                continue;
            }
            boolean comeBack = (a.status() == 429 || a.status() == 503) && a.header("Retry-After") != null;
            boolean last = !comeBack || System.nanoTime() > deadline;
            ledger.record(body, a, last);
            if (last) {
                return;
            }
            TimeUnit.SECONDS.sleep(Long.parseLong(a.header("Retry-After"))); // as the server asked
        }
    }

    private static Hostile body() {
        String data = "{\"blob\":\"" + "x".repeat(EVENT_DATA_CHARS) + "\"}";
        List<UUID> ids = new ArrayList<>();
        StringBuilder b = new StringBuilder(EVENTS_PER_BODY * (EVENT_DATA_CHARS + 600)).append("{\"events\":[");
        for (int i = 0; i < EVENTS_PER_BODY; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            b.append(i == 0 ? "" : ",")
                    .append(HostileInputs.event(id, data).replace("\"abuse-hostile\"", "\"" + CORRELATION + "\""));
        }
        byte[] bytes = b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        return new Hostile("15 MB batches, " + BODIES + " at once", "POST", HostileInputs.BATCH, null, bytes, ids);
    }

    /** {@code pages} concurrent {@code limit=1000} queries over the large events. */
    void readPages(int pages) throws Exception {
        Hostile page = Hostile.get(
                "limit=1000 over 240 KB events, " + pages + " at once",
                HostileInputs.EVENTS + "?limit=1000&correlation_id=" + CORRELATION);
        ExecutorService pool = Executors.newFixedThreadPool(pages);
        try {
            List<Future<RawHttp.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < pages; i++) {
                answers.add(pool.submit(() -> http.send("GET", page.path(), null, null)));
            }
            for (Future<RawHttp.Answer> f : answers) {
                ledger.record(page, f.get(), true);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Every event id stored under {@code correlationId}, following {@code next_cursor}.
     *
     * @throws IOException when a page is not a {@code 200}
     */
    static Set<UUID> storedIds(RawHttp http, String correlationId) throws IOException {
        Set<UUID> ids = new HashSet<>();
        String cursor = null;
        for (int pages = 0; pages < 100_000; pages++) {
            String target = HostileInputs.EVENTS + "?limit=1000&correlation_id="
                    + URLEncoder.encode(correlationId, StandardCharsets.UTF_8)
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            RawHttp.Answer a = http.send("GET", target, null, null);
            if (a.status() != 200) {
                throw new IOException("GET " + target + " answered " + a.status() + ": " + a.text());
            }
            JsonNode page = JSON.readTree(a.body());
            for (JsonNode e : page.path("events")) {
                ids.add(UUID.fromString(e.path("event_id").asText()));
            }
            JsonNode next = page.path("next_cursor");
            if (next.isNull() || next.isMissingNode() || page.path("events").isEmpty()) {
                return ids;
            }
            cursor = next.asText();
        }
        throw new IOException("more than 100000 pages under " + correlationId);
    }
}

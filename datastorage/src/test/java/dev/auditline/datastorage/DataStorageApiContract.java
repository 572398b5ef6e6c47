package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.ServerConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP API's behaviour, run against the real server (the same wiring as {@code Main}) over
 * each store: a subclass names the store and how to take it down. Every response is checked
 * against {@code openapi.yaml} by {@link ApiClient}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class DataStorageApiContract {
    static final String BATCH = "/api/v1/audit/events/batch";
    static final String EVENTS = "/api/v1/audit/events";
    static final int MAX_BATCH_SIZE = 100;
    static final long MAX_REQUEST_BYTES = 2L * 1024 * 1024;
    static final int POOL_SIZE = 3;

    Path tempDir;

    DataStorage server;
    ControllableRepository repository;
    ApiClient api;

    /** The store under test; {@code dir} is a fresh temporary directory. */
    abstract StorageSettings storage(Path dir);

    /** Makes the database unreachable; the default fakes it in front of the real repository. */
    void storageDown() {
        repository.unavailable(true);
    }

    void storageUp() {
        repository.unavailable(false);
    }

    /** Called once the server is closed, to release what {@link #storage(Path)} started. */
    void afterServerStopped() {}

    @BeforeAll
    void startServer() throws IOException {
        tempDir = Files.createTempDirectory("datastorage-it");
        DataStorageConfig config = DataStorageConfig.defaults()
                .withServer(new ServerConfig(
                        "127.0.0.1",
                        0,
                        MAX_BATCH_SIZE,
                        MAX_REQUEST_BYTES,
                        null,
                        Duration.ofSeconds(5),
                        Duration.ofMillis(100)))
                .withStorage(storage(tempDir).withPoolSize(POOL_SIZE));
        server = DataStorage.start(config, Clock.systemUTC(), real -> repository = new ControllableRepository(real));
        api = new ApiClient(server.baseUrl());
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
        afterServerStopped();
        TestFiles.deleteRecursively(tempDir);
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    List<JsonNode> trail(String correlationId) {
        ApiClient.Reply reply = api.get(EVENTS + "?limit=1000&correlation_id=" + enc(correlationId));
        assertThat(reply.status()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        reply.json().get("events").forEach(out::add);
        return out;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void storesABatchAndReturnsItByIdAndByQuery() {
        String trail = WireEvents.uniqueCorrelationId("roundtrip");
        ObjectNode first = WireEvents.valid(trail, now().minusSeconds(2));
        ObjectNode second = WireEvents.valid(trail, now().minusSeconds(1));
        second.put("actor_ip", "10.0.0.1").put("duration_ms", 42).put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");

        ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(first, second));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("created").intValue()).isEqualTo(2);
        assertThat(reply.json().get("results")).isEmpty();
        assertThat(reply.header("Audit-Max-Batch-Size")).isEqualTo(Integer.toString(MAX_BATCH_SIZE));
        assertThat(reply.header("Audit-Max-Request-Bytes")).isEqualTo(Long.toString(MAX_REQUEST_BYTES));

        ApiClient.Reply byId = api.get(EVENTS + "/" + WireEvents.id(second));
        assertThat(byId.status()).isEqualTo(200);
        JsonNode stored = byId.json();
        for (String field : List.of(
                "event_id", "event_type", "event_timestamp", "correlation_id", "actor_ip", "duration_ms", "trace_id")) {
            assertThat(stored.get(field)).as(field).isEqualTo(second.get(field));
        }
        assertThat(stored.get("event_data")).isEqualTo(second.get("event_data"));
        assertThat(stored.get("ingested_at").textValue()).isNotBlank();
        assertThat(stored.get("ingest_seq").isIntegralNumber()).isTrue();

        assertThat(trail(trail))
                .extracting(e -> e.get("event_id").textValue())
                .containsExactly(
                        first.get("event_id").textValue(),
                        second.get("event_id").textValue());
    }

    @Test
    void storesOneEventWith201AndAnswersItsResendWith200Duplicate() {
        ObjectNode event = WireEvents.valid(WireEvents.uniqueCorrelationId("single"), now());

        ApiClient.Reply created = api.post(EVENTS, event.toString());
        ApiClient.Reply again = api.post(EVENTS, event.toString());

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("status").textValue()).isEqualTo("created");
        assertThat(created.header("Location")).endsWith(WireEvents.id(event).toString());
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").textValue()).isEqualTo("duplicate");
    }

    @Test
    void answersAnInvalidSingleEventWith422NamingTheField() {
        ObjectNode event = WireEvents.valid(WireEvents.uniqueCorrelationId("single-bad"), now());
        event.put("event_outcome", "maybe");

        ApiClient.Reply reply = api.post(EVENTS, event.toString());

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().get("field").textValue()).isEqualTo("event_outcome");
        assertThat(reply.json().get("detail").textValue()).contains("success, failure, pending");
    }

    @Test
    void reportsDuplicatesWhenTheSameIdsAreSentAgain() {
        String trail = WireEvents.uniqueCorrelationId("dup");
        List<ObjectNode> events =
                List.of(WireEvents.valid(trail, now()), WireEvents.valid(trail, now()), WireEvents.valid(trail, now()));
        assertThat(api.post(BATCH, WireEvents.batch(events))
                        .json()
                        .get("created")
                        .intValue())
                .isEqualTo(3);

        JsonNode again = api.post(BATCH, WireEvents.batch(events)).json();

        assertThat(again.get("created").intValue()).isZero();
        assertThat(again.get("duplicates").intValue()).isEqualTo(3);
        assertThat(again.get("results"))
                .extracting(
                        r -> r.get("index").intValue() + ":" + r.get("status").textValue())
                .containsExactly("0:duplicate", "1:duplicate", "2:duplicate");
        assertThat(trail(trail)).hasSize(3);
    }

    @Test
    void treatsARepeatedIdWithinOneBatchAsADuplicate() {
        String trail = WireEvents.uniqueCorrelationId("dup-in-batch");
        ObjectNode event = WireEvents.valid(trail, now());

        JsonNode reply =
                api.post(BATCH, WireEvents.batch(event, event.deepCopy())).json();

        assertThat(reply.get("created").intValue()).isEqualTo(1);
        assertThat(reply.get("duplicates").intValue()).isEqualTo(1);
        assertThat(reply.get("results").get(0).get("index").intValue()).isEqualTo(1);
        assertThat(trail(trail)).hasSize(1);
    }

    @Test
    void answersAStoredIdWithOtherContentAsAConflictAndKeepsTheFirstEvent() {
        String trail = WireEvents.uniqueCorrelationId("conflict");
        ObjectNode first = WireEvents.valid(trail, now());
        ObjectNode fresh = WireEvents.valid(trail, now());
        assertThat(api.post(BATCH, WireEvents.batch(first))
                        .json()
                        .get("created")
                        .intValue())
                .isEqualTo(1);
        double conflictsBefore = conflictCounter();
        // the same id two days earlier with another actor: another partition on PostgreSQL
        ObjectNode rewrite = first.deepCopy()
                .put("actor_id", "mallory")
                .put("event_timestamp", AuditJson.formatTimestamp(now().minus(Duration.ofDays(2))));

        ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(rewrite, first.deepCopy(), fresh));
        ApiClient.Reply single = api.post(EVENTS, rewrite.toString());

        JsonNode body = reply.json();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(body.get("created").intValue()).isEqualTo(1);
        assertThat(body.get("duplicates").intValue()).isEqualTo(1);
        assertThat(body.get("conflicts").intValue()).isEqualTo(1);
        assertThat(body.get("results"))
                .extracting(
                        r -> r.get("index").intValue() + ":" + r.get("status").textValue())
                .containsExactly("0:conflict", "1:duplicate");
        assertThat(body.get("results").get(0).get("error").get("field").textValue())
                .isEqualTo("event_id");
        assertThat(single.status()).isEqualTo(409);
        assertThat(single.json().get("field").textValue()).isEqualTo("event_id");
        assertThat(single.json().get("detail").textValue()).contains("already stored with other content");
        assertThat(api.get(EVENTS + "/" + WireEvents.id(first))
                        .json()
                        .get("actor_id")
                        .textValue())
                .isEqualTo("remediation-orchestrator");
        assertThat(trail(trail)).hasSize(2);
        assertThat(conflictCounter() - conflictsBefore).isEqualTo(2.0);
    }

    private double conflictCounter() {
        String prefix = "audit_ingest_events_total{outcome=\"conflict\"} ";
        return api.get("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void answersALaterCopyOfAnIdInOneBatchWithOtherContentAsAConflict() {
        String trail = WireEvents.uniqueCorrelationId("conflict-in-batch");
        ObjectNode event = WireEvents.valid(trail, now());
        ObjectNode other = event.deepCopy().put("event_outcome", "failure");

        JsonNode reply = api.post(BATCH, WireEvents.batch(event, other, event.deepCopy()))
                .json();

        assertThat(reply.get("created").intValue()).isEqualTo(1);
        assertThat(reply.get("conflicts").intValue()).isEqualTo(1);
        assertThat(reply.get("results"))
                .extracting(
                        r -> r.get("index").intValue() + ":" + r.get("status").textValue())
                .containsExactly("1:conflict", "2:duplicate");
        assertThat(trail(trail))
                .singleElement()
                .satisfies(e -> assertThat(e.get("event_outcome").textValue()).isEqualTo("success"));
    }

    static final String LOG_ENTRIES = "/api/v1/audit/log/entries";

    private long logSize() {
        return api.get(LOG_ENTRIES + "?limit=1").json().get("log_size").longValue();
    }

    @Test
    void servesTheStoredEventsInCommitOrderAfterALogIndex() {
        String trail = WireEvents.uniqueCorrelationId("log");
        ObjectNode a = WireEvents.valid(trail, now());
        ObjectNode b = WireEvents.valid(trail, now().minus(Duration.ofDays(3)));
        ObjectNode c = WireEvents.valid(trail, now().minusSeconds(5));
        long start = logSize();
        api.post(BATCH, WireEvents.batch(a, b));
        // a resend and a conflict add nothing to the log
        api.post(BATCH, WireEvents.batch(c, a.deepCopy(), b.deepCopy().put("actor_id", "mallory")));

        JsonNode all =
                api.get(LOG_ENTRIES + "?after=" + (start - 1) + "&limit=1000").json();
        JsonNode page = api.get(LOG_ENTRIES + "?after=" + start + "&limit=1").json();

        assertThat(all.get("entries"))
                .extracting(e ->
                        e.get("log_index").longValue() + ":" + e.get("event_id").textValue())
                .containsExactly(
                        start + ":" + WireEvents.id(a),
                        (start + 1) + ":" + WireEvents.id(b),
                        (start + 2) + ":" + WireEvents.id(c));
        assertThat(all.get("next_after").longValue()).isEqualTo(start + 2);
        assertThat(all.get("log_size").longValue()).isEqualTo(start + 3);
        for (JsonNode entry : all.get("entries")) {
            assertThat(entry.get("event"))
                    .isEqualTo(api.get(EVENTS + "/" + entry.get("event_id").textValue())
                            .json());
        }
        assertThat(page.get("entries"))
                .extracting(e -> e.get("event_id").textValue())
                .containsExactly(WireEvents.id(b).toString());
        assertThat(page.get("next_after").longValue()).isEqualTo(start + 1);
        JsonNode end = api.get(LOG_ENTRIES + "?after=" + (start + 2)).json();
        assertThat(end.get("entries")).isEmpty();
        assertThat(end.get("next_after").longValue()).isEqualTo(start + 2);
    }

    @Test
    void aWaitingLogReadIsAnsweredWhenABatchCommits() throws Exception {
        long after = logSize() - 1;
        int readsBefore = repository.logReads();
        CompletableFuture<ApiClient.Reply> waiting =
                CompletableFuture.supplyAsync(() -> api.get(LOG_ENTRIES + "?after=" + after + "&wait=25s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> repository.logReads() > readsBefore);
        assertThat(waiting).isNotDone();
        ObjectNode event = WireEvents.valid(WireEvents.uniqueCorrelationId("tail"), now());

        api.post(BATCH, WireEvents.batch(event));

        // answered on the commit, well before the 25 s wait ends (the test's timeout is 60 s)
        ApiClient.Reply reply = waiting.get(15, TimeUnit.SECONDS);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("entries"))
                .extracting(e -> e.get("event_id").textValue())
                .containsExactly(WireEvents.id(event).toString());
    }

    @Test
    void aWaitingLogReadEndsEmptyWhenNothingCommits() {
        long after = logSize() - 1;

        ApiClient.Reply reply = api.get(LOG_ENTRIES + "?after=" + after + "&wait=300ms");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("entries")).isEmpty();
        assertThat(reply.json().get("next_after").longValue()).isEqualTo(after);
    }

    @Test
    void answersBadLogParametersWith400NamingTheParameter() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("after=-2", "after");
        cases.put("after=x", "after");
        cases.put("limit=0", "limit");
        cases.put("limit=1001", "limit");
        cases.put("wait=31s", "wait");
        cases.put("wait=10", "wait");
        cases.put("from=3", "from");
        cases.put("after=1&after=2", "after");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ApiClient.Reply reply = api.get(LOG_ENTRIES + "?" + c.getKey());
            assertThat(reply.status()).as(c.getKey()).isEqualTo(400);
            assertThat(reply.json().get("parameter").textValue()).as(c.getKey()).isEqualTo(c.getValue());
        }
    }

    @Test
    void storesExactlyTheValidEventsOfAMixedBatch() {
        String trail = WireEvents.uniqueCorrelationId("mixed");
        ObjectNode good1 = WireEvents.valid(trail, now());
        ObjectNode bad = WireEvents.valid(trail, now());
        bad.put("event_type", "Not A Type");
        ObjectNode good2 = WireEvents.valid(trail, now());

        JsonNode reply = api.post(BATCH, WireEvents.batch(good1, bad, good2)).json();

        assertThat(reply.get("created").intValue()).isEqualTo(2);
        assertThat(reply.get("rejected").intValue()).isEqualTo(1);
        JsonNode result = reply.get("results").get(0);
        assertThat(result.get("index").intValue()).isEqualTo(1);
        assertThat(result.get("status").textValue()).isEqualTo("rejected");
        assertThat(result.get("event_id").textValue())
                .isEqualTo(bad.get("event_id").textValue());
        assertThat(result.get("error").get("field").textValue()).isEqualTo("event_type");
        assertThat(trail(trail))
                .extracting(e -> e.get("event_id").textValue())
                .containsExactlyInAnyOrder(
                        good1.get("event_id").textValue(), good2.get("event_id").textValue());
    }

    @Test
    void rejectsEveryBrokenRuleOfTheEventModelNamingTheField() {
        String trail = WireEvents.uniqueCorrelationId("rules");
        Map<String, Consumer<ObjectNode>> cases = new LinkedHashMap<>();
        cases.put("event_id", e -> e.put("event_id", "not-a-uuid"));
        cases.put("version", e -> e.put("version", "2.0"));
        cases.put("event_type", e -> e.remove("event_type"));
        cases.put("event_type ", e -> e.put("event_type", "a.b.c" + ".x".repeat(50)));
        cases.put("event_type  ", e -> e.put("event_type", "Upper.Case.Type"));
        cases.put("event_category", e -> e.put("event_category", ""));
        cases.put("event_category ", e -> e.put("event_category", "c".repeat(51)));
        cases.put("event_action", e -> e.put("event_action", "a".repeat(51)));
        cases.put("event_outcome", e -> e.put("event_outcome", "maybe"));
        cases.put("event_timestamp", e -> e.put("event_timestamp", "yesterday"));
        cases.put("event_timestamp ", e -> e.put("event_timestamp", "2026-01-01T00:00:00"));
        cases.put("event_timestamp  ", e -> e.put("event_timestamp", ts(now().minus(Duration.ofDays(31)))));
        cases.put("event_timestamp   ", e -> e.put("event_timestamp", ts(now().plus(Duration.ofHours(1)))));
        cases.put("correlation_id", e -> e.put("correlation_id", "c".repeat(256)));
        cases.put("correlation_id ", e -> e.put("correlation_id", "has\u0000nul"));
        cases.put("actor_type", e -> e.put("actor_type", "t".repeat(51)));
        cases.put("actor_id", e -> e.remove("actor_id"));
        cases.put("actor_id ", e -> e.put("actor_id", 42));
        cases.put("resource_type", e -> e.put("resource_type", "r".repeat(101)));
        cases.put("resource_id", e -> e.put("resource_id", "r".repeat(256)));
        cases.put("event_data", e -> e.remove("event_data"));
        cases.put("event_data ", e -> e.put("event_data", "not an object"));
        cases.put("event_data  ", e -> e.putObject("event_data").put("blob", "x".repeat(256 * 1024)));
        cases.put("event_data   ", e -> {
            ObjectNode level = e.putObject("event_data");
            for (int i = 0; i < 33; i++) {
                level = level.putObject("n");
            }
        });
        cases.put("event_data.note", e -> e.putObject("event_data").put("note", "nul\u0000inside"));
        cases.put("actor_ip", e -> e.put("actor_ip", "999.1.1.1"));
        cases.put("parent_event_id", e -> e.put("parent_event_id", "nope"));
        cases.put("resource_name", e -> e.put("resource_name", "n".repeat(256)));
        cases.put("severity", e -> e.put("severity", "s".repeat(21)));
        cases.put("error_message", e -> e.put("error_message", "m".repeat(4097)));
        cases.put("duration_ms", e -> e.put("duration_ms", -1));
        cases.put("duration_ms ", e -> e.put("duration_ms", "5"));
        cases.put("trace_id", e -> e.put("trace_id", "xyz"));
        cases.put("span_id", e -> e.put("span_id", "0000000000000000"));
        cases.put("unknown_field", e -> e.put("unknown_field", true));
        List<ObjectNode> events = new ArrayList<>();
        List<String> expectedFields = new ArrayList<>();
        for (Map.Entry<String, Consumer<ObjectNode>> c : cases.entrySet()) {
            ObjectNode e = WireEvents.valid(trail, now());
            c.getValue().accept(e);
            events.add(e);
            expectedFields.add(c.getKey().trim());
        }

        JsonNode reply = api.post(BATCH, WireEvents.batch(events)).json();

        assertThat(reply.get("rejected").intValue()).isEqualTo(cases.size());
        List<String> fields = new ArrayList<>();
        reply.get("results").forEach(r -> fields.add(r.get("error").get("field").textValue()));
        assertThat(fields).containsExactlyElementsOf(expectedFields);
        assertThat(trail(trail)).isEmpty();
    }

    private static String ts(Instant instant) {
        return AuditJson.formatTimestamp(instant);
    }

    @Test
    void answersMalformedRequestsWith4xxProblemsNever5xx() throws IOException {
        String trail = WireEvents.uniqueCorrelationId("malformed");
        String valid = WireEvents.batch(WireEvents.valid(trail, now()));
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("not json", "{\"events\":".getBytes(StandardCharsets.UTF_8));
        bodies.put("invalid utf-8", valid.replace("rr-1", "rr-\u00ff").getBytes(StandardCharsets.ISO_8859_1));
        bodies.put("raw NUL", valid.replace("rr-1", "rr\u00001").getBytes(StandardCharsets.UTF_8));
        bodies.put(
                "65 levels",
                ("{\"events\":[" + "[".repeat(64) + "]".repeat(64) + "]}").getBytes(StandardCharsets.UTF_8));
        bodies.put("no events", "{}".getBytes(StandardCharsets.UTF_8));
        bodies.put("empty events", "{\"events\":[]}".getBytes(StandardCharsets.UTF_8));
        bodies.put("events not an array", "{\"events\":{}}".getBytes(StandardCharsets.UTF_8));
        bodies.put("top-level array", "[]".getBytes(StandardCharsets.UTF_8));
        bodies.put("trailing garbage", (valid + "}").getBytes(StandardCharsets.UTF_8));
        bodies.put("empty", new byte[0]);
        for (Map.Entry<String, byte[]> b : bodies.entrySet()) {
            ApiClient.Reply reply = api.postBytes(BATCH, b.getValue(), Map.of("Content-Type", "application/json"));
            assertThat(reply.status()).as(b.getKey()).isEqualTo(400);
            assertThat(reply.contentType()).as(b.getKey()).startsWith("application/problem+json");
            assertThat(reply.header("Audit-Max-Batch-Size")).as(b.getKey()).isNotNull();
        }
        assertThat(trail(trail)).isEmpty();
    }

    @Test
    void refusesABatchOverMaxBatchSizeWith400() {
        String trail = WireEvents.uniqueCorrelationId("too-many");
        List<ObjectNode> events = new ArrayList<>();
        for (int i = 0; i <= MAX_BATCH_SIZE; i++) {
            events.add(WireEvents.valid(trail, now()));
        }

        ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(events));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("limit").intValue()).isEqualTo(MAX_BATCH_SIZE);
        assertThat(reply.json().get("detail").textValue())
                .contains("max_batch_size 100")
                .contains("got 101");
        assertThat(trail(trail)).isEmpty();
    }

    @Test
    void refusesAnOversizeBodyWith413FromContentLength() {
        ApiClient.Reply reply =
                api.postAnnouncing(BATCH, MAX_REQUEST_BYTES + 1, Map.of("Content-Type", "application/json"));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().get("limit").longValue()).isEqualTo(MAX_REQUEST_BYTES);
        assertThat(reply.json().get("detail").textValue()).contains("Content-Length");
    }

    @Test
    void refusesAnOversizeChunkedBodyWith413WhileStreaming() throws Exception {
        byte[] body = new byte[(int) MAX_REQUEST_BYTES + 100_000];
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + BATCH))
                .header("Content-Type", "application/json")
                // an InputStream publisher has no length: Java's client sends it chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("more than " + MAX_REQUEST_BYTES + " bytes read");
        ApiClient.checkAgainstSpec(
                "POST",
                BATCH,
                new ApiClient.Reply(response.statusCode(), response.headers().map(), response.body()));
    }

    @Test
    void acceptsGzipBodiesAndRefusesAZipBombWith413() throws IOException {
        String trail = WireEvents.uniqueCorrelationId("gzip");
        byte[] gzipped = gzip(WireEvents.batch(WireEvents.valid(trail, now())).getBytes(StandardCharsets.UTF_8));
        ApiClient.Reply ok = api.postBytes(BATCH, gzipped, Map.of("Content-Encoding", "gzip"));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("created").intValue()).isEqualTo(1);

        byte[] bomb = gzip(new byte[(int) MAX_REQUEST_BYTES * 4]);
        assertThat(bomb.length).isLessThan(100_000);
        ApiClient.Reply refused = api.postBytes(BATCH, bomb, Map.of("Content-Encoding", "gzip"));
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.json().get("detail").textValue()).contains("decompressed");

        ApiClient.Reply notGzip =
                api.postBytes(BATCH, "{}".getBytes(StandardCharsets.UTF_8), Map.of("Content-Encoding", "gzip"));
        assertThat(notGzip.status()).isEqualTo(400);
        ApiClient.Reply brotli =
                api.postBytes(BATCH, "{}".getBytes(StandardCharsets.UTF_8), Map.of("Content-Encoding", "br"));
        assertThat(brotli.status()).isEqualTo(415);
    }

    /** One valid item's JSON with {@code event_data} given as raw text. */
    static String itemWithData(String trail, String eventData) {
        ObjectNode e = WireEvents.valid(trail, now());
        e.remove("event_data");
        String json = e.toString();
        return json.substring(0, json.length() - 1) + ",\"event_data\":" + eventData + "}";
    }

    @Test
    void keepsEveryNumberInEventDataExactlyAsSentThroughStoreAndQuery() throws IOException {
        String trail = WireEvents.uniqueCorrelationId("exact-numbers");
        String data = "{\"huge\":1e400,\"precise\":0.1000000000000000055511151231257827,"
                + "\"big\":-123456789012345678901234567890123,\"tiny\":2.5e-300}";

        ApiClient.Reply reply = api.post(BATCH, "{\"events\":[" + itemWithData(trail, data) + "]}");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("created").intValue()).isEqualTo(1);

        ApiClient.Reply query = api.get(EVENTS + "?correlation_id=" + enc(trail));
        assertThat(query.body()).doesNotContain("Infinity");
        com.fasterxml.jackson.databind.ObjectMapper exact = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        JsonNode stored = exact.readTree(query.body()).get("events").get(0).get("event_data");
        JsonNode sent = exact.readTree(data);
        for (String key : List.of("huge", "precise", "big", "tiny")) {
            // the value, not the notation: PostgreSQL's jsonb writes numbers in plain decimal notation
            assertThat(stored.get(key).decimalValue())
                    .as(key)
                    .isEqualByComparingTo(sent.get(key).decimalValue());
        }
    }

    @Test
    void rejectsAnItemWithADuplicateKeyNamingItAndStoresTheOthers() {
        String trail = WireEvents.uniqueCorrelationId("duplicate-key");
        String twice = itemWithData(trail, "{\"approver\":\"alice\",\"approver\":\"mallory\"}");
        String fine = itemWithData(trail, "{\"approver\":\"alice\"}");

        ApiClient.Reply reply = api.post(BATCH, "{\"events\":[" + twice + "," + fine + "]}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("created").intValue()).isEqualTo(1);
        assertThat(reply.json().get("rejected").intValue()).isEqualTo(1);
        JsonNode error = reply.json().get("results").get(0).get("error");
        assertThat(error.get("field").textValue()).isEqualTo("event_data.approver");
        assertThat(error.get("detail").textValue()).startsWith("duplicate key");
        assertThat(trail(trail)).hasSize(1);
    }

    @Test
    void refusesBodiesThatAreNotOneCleanUtf8JsonDocumentWith400NamingTheRule() throws IOException {
        String trail = WireEvents.uniqueCorrelationId("strict-body");
        String json = "{\"events\":[" + itemWithData(trail, "{}") + "]}";
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        byte[] gzipped = gzip(utf8);
        byte[] badCrc = gzipped.clone();
        badCrc[badCrc.length - 8] ^= 1;
        byte[] twoMembers = concat(gzipped, gzip(" ".getBytes(StandardCharsets.UTF_8)));
        Map<String, ApiClient.Reply> replies = new java.util.LinkedHashMap<>();
        replies.put("utf-16", api.postBytes(BATCH, json.getBytes(StandardCharsets.UTF_16LE), Map.of()));
        replies.put(
                "bom",
                api.postBytes(BATCH, concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8), Map.of()));
        replies.put("gzip-crc", api.postBytes(BATCH, badCrc, Map.of("Content-Encoding", "gzip")));
        replies.put("gzip-second-member", api.postBytes(BATCH, twoMembers, Map.of("Content-Encoding", "gzip")));
        replies.put(
                "gzip-garbage",
                api.postBytes(BATCH, concat(gzipped, new byte[] {'x', 'y'}), Map.of("Content-Encoding", "gzip")));
        replies.put("duplicate-events", api.post(BATCH, json.substring(0, json.length() - 1) + ",\"events\":[]}"));

        assertThat(replies)
                .allSatisfy((name, reply) -> assertThat(reply.status()).as(name).isEqualTo(400));
        assertThat(replies.get("utf-16").json().get("detail").textValue()).contains("UTF-8");
        assertThat(replies.get("bom").json().get("detail").textValue()).contains("byte order mark");
        assertThat(replies.get("gzip-crc").json().get("detail").textValue()).contains("CRC-32");
        assertThat(replies.get("gzip-second-member").json().get("detail").textValue())
                .contains("follow the gzip stream");
        assertThat(replies.get("gzip-garbage").json().get("detail").textValue()).contains("2 bytes follow");
        assertThat(replies.get("duplicate-events").json().get("detail").textValue())
                .contains("duplicate key");
        assertThat(trail(trail)).isEmpty();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    void filtersByEveryParameterAndOrdersBothWays() {
        String trail = WireEvents.uniqueCorrelationId("filters");
        Instant base = now().minus(Duration.ofHours(3));
        ObjectNode old = WireEvents.valid(trail, base);
        ObjectNode failed = WireEvents.valid(trail, base.plus(Duration.ofHours(2)));
        failed.put("event_outcome", "failure")
                .put("event_type", "orchestrator.approval.rejected")
                .put("event_category", "approval")
                .put("actor_id", "alice")
                .put("resource_type", "workflow")
                .put("resource_id", "wf-9");
        ObjectNode recent = WireEvents.valid(trail, now().minusSeconds(5));
        assertThat(api.post(BATCH, WireEvents.batch(old, failed, recent)).status())
                .isEqualTo(200);
        String q = EVENTS + "?correlation_id=" + enc(trail);

        assertThat(ids(api.get(q))).containsExactly(id(old), id(failed), id(recent));
        assertThat(ids(api.get(q + "&order=desc"))).containsExactly(id(recent), id(failed), id(old));
        assertThat(ids(api.get(q + "&event_outcome=failure"))).containsExactly(id(failed));
        assertThat(ids(api.get(q + "&event_type=orchestrator.approval.rejected")))
                .containsExactly(id(failed));
        assertThat(ids(api.get(q + "&event_category=approval"))).containsExactly(id(failed));
        assertThat(ids(api.get(q + "&actor_id=alice"))).containsExactly(id(failed));
        assertThat(ids(api.get(q + "&resource_type=workflow"))).containsExactly(id(failed));
        assertThat(ids(api.get(q + "&resource_type=workflow&resource_id=wf-9"))).containsExactly(id(failed));
        assertThat(ids(api.get(q + "&since=2h"))).containsExactly(id(failed), id(recent));
        assertThat(ids(api.get(q + "&since=1m"))).containsExactly(id(recent));
        assertThat(ids(api.get(q + "&until=2h"))).containsExactly(id(old));
        assertThat(ids(api.get(q + "&since=" + enc(ts(base)) + "&until=" + enc(ts(base.plusSeconds(1))))))
                .containsExactly(id(old));
        assertThat(ids(api.get(q + "&limit=1"))).containsExactly(id(old));
        assertThat(api.get(EVENTS + "?correlation_id=nothing-" + UUID.randomUUID())
                        .json()
                        .get("next_cursor")
                        .isNull())
                .isTrue();
    }

    @Test
    void answersBadQueryParametersWith400NamingTheParameter() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("limit=0", "limit");
        bad.put("limit=1001", "limit");
        bad.put("limit=ten", "limit");
        bad.put("order=sideways", "order");
        bad.put("event_outcome=maybe", "event_outcome");
        bad.put("since=yesterday", "since");
        bad.put("until=5x", "until");
        bad.put("since=1h&until=2h", "until");
        bad.put("cursor=garbage", "cursor");
        bad.put("colour=red", "colour");
        bad.put("actor_id=a&actor_id=b", "actor_id");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            ApiClient.Reply reply = api.get(EVENTS + "?" + b.getKey());
            assertThat(reply.status()).as(b.getKey()).isEqualTo(400);
            assertThat(reply.json().get("parameter").textValue()).as(b.getKey()).isEqualTo(b.getValue());
        }
        ApiClient.Reply badId = api.get(EVENTS + "/not-a-uuid");
        assertThat(badId.status()).isEqualTo(400);
        assertThat(badId.json().get("parameter").textValue()).isEqualTo("event_id");
        ApiClient.Reply missing = api.get(EVENTS + "/" + UUID.randomUUID());
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
    }

    @Test
    void pagesStablyWhileInsertsRunConcurrently() throws Exception {
        String trail = WireEvents.uniqueCorrelationId("paging");
        Instant base = now().minus(Duration.ofMinutes(30));
        List<ObjectNode> initial = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            // pairs share a timestamp so the event_id tie-break is exercised
            initial.add(WireEvents.valid(trail, base.plusMillis(i / 2 * 10L)));
        }
        for (int i = 0; i < initial.size(); i += MAX_BATCH_SIZE) {
            assertThat(api.post(
                                    BATCH,
                                    WireEvents.batch(initial.subList(i, Math.min(i + MAX_BATCH_SIZE, initial.size()))))
                            .status())
                    .isEqualTo(200);
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        CompletableFuture<Integer> inserted = CompletableFuture.supplyAsync(
                () -> {
                    int n = 0;
                    while (!stop.get()) {
                        // new events land both inside the range already paged and after it
                        ObjectNode inside = WireEvents.valid(trail, base.plusMillis(n % 1250));
                        ObjectNode later = WireEvents.valid(trail, now());
                        assertThat(api.post(BATCH, WireEvents.batch(inside, later))
                                        .status())
                                .isEqualTo(200);
                        n += 2;
                    }
                    return n;
                },
                writer);
        List<String> seen = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(EVENTS + "?limit=20&correlation_id=" + enc(trail)
                            + (cursor == null ? "" : "&cursor=" + enc(cursor)))
                    .json();
            for (JsonNode e : page.get("events")) {
                seen.add(e.get("event_id").textValue());
                keys.add(e.get("event_timestamp").textValue() + "/"
                        + e.get("event_id").textValue());
            }
            cursor = page.get("next_cursor").isNull()
                    ? null
                    : page.get("next_cursor").textValue();
        } while (cursor != null && seen.size() < 2000);
        stop.set(true);
        assertThat(inserted.get(30, TimeUnit.SECONDS)).isPositive();
        writer.shutdown();

        assertThat(new HashSet<>(seen)).as("no event appears twice").hasSize(seen.size());
        assertThat(seen)
                .as("every event stored before paging began is seen")
                .containsAll(
                        initial.stream().map(e -> e.get("event_id").textValue()).toList());
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        assertThat(keys).as("keyset order on (event_timestamp, event_id)").isEqualTo(sorted);
    }

    @Test
    void answers503WithRetryAfterWhileStorageIsDownAndRecoversWithoutRestart() {
        String trail = WireEvents.uniqueCorrelationId("outage");
        ObjectNode event = WireEvents.valid(trail, now());
        storageDown();
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                ApiClient.Reply reply = api.post(BATCH, WireEvents.batch(event));
                assertThat(reply.status()).isEqualTo(503);
                assertThat(reply.header("Retry-After")).isEqualTo("1");
                assertThat(reply.contentType()).startsWith("application/problem+json");
            });
            assertThat(api.get("/readyz").status()).isEqualTo(503);
            assertThat(api.get(EVENTS + "?correlation_id=" + enc(trail)).status())
                    .isEqualTo(503);
            assertThat(api.get("/healthz").status()).isEqualTo(200);
        } finally {
            storageUp();
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(api.get("/readyz").status()).isEqualTo(200));
        assertThat(trail(trail))
                .as("nothing was stored while the database was down")
                .isEmpty();
        JsonNode reply = api.post(BATCH, WireEvents.batch(event)).json();
        assertThat(reply.get("created").intValue()).isEqualTo(1);
    }

    @Test
    void answers429WithRetryAfterWhenEveryDatabasePermitStaysBusy() throws Exception {
        String trail = WireEvents.uniqueCorrelationId("overload");
        repository.holdWrites();
        List<CompletableFuture<ApiClient.Reply>> held = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(POOL_SIZE);
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                String body = WireEvents.batch(WireEvents.valid(trail, now()));
                held.add(CompletableFuture.supplyAsync(() -> api.post(BATCH, body), senders));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> repository.blockedWrites() == POOL_SIZE);

            ApiClient.Reply refused = api.post(BATCH, WireEvents.batch(WireEvents.valid(trail, now())));

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            ApiClient.Reply query = api.get(EVENTS + "?limit=1");
            assertThat(query.status()).as("queries share the database permits").isEqualTo(429);
            assertThat(api.get("/metrics").body()).contains("audit_storage_permits_in_use_permits " + POOL_SIZE + ".0");
        } finally {
            repository.releaseWrites();
            senders.shutdown();
        }
        for (CompletableFuture<ApiClient.Reply> f : held) {
            assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        assertThat(trail(trail)).hasSize(POOL_SIZE);
    }

    @Test
    void servesProbesLimitsMetricsAndTheOpenApiDocument() {
        assertThat(api.get("/healthz").json().get("status").textValue()).isEqualTo("ok");
        assertThat(api.get("/readyz").status()).isEqualTo(200);
        JsonNode limits = api.get("/api/v1/limits").json();
        assertThat(limits.get("max_batch_size").intValue()).isEqualTo(MAX_BATCH_SIZE);
        assertThat(limits.get("max_request_bytes").longValue()).isEqualTo(MAX_REQUEST_BYTES);
        assertThat(limits.get("max_event_data_bytes").intValue()).isEqualTo(256 * 1024);
        assertThat(api.get("/openapi.yaml").body()).isEqualTo(ApiClient.openApiText());

        api.post(BATCH, WireEvents.batch(WireEvents.valid(WireEvents.uniqueCorrelationId("metrics"), now())));
        String metrics = api.get("/metrics").body();
        assertThat(metrics)
                .contains("audit_ingest_events_total{outcome=\"created\"}")
                .contains("audit_ingest_batch_size_events_count")
                .contains("audit_ingest_write_duration_seconds_count{result=\"ok\"}")
                .contains("audit_ingest_lag_seconds_bucket")
                .contains(
                        "audit_http_requests_seconds_count{method=\"POST\",route=\"/api/v1/audit/events/batch\",status=\"200\"}")
                .contains("audit_storage_permits_max_permits " + POOL_SIZE + ".0")
                .contains("audit_storage_ready 1.0")
                .as("the store's connection pool metrics")
                .contains("hikaricp_connections_active");
    }

    @Test
    void answersUnknownRoutesAndMethodsWithProblems() {
        // neither route is in openapi.yaml, so these two replies are checked by hand
        ApiClient.Reply notFound = api.sendUnchecked("GET", "/api/v1/nothing-here", null, Map.of());
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.contentType()).startsWith("application/problem+json");
        assertThat(notFound.json().get("status").intValue()).isEqualTo(404);
        assertThat(notFound.json().get("instance").textValue()).isEqualTo("/api/v1/nothing-here");
        ApiClient.Reply wrongMethod = api.sendUnchecked("DELETE", EVENTS, null, Map.of());
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.contentType()).startsWith("application/problem+json");
    }

    private static List<String> ids(ApiClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        reply.json().get("events").forEach(e -> out.add(e.get("event_id").textValue()));
        return out;
    }

    private static String id(ObjectNode e) {
        return e.get("event_id").textValue();
    }
}

package dev.auditline.datastorage;

import static dev.auditline.datastorage.k8s.K8sFixtures.item;
import static dev.auditline.datastorage.k8s.K8sFixtures.load;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.ValidationLimits;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.k8s.K8sFixtures;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Kubernetes audit webhook over real HTTP against a real store, at the server's default limits
 * and with auth on: the EventList fixtures are posted as kube-apiserver posts them, and every
 * stored event is read back through the public query API and compared, field by field, with what
 * the pure mapping produces. Every response is checked against {@code openapi.yaml}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class KubernetesWebhookContract {
    static final String EVENTS = "/api/v1/audit/events";
    static final String WRITER = "apiserver-webhook-token";
    static final String READER = "auditctl-token";

    Path dir;
    DataStorage server;
    ControllableRepository repository;
    ApiClient api;
    ApiClient reader;

    /** The store under test; {@code dir} is a fresh temporary directory. */
    abstract StorageSettings storage(Path dir);

    /** Called once the server is closed, to release what {@link #storage(Path)} started. */
    void afterServerStopped() {}

    @BeforeAll
    void startServer() throws IOException {
        dir = Files.createTempDirectory("datastorage-k8s-it");
        Path tokens = Files.writeString(
                dir.resolve("tokens.yaml"),
                "clients:\n"
                        + "  kube-apiserver:\n    token_sha256: " + Authenticator.sha256Hex(WRITER)
                        + "\n    permissions: [write]\n"
                        + "  auditctl:\n    token_sha256: " + Authenticator.sha256Hex(READER)
                        + "\n    permissions: [read]\n");
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(
                        defaults.server().withPort(0).withAuthTokensFile(tokens))
                .withStorage(storage(dir))
                .withKubernetes(defaults.kubernetes().withQuarantineFile(dir.resolve("quarantine.jsonl")));
        server = DataStorage.start(config, Clock.systemUTC(), real -> repository = new ControllableRepository(real));
        api = new ApiClient(server.baseUrl(), WRITER);
        reader = new ApiClient(server.baseUrl(), READER);
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
        afterServerStopped();
        TestFiles.deleteRecursively(dir);
    }

    static String audit(String cluster) {
        return "/api/v1/k8s/" + cluster + "/audit";
    }

    /**
     * A fixture near the server's clock, with every auditID prefixed by the test's name so tests
     * sharing the store never see each other's events.
     */
    static ObjectNode fixture(String name, TestInfo test) {
        ObjectNode list = K8sFixtures.shifted(load(name), Instant.now().minus(Duration.ofMinutes(10)));
        String tag = test.getTestMethod().orElseThrow().getName();
        for (JsonNode n : list.get("items")) {
            if (n.hasNonNull("auditID")) {
                ((ObjectNode) n).put("auditID", tag + "-" + n.get("auditID").asText());
            }
        }
        return list;
    }

    ApiClient.Reply post(String cluster, JsonNode list) {
        return api.post(audit(cluster), list.toString());
    }

    /** Every matching event, following next_cursor: a page also ends at query.max_page_bytes. */
    List<JsonNode> query(String query) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            ApiClient.Reply reply =
                    reader.get(EVENTS + "?limit=1000&" + query + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            reply.json().get("events").forEach(out::add);
            JsonNode next = reply.json().get("next_cursor");
            cursor = next.isNull() ? null : next.asText();
        } while (cursor != null);
        return out;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static Set<String> ids(List<JsonNode> events) {
        Set<String> out = new HashSet<>();
        events.forEach(e -> out.add(e.get("event_id").asText()));
        return out;
    }

    static String id(String cluster, JsonNode item) {
        return KubernetesAuditMapping.eventId(
                        cluster, item.get("auditID").asText(), item.get("stage").asText())
                .toString();
    }

    /** What the server must have stored for {@code item}: the pure mapping, as the wire format writes it. */
    static ObjectNode expected(String cluster, JsonNode item) {
        KubernetesAuditMapping mapping =
                new KubernetesAuditMapping(KubernetesAuditMapping.DEFAULT_STORED_STAGES, ValidationLimits.DEFAULTS);
        AuditEvent e = ((KubernetesAuditMapping.Stored) mapping.map(cluster, item, Instant.now())).event();
        return normalized(AuditJson.mapper().valueToTree(e));
    }

    /** The same JSON text always gives the same node types (an int and a long 12 are not equal nodes). */
    static ObjectNode normalized(JsonNode node) {
        try {
            return (ObjectNode) AuditJson.mapper().readTree(node.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ObjectNode withoutIngestFields(JsonNode stored) {
        ObjectNode copy = ((ObjectNode) stored).deepCopy();
        copy.remove(List.of("ingested_at", "ingest_seq", "ingested_by"));
        return normalized(copy);
    }

    double metric(String name, String outcome) {
        String text = api.get("/metrics").body();
        Matcher m = Pattern.compile(
                        "(?m)^" + Pattern.quote(name) + "\\{[^}]*outcome=\"" + outcome + "\"[^}]*\\} ([0-9.eE+-]+)$")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void everyMappedFieldIsStoredAndQueriedBackThroughThePublicApi(TestInfo test) {
        ObjectNode verbs = fixture("verbs.json", test);
        ObjectNode identities = fixture("identities.json", test);

        ApiClient.Reply first = post("prod-eu-1", verbs);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().toString())
                .isEqualTo("{\"created\":8,\"duplicates\":0,\"skipped\":2,\"quarantined\":0,\"results\":[]}");
        ApiClient.Reply second = post("prod-eu-1", identities);
        assertThat(second.json().get("created").asInt()).isEqualTo(6);

        int compared = 0;
        for (ObjectNode list : List.of(verbs, identities)) {
            for (JsonNode item : list.get("items")) {
                String stage = item.get("stage").asText();
                List<JsonNode> found =
                        query("correlation_id=" + enc(item.get("auditID").asText()));
                if (!KubernetesAuditMapping.DEFAULT_STORED_STAGES.contains(stage)) {
                    assertThat(found)
                            .extracting(e -> e.get("event_data").get("stage").asText())
                            .doesNotContain(stage);
                    continue;
                }
                assertThat(found).hasSize(1);
                assertThat(withoutIngestFields(found.get(0)))
                        .as("item %s", item.get("auditID"))
                        .isEqualTo(expected("prod-eu-1", item));
                assertThat(found.get(0).get("ingested_by").asText()).isEqualTo("kube-apiserver");
                ApiClient.Reply byId = reader.get(EVENTS + "/" + id("prod-eu-1", item));
                assertThat(byId.status()).isEqualTo(200);
                compared++;
            }
        }
        assertThat(compared).isEqualTo(14);

        // the columns the query API filters on
        assertThat(ids(query("actor_id=" + enc("system:node:worker-1") + "&since=1h")))
                .contains(id("prod-eu-1", item(identities, 0)));
        assertThat(ids(query("resource_type=deployments.apps&resource_id=" + enc("shop/cart") + "&correlation_id="
                        + enc(item(verbs, 5).get("auditID").asText()))))
                .containsExactly(id("prod-eu-1", item(verbs, 5)));
        assertThat(ids(query("event_type=k8s.pods.deletecollection&correlation_id="
                        + enc(item(verbs, 9).get("auditID").asText()))))
                .containsExactly(id("prod-eu-1", item(verbs, 9)));
        JsonNode forbidden = query("correlation_id="
                        + enc(item(identities, 2).get("auditID").asText()) + "&event_outcome=failure")
                .get(0);
        assertThat(forbidden.get("error_code").asText()).isEqualTo("Forbidden");
        assertThat(forbidden.get("actor_ip").asText()).isEqualTo("10.0.0.77");
        assertThat(forbidden.get("cluster_id").asText()).isEqualTo("prod-eu-1");
        assertThat(forbidden.get("resource_id").asText()).isEqualTo("*");
        JsonNode list = query(
                        "correlation_id=" + enc(item(verbs, 1).get("auditID").asText()))
                .get(0);
        assertThat(list.get("resource_id").asText()).isEqualTo("shop/*");
        assertThat(list.get("namespace").asText()).isEqualTo("shop");
    }

    @Test
    void aResentBatchIsReportedAsDuplicatesAndStoredOnce(TestInfo test) {
        ObjectNode verbs = fixture("verbs.json", test);
        assertThat(post("staging", verbs).json().get("created").asInt()).isEqualTo(8);

        ApiClient.Reply resent = post("staging", verbs);
        assertThat(resent.status()).isEqualTo(200);
        JsonNode body = resent.json();
        assertThat(body.get("created").asInt()).isZero();
        assertThat(body.get("duplicates").asInt()).isEqualTo(8);
        assertThat(body.get("skipped").asInt()).isEqualTo(2);
        assertThat(body.get("results")).hasSize(8);
        for (JsonNode item : verbs.get("items")) {
            List<JsonNode> found =
                    query("correlation_id=" + enc(item.get("auditID").asText()));
            assertThat(found).as("item %s", item.get("auditID")).hasSizeLessThanOrEqualTo(1);
        }

        // the same requests from another cluster are other events
        assertThat(post("staging-2", verbs).json().get("created").asInt()).isEqualTo(8);
    }

    @Test
    void concurrentResendsOfOneBatchStoreEachEventExactlyOnce(TestInfo test) throws Exception {
        ObjectNode verbs = fixture("verbs.json", test);
        int senders = 8;
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<JsonNode>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < senders; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    ApiClient.Reply r = post("concurrent", verbs);
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    return r.json();
                }));
            }
            go.countDown();
            int created = 0;
            int duplicates = 0;
            for (Future<JsonNode> f : answers) {
                JsonNode body = f.get();
                created += body.get("created").asInt();
                duplicates += body.get("duplicates").asInt();
            }
            assertThat(created).isEqualTo(8);
            assertThat(duplicates).isEqualTo(8 * (senders - 1));
        } finally {
            pool.shutdownNow();
        }
        Set<String> auditIds = new java.util.TreeSet<>();
        Set<String> expectedIds = new HashSet<>();
        for (JsonNode item : verbs.get("items")) {
            auditIds.add(item.get("auditID").asText());
            if (KubernetesAuditMapping.DEFAULT_STORED_STAGES.contains(
                    item.get("stage").asText())) {
                expectedIds.add(id("concurrent", item));
            }
        }
        List<JsonNode> stored = new ArrayList<>();
        auditIds.forEach(a -> stored.addAll(query("correlation_id=" + enc(a))));
        assertThat(stored).hasSize(8);
        assertThat(ids(stored)).isEqualTo(expectedIds);
    }

    @Test
    void malformedItemsAreQuarantinedCountedAndTheRestIsStored(TestInfo test) throws IOException {
        ObjectNode bad = fixture("malformed.json", test);
        bad.withArray("items").add("not an event");
        double quarantinedBefore = metric("audit_k8s_items_events_total", "quarantined");
        long linesBefore = Files.exists(dir.resolve("quarantine.jsonl"))
                ? Files.readAllLines(dir.resolve("quarantine.jsonl")).size()
                : 0;

        ApiClient.Reply reply = post("prod-eu-1", bad);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("created").asInt()).isEqualTo(2);
        assertThat(body.get("quarantined").asInt()).isEqualTo(3);
        List<String> fields = new ArrayList<>();
        body.get("results")
                .forEach(r -> fields.add(r.get("index") + " " + r.get("status").asText() + " "
                        + r.get("field").asText()));
        assertThat(fields)
                .containsExactly(
                        "1 quarantined items[1].stageTimestamp",
                        "2 quarantined items[2].responseStatus.code",
                        "4 quarantined items[4]");
        assertThat(ids(query("correlation_id=" + enc(item(bad, 0).get("auditID").asText()))))
                .containsExactly(id("prod-eu-1", item(bad, 0)));
        assertThat(query("correlation_id=" + enc(item(bad, 1).get("auditID").asText())))
                .isEmpty();

        List<String> lines = Files.readAllLines(dir.resolve("quarantine.jsonl"));
        assertThat(lines).hasSize((int) linesBefore + 3);
        JsonNode kept = new ObjectMapper().readTree(lines.get((int) linesBefore));
        assertThat(kept.get("cluster").asText()).isEqualTo("prod-eu-1");
        assertThat(kept.get("audit_id").asText())
                .isEqualTo(item(bad, 1).get("auditID").asText());
        assertThat(kept.get("item")).isEqualTo(item(bad, 1));
        assertThat(metric("audit_k8s_items_events_total", "quarantined") - quarantinedBefore)
                .isEqualTo(3.0);
    }

    @Test
    void aBodyThatIsNotAnEventListIsA400NamingTheField() {
        assertThat(api.post(audit("prod"), "{\"events\":[]}")
                        .json()
                        .get("field")
                        .asText())
                .isEqualTo("kind");
        ApiClient.Reply beta = api.post(
                audit("prod"), "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1beta1\",\"items\":[]}");
        assertThat(beta.status()).isEqualTo(400);
        assertThat(beta.contentType()).startsWith("application/problem+json");
        assertThat(beta.json().get("field").asText()).isEqualTo("apiVersion");
        assertThat(beta.json().get("detail").asText()).contains("--audit-webhook-version=audit.k8s.io/v1");
        ApiClient.Reply items =
                api.post(audit("prod"), "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":{}}");
        assertThat(items.json().get("field").asText()).isEqualTo("items");
        assertThat(api.post(audit("prod"), "[1,2]").status()).isEqualTo(400);
        assertThat(api.post(audit("prod"), "{\"kind\":").status()).isEqualTo(400);
        ApiClient.Reply cluster =
                api.post(audit("Prod_EU"), "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\"}");
        assertThat(cluster.status()).isEqualTo(400);
        assertThat(cluster.json().get("parameter").asText()).isEqualTo("cluster");
        ApiClient.Reply empty =
                api.post(audit("prod"), "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":null}");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().get("created").asInt()).isZero();
    }

    @Test
    void onlyAClientWithTheWritePermissionMayPost(TestInfo test) {
        ObjectNode verbs = fixture("verbs.json", test);
        assertThat(reader.post(audit("prod"), verbs.toString()).status()).isEqualTo(403);
        assertThat(new ApiClient(server.baseUrl())
                        .post(audit("prod"), verbs.toString())
                        .status())
                .isEqualTo(401);
        assertThat(query("correlation_id=" + enc(item(verbs, 0).get("auditID").asText())))
                .isEmpty();
    }

    @Test
    void aStorageOutageIsA503WithRetryAfterAndNothingStored(TestInfo test) {
        ObjectNode verbs = fixture("verbs.json", test);
        repository.unavailable(true);
        ApiClient.Reply down;
        try {
            down = post("prod", verbs);
        } finally {
            repository.unavailable(false);
        }
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.header("Retry-After")).isEqualTo("1");
        assertThat(query("correlation_id=" + enc(item(verbs, 0).get("auditID").asText())))
                .isEmpty();

        assertThat(post("prod", verbs).json().get("created").asInt()).isEqualTo(8);
    }

    @Test
    void largeObjectsAreKeptUpToTheLimitAndMarkedBeyond(TestInfo test) {
        ObjectNode identities = K8sFixtures.withLargeConfigMap(fixture("identities.json", test), 300 * 1024);
        assertThat(post("prod", identities).json().get("created").asInt()).isEqualTo(6);
        JsonNode stored = query("correlation_id="
                        + enc(item(identities, 5).get("auditID").asText()))
                .get(0);
        JsonNode marker = stored.get("event_data").get("request_object");
        assertThat(marker.get("truncated").asBoolean()).isTrue();
        assertThat(marker.get("reason").asText()).isEqualTo("size");
        assertThat(marker.get("original_bytes").asLong()).isGreaterThan(300 * 1024);
        assertThat(stored.get("event_data")
                        .get("response_object")
                        .get("metadata")
                        .get("name")
                        .asText())
                .isEqualTo("catalog-snapshot");
    }

    @Test
    void aFullDefaultWebhookBatchOf400EventsNear10MiBIsAcceptedAtTheDefaultLimits(TestInfo test) {
        ObjectNode template = item(fixture("identities.json", test), 5);
        ((ObjectNode) template.get("requestObject").get("data")).put("catalog.json", "y".repeat(24 * 1024));
        ObjectNode list = fixture("identities.json", test);
        ArrayNode items = list.putArray("items");
        String prefix = template.get("auditID").asText();
        for (int i = 0; i < 400; i++) {
            items.add(template.deepCopy().put("auditID", prefix + "-" + i));
        }
        int bytes = list.toString().getBytes(StandardCharsets.UTF_8).length;
        assertThat(bytes).isBetween(10_000_000, 10 * 1024 * 1024);

        ApiClient.Reply reply = post("prod", list);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("created").asInt()).isEqualTo(400);
        assertThat(query("event_type=k8s.configmaps.create&since=1h&resource_id=" + enc("shop/catalog-snapshot")))
                .hasSizeGreaterThanOrEqualTo(400);
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}

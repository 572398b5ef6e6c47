package dev.auditline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.StorageSettings;
import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import dev.auditline.datastorage.store.StorageConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Events per second DataStorage accepts from kube-apiserver's audit webhook: {@code EventList}s of
 * 400 events (the webhook's default {@code --audit-webhook-batch-max-size}) posted, uncompressed as
 * the API server posts them, from {@code --senders} threads to a real DataStorage at its defaults,
 * for SQLite and PostgreSQL. The figure to hold against is the webhook's own default ceiling: 10
 * batches per second ({@code --audit-webhook-batch-throttle-qps}) × 400 = 4,000 events/s.
 *
 * <p>The baseline, in the same run, is the plain batch route fed the very same events already
 * mapped ({@code {"events":[…]}} of 400, uncompressed): what the store and the batch path cost
 * without the Kubernetes mapping. The two sides alternate their order each round after an
 * unreported warm-up round; every phase stores new events (new auditIDs), and the row count is
 * checked at the end.
 *
 * <p>The events are Metadata-level, the level most audit policies use for most requests: a mix of
 * verbs (get, list, watch, create, update, patch, delete), users, service accounts and nodes, each
 * about 1 KB of JSON like a real one; {@code --objects true} adds a request and response object
 * of about 2 KB each (RequestResponse level).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.auditline.bench.KubernetesWebhookRun
 * [--stores sqlite,postgresql] [--senders 4] [--batches 10] [--rounds 5] [--objects false]};
 * {@code --batches} is per sender and phase.
 */
public final class KubernetesWebhookRun {
    static final String SCHEMA = "bench_k8s";
    static final int BATCH = 400;
    static final double WEBHOOK_CEILING = 10 * 400;
    private static final Set<String> FLAGS = Set.of("stores", "senders", "batches", "rounds", "objects");
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final DateTimeFormatter MICRO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String[] VERBS = {"get", "list", "watch", "create", "update", "patch", "delete"};
    private static final String[] RESOURCES = {"pods", "configmaps", "secrets", "deployments", "services", "leases"};

    enum Side {
        WEBHOOK,
        BATCH
    }

    record Options(List<String> stores, int senders, int batches, int rounds, boolean objects) {
        static Options parse(String[] args) {
            Flags f = new Flags(args, FLAGS);
            List<String> stores = List.of(f.string("stores", "sqlite,postgresql")
                    .toLowerCase(Locale.ROOT)
                    .split(","));
            for (String s : stores) {
                if (!s.equals("postgresql") && !s.equals("sqlite")) {
                    throw new IllegalArgumentException("--stores takes postgresql and/or sqlite (got \"" + s + "\")");
                }
            }
            int rounds = f.positiveInt("rounds", 5);
            return new Options(
                    stores, f.positiveInt("senders", 4), f.positiveInt("batches", 10), rounds, f.bool("objects"));
        }

        int eventsPerPhase() {
            return senders * batches * BATCH;
        }
    }

    record Phase(String store, Side side, int round, long events, double seconds) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    private KubernetesWebhookRun() {}

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        BenchPostgres postgres = o.stores().contains("postgresql") ? BenchPostgres.fromEnvironment() : null;
        System.out.println(MachineInfo.describe(postgres));
        ObjectNode sample = eventList(0, Instant.now(), o.objects());
        System.out.printf(
                Locale.ROOT,
                "options: %s%nevents per phase: %,d (%d senders x %d EventLists x %d events); an EventList is"
                        + " %,d bytes%n",
                o,
                o.eventsPerPhase(),
                o.senders(),
                o.batches(),
                BATCH,
                PLAIN.writeValueAsBytes(sample).length);
        List<Phase> phases = new ArrayList<>();
        for (String store : o.stores()) {
            Path dir = Files.createTempDirectory("auditline-bench-k8s");
            DataStorageConfig config = config(store, postgres, dir);
            try (DataStorage server = DataStorage.start(config, Clock.systemUTC())) {
                phases.addAll(run(store, server, o));
            } finally {
                deleteRecursively(dir);
                if (postgres != null && store.equals("postgresql")) {
                    try (var c = postgres.connect("public");
                            var s = c.createStatement()) {
                        s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                    }
                }
            }
        }
        System.out.println();
        System.out.println(summary(phases, o));
    }

    /** DataStorage at its defaults (pool size, limits, stored stages), on a free loopback port. */
    private static DataStorageConfig config(String store, BenchPostgres pg, Path dir) throws Exception {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        StorageSettings storage;
        if (store.equals("postgresql")) {
            pg.recreateSchema(SCHEMA);
            storage = pg.dataStorage(SCHEMA, StorageConfig.DEFAULT_POOL_SIZE).storage();
        } else {
            storage = StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db"));
        }
        return defaults.withServer(defaults.server().withPort(0))
                .withStorage(storage)
                .withKubernetes(defaults.kubernetes().withQuarantineFile(dir.resolve("quarantine.jsonl")));
    }

    private static List<Phase> run(String store, DataStorage server, Options o) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        ExecutorService senders = Executors.newFixedThreadPool(o.senders(), r -> {
            Thread t = new Thread(r, "bench-sender");
            t.setDaemon(true);
            return t;
        });
        List<Phase> measured = new ArrayList<>();
        long expected = 0;
        try {
            for (int round = 0; round <= o.rounds(); round++) {
                for (int i = 0; i < 2; i++) {
                    Side side = Side.values()[(round + i) % 2];
                    Phase p = phase(store, server, side, round, o, http, senders);
                    expected += p.events();
                    System.out.printf(
                            Locale.ROOT,
                            "%s %s round %d%s: %,d events in %.2f s = %,.0f events/s%n",
                            store,
                            side,
                            round,
                            round == 0 ? " (warm-up)" : "",
                            p.events(),
                            p.seconds(),
                            p.eventsPerSecond());
                    if (round > 0) {
                        measured.add(p);
                    }
                }
            }
        } finally {
            senders.shutdownNow();
        }
        long stored = countStored(http, server);
        if (stored != expected) {
            throw new IllegalStateException(
                    store + ": expected " + expected + " events stored, the server has " + stored);
        }
        System.out.printf(Locale.ROOT, "%s: %,d events stored, as expected%n", store, stored);
        return measured;
    }

    private static Phase phase(
            String store, DataStorage server, Side side, int round, Options o, HttpClient http, ExecutorService senders)
            throws Exception {
        URI uri = URI.create(server.baseUrl()
                + (side == Side.WEBHOOK ? "/api/v1/k8s/bench-" + store + "/audit" : "/api/v1/audit/events/batch"));
        byte[][][] bodies = new byte[o.senders()][o.batches()][];
        Instant now = Instant.now();
        KubernetesAuditMapping mapping = new KubernetesAuditMapping(
                KubernetesAuditMapping.DEFAULT_STORED_STAGES,
                DataStorageConfig.defaults().validation().limits());
        for (int s = 0; s < o.senders(); s++) {
            for (int b = 0; b < o.batches(); b++) {
                ObjectNode list = eventList((s * o.batches() + b) * BATCH, now, o.objects());
                bodies[s][b] = side == Side.WEBHOOK
                        ? PLAIN.writeValueAsBytes(list)
                        : batchBody(list, mapping, "bench-" + store, now);
            }
        }
        System.gc();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int s = 0; s < o.senders(); s++) {
            byte[][] mine = bodies[s];
            done.add(senders.submit(() -> {
                start.await();
                for (byte[] body : mine) {
                    post(http, uri, body);
                }
                return null;
            }));
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        return new Phase(store, side, round, o.eventsPerPhase(), (System.nanoTime() - t0) / 1e9);
    }

    /** The same EventList, mapped as the webhook maps it, as a batch request. */
    private static byte[] batchBody(ObjectNode list, KubernetesAuditMapping mapping, String cluster, Instant now)
            throws IOException {
        List<AuditEvent> events = new ArrayList<>(BATCH);
        for (JsonNode item : list.get("items")) {
            events.add(((KubernetesAuditMapping.Stored) mapping.map(cluster, item, now)).event());
        }
        return AuditJson.mapper().writeValueAsBytes(java.util.Map.of("events", events));
    }

    private static void post(HttpClient http, URI uri, byte[] body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST " + uri + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        JsonNode answer = PLAIN.readTree(response.body());
        if (answer.get("created").asInt() != BATCH) {
            throw new IllegalStateException("expected " + BATCH + " events created, the server says " + answer);
        }
    }

    /** Counts what the server stored through its query API, a page of 1000 at a time. */
    private static long countStored(HttpClient http, DataStorage server) throws IOException, InterruptedException {
        long n = 0;
        String cursor = null;
        do {
            String url = server.baseUrl() + "/api/v1/audit/events?limit=1000&since=1h"
                    + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            HttpResponse<byte[]> r = http.send(
                    HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode page = PLAIN.readTree(r.body());
            n += page.get("events").size();
            JsonNode next = page.get("next_cursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return n;
    }

    /** One EventList of {@value #BATCH} ResponseComplete events with new auditIDs. */
    static ObjectNode eventList(int first, Instant now, boolean objects) {
        ObjectNode list = PLAIN.createObjectNode();
        list.put("kind", "EventList").put("apiVersion", "audit.k8s.io/v1");
        list.putObject("metadata");
        ArrayNode items = list.putArray("items");
        for (int i = 0; i < BATCH; i++) {
            items.add(event(first + i, now.minusMillis(BATCH - i), objects));
        }
        return list;
    }

    private static ObjectNode event(int n, Instant at, boolean objects) {
        String verb = VERBS[n % VERBS.length];
        String resource = RESOURCES[(n / VERBS.length) % RESOURCES.length];
        String namespace = "team-" + (n % 17);
        boolean named = !verb.equals("list") && !verb.equals("watch") && !verb.equals("create");
        String name = resource + "-" + Integer.toHexString(n * 31 + 7);
        ObjectNode e = PLAIN.createObjectNode();
        e.put("level", objects ? "RequestResponse" : "Metadata");
        e.put("auditID", UUID.randomUUID().toString());
        e.put("stage", "ResponseComplete");
        String group = resource.equals("deployments") ? "apps" : resource.equals("leases") ? "coordination.k8s.io" : "";
        String base = group.isEmpty() ? "/api/v1" : "/apis/" + group + "/v1";
        e.put("requestURI", base + "/namespaces/" + namespace + "/" + resource + (named ? "/" + name : "?limit=500"));
        e.put("verb", verb);
        ObjectNode user = e.putObject("user");
        switch (n % 3) {
            case 0 -> user.put("username", "system:serviceaccount:" + namespace + ":controller")
                    .put(
                            "uid",
                            UUID.nameUUIDFromBytes(namespace.getBytes(StandardCharsets.UTF_8))
                                    .toString());
            case 1 -> user.put("username", "system:node:worker-" + (n % 12));
            default -> user.put("username", "user" + (n % 40) + "@example.com");
        }
        user.putArray("groups").add("system:authenticated").add(n % 3 == 0 ? "system:serviceaccounts" : "developers");
        e.putArray("sourceIPs").add("10.0." + (n % 250) + "." + (n % 200 + 1));
        e.put("userAgent", "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/leader-election");
        ObjectNode ref = e.putObject("objectRef");
        ref.put("resource", resource).put("namespace", namespace);
        if (named) {
            ref.put("name", name);
        }
        if (!group.isEmpty()) {
            ref.put("apiGroup", group);
        }
        ref.put("apiVersion", "v1");
        int code = n % 23 == 0 ? 403 : verb.equals("create") ? 201 : 200;
        ObjectNode status = e.putObject("responseStatus");
        status.putObject("metadata");
        status.put("code", code);
        if (code == 403) {
            status.put("status", "Failure")
                    .put("reason", "Forbidden")
                    .put(
                            "message",
                            resource + " is forbidden: User \""
                                    + user.get("username").asText()
                                    + "\" cannot " + verb + " resource \"" + resource + "\" in the namespace \""
                                    + namespace
                                    + "\"");
        }
        if (objects && (verb.equals("create") || verb.equals("update") || verb.equals("patch"))) {
            ObjectNode obj = PLAIN.createObjectNode();
            obj.put("kind", "ConfigMap").put("apiVersion", "v1");
            obj.putObject("metadata").put("name", name).put("namespace", namespace);
            obj.putObject("data").put("settings.yaml", "k: v\n".repeat(380));
            e.set("requestObject", obj);
            e.set("responseObject", obj.deepCopy());
        }
        e.put("requestReceivedTimestamp", MICRO.format(at.minusMillis(3)));
        e.put("stageTimestamp", MICRO.format(at));
        ObjectNode annotations = e.putObject("annotations");
        annotations.put("authorization.k8s.io/decision", code == 403 ? "forbid" : "allow");
        annotations.put(
                "authorization.k8s.io/reason",
                code == 403
                        ? ""
                        : "RBAC: allowed by RoleBinding \"edit/" + namespace + "\" of ClusterRole \"edit\" to Group"
                                + " \"developers\"");
        return e;
    }

    static String summary(List<Phase> phases, Options o) {
        StringBuilder s = new StringBuilder(String.format(
                Locale.ROOT,
                "| store | side | median events/s | min - max events/s (%d rounds) | median x webhook ceiling (4,000/s) |%n"
                        + "|---|---|---:|---:|---:|%n",
                o.rounds()));
        for (String store : o.stores()) {
            for (Side side : Side.values()) {
                List<Double> rates = phases.stream()
                        .filter(p -> p.store().equals(store) && p.side() == side)
                        .map(Phase::eventsPerSecond)
                        .sorted()
                        .toList();
                double median = rates.size() % 2 == 1
                        ? rates.get(rates.size() / 2)
                        : (rates.get(rates.size() / 2 - 1) + rates.get(rates.size() / 2)) / 2;
                s.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %,.0f | %,.0f - %,.0f | %.1f |%n",
                        store,
                        side == Side.WEBHOOK ? "webhook EventList" : "batch route, same events pre-mapped",
                        median,
                        rates.get(0),
                        rates.get(rates.size() - 1),
                        median / WEBHOOK_CEILING));
            }
        }
        return s.toString();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Throws random and mutated bodies at the batch endpoint of the real server (SQLite) and checks
 * that it never answers 5xx and never stores part of a refused batch: after a 200 exactly the
 * items reported created are stored, after anything else nothing is.
 */
class BatchFuzzIT {
    private static final String BATCH = DataStorageApiContract.BATCH;
    private static Path dir;
    private static DataStorage server;
    private static ApiClient api;

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("datastorage-fuzz-it");
        DataStorageConfig d = DataStorageConfig.defaults();
        DataStorageConfig config = d.withServer(d.server().withPort(0).withLimits(20, 1024 * 1024))
                .withStorage(d.storage().withUrl("sqlite:" + dir.resolve("audit.db")));
        server = DataStorage.start(config, Clock.systemUTC());
        api = new ApiClient(server.baseUrl());
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    /** One change to the serialized batch, at a relative position so it fits any length. */
    record Mutation(Kind kind, double position, int length, String text) {
        enum Kind {
            FLIP_BYTE,
            DELETE,
            INSERT,
            TRUNCATE,
            DUPLICATE
        }

        byte[] apply(byte[] in) {
            if (in.length == 0) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            int at = Math.min(in.length - 1, (int) (position * in.length));
            int len = Math.min(length, in.length - at);
            byte[] insert = text.getBytes(StandardCharsets.UTF_8);
            return switch (kind) {
                case FLIP_BYTE -> {
                    byte[] out = in.clone();
                    out[at] = insert.length > 0 ? insert[0] : (byte) (out[at] ^ 0x80);
                    yield out;
                }
                case DELETE -> concat(slice(in, 0, at), slice(in, at + len, in.length));
                case INSERT -> concat(slice(in, 0, at), insert, slice(in, at, in.length));
                case TRUNCATE -> slice(in, 0, at);
                case DUPLICATE -> concat(slice(in, 0, at + len), slice(in, at, in.length));
            };
        }
    }

    /** One field of one event replaced by an arbitrary JSON value. */
    record FieldSwap(int event, String field, JsonNode value) {}

    @Property(tries = 200, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void neverAnswers5xxAndNeverStoresPartOfARefusedBatch(
            @ForAll @IntRange(min = 0, max = 6) int eventCount,
            @ForAll("swaps") List<FieldSwap> swaps,
            @ForAll("mutations") List<Mutation> mutations,
            @ForAll boolean gzip)
            throws IOException {
        String trail = "fuzz-" + UUID.randomUUID();
        List<ObjectNode> events = new ArrayList<>();
        for (int i = 0; i < eventCount; i++) {
            events.add(WireEvents.valid(trail, Instant.now().truncatedTo(ChronoUnit.MICROS)));
        }
        for (FieldSwap swap : swaps) {
            if (!events.isEmpty()) {
                events.get(swap.event() % events.size()).set(swap.field(), swap.value());
            }
        }
        byte[] body = WireEvents.batch(events).getBytes(StandardCharsets.UTF_8);
        for (Mutation m : mutations) {
            body = m.apply(body);
        }
        byte[] sent = gzip ? DataStorageApiContract.gzip(body) : body;

        ApiClient.Reply reply = api.postBytes(
                BATCH,
                sent,
                gzip
                        ? Map.of("Content-Type", "application/json", "Content-Encoding", "gzip")
                        : Map.of("Content-Type", "application/json"));

        assertThat(reply.status()).as(reply.body()).isLessThan(500);
        int stored = storedCount(trail);
        if (reply.status() != 200) {
            assertThat(stored).as("a refused batch stores nothing").isZero();
            return;
        }
        JsonNode response = reply.json();
        JsonNode sentEvents = AuditJson.mapper().readTree(body).get("events");
        assertThat(response.get("created").intValue()
                        + response.get("duplicates").intValue()
                        + response.get("rejected").intValue())
                .isEqualTo(sentEvents.size());
        Set<Integer> notCreated = new HashSet<>();
        response.get("results").forEach(r -> notCreated.add(r.get("index").intValue()));
        int expected = 0;
        for (int i = 0; i < sentEvents.size(); i++) {
            JsonNode correlation = sentEvents.get(i).path("correlation_id");
            if (!notCreated.contains(i) && trail.equals(correlation.textValue())) {
                expected++;
            }
        }
        assertThat(stored).as("exactly the items reported created are stored").isEqualTo(expected);
    }

    private static int storedCount(String trail) {
        ApiClient.Reply reply = api.get(DataStorageApiContract.EVENTS + "?limit=1000&correlation_id="
                + URLEncoder.encode(trail, StandardCharsets.UTF_8));
        assertThat(reply.status()).isEqualTo(200);
        return reply.json().get("events").size();
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(
                        Arbitraries.of(Mutation.Kind.class),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.integers().between(1, 40),
                        Arbitraries.oneOf(
                                Arbitraries.of(
                                        "\u0000",
                                        "\\u0000",
                                        "\\ud800",
                                        "\"",
                                        "{",
                                        "}",
                                        "[",
                                        "]",
                                        ",",
                                        ":",
                                        "null",
                                        "1e999999",
                                        "-",
                                        "\u00ff",
                                        "\ufffd",
                                        "\"events\":",
                                        "[[[[[[[[[[",
                                        "\\"),
                                Arbitraries.strings().ofMaxLength(8)))
                .as(Mutation::new);
        return one.list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<List<FieldSwap>> swaps() {
        Arbitrary<String> fields = Arbitraries.of(
                "event_id",
                "version",
                "event_type",
                "event_outcome",
                "event_timestamp",
                "correlation_id",
                "actor_id",
                "event_data",
                "duration_ms",
                "parent_event_id",
                "trace_id",
                "actor_ip",
                "unknown_field");
        Arbitrary<JsonNode> values = Arbitraries.oneOf(
                Arbitraries.strings()
                        .ofMaxLength(20)
                        .map(s -> AuditJson.mapper().getNodeFactory().textNode(s)),
                Arbitraries.of("", "\u0000", "\ud800", "x".repeat(300), "2026-13-45T99:99:99Z")
                        .map(s -> AuditJson.mapper().getNodeFactory().textNode(s)),
                Arbitraries.longs().map(n -> AuditJson.mapper().getNodeFactory().numberNode(n)),
                Arbitraries.of(
                        AuditJson.mapper().getNodeFactory().booleanNode(true),
                        AuditJson.mapper().getNodeFactory().nullNode(),
                        AuditJson.mapper().createArrayNode(),
                        AuditJson.mapper().createObjectNode(),
                        AuditJson.mapper().getNodeFactory().numberNode(1.5),
                        nested(40)));
        return Combinators.combine(Arbitraries.integers().between(0, 5), fields, values)
                .as(FieldSwap::new)
                .list()
                .ofMaxSize(3);
    }

    private static JsonNode nested(int depth) {
        ObjectNode root = AuditJson.mapper().createObjectNode();
        ObjectNode level = root;
        for (int i = 0; i < depth; i++) {
            level = level.putObject("n");
        }
        return root;
    }

    private static byte[] slice(byte[] in, int from, int to) {
        byte[] out = new byte[Math.max(0, to - from)];
        System.arraycopy(in, from, out, 0, out.length);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

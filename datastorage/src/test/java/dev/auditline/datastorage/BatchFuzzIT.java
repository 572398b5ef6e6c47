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
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Throws random and mutated bodies at the batch endpoint of the real server (SQLite) and checks
 * that it never answers 5xx and never stores part of a refused batch: after a 200 exactly the
 * items reported created are stored, after anything else nothing is. Each of the 200 cases is a
 * fixed seed, so a failure names the seed that reproduces it.
 */
class BatchFuzzIT {
    private static final String BATCH = DataStorageApiContract.BATCH;
    private static Path dir;
    private static DataStorage server;
    private static ApiClient api;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("datastorage-fuzz-it");
        DataStorageConfig d = DataStorageConfig.defaults();
        DataStorageConfig config = d.withServer(d.server().withPort(0).withLimits(20, 1024 * 1024))
                .withStorage(d.storage().withUrl("sqlite:" + dir.resolve("audit.db")));
        server = DataStorage.start(config, Clock.systemUTC());
        api = new ApiClient(server.baseUrl());
    }

    @AfterAll
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

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void neverAnswers5xxAndNeverStoresPartOfARefusedBatch(long seed) throws IOException {
        Random random = new Random(seed);
        int eventCount = random.nextInt(7);
        List<FieldSwap> swaps = swaps(random);
        List<Mutation> mutations = mutations(random);
        boolean gzip = random.nextBoolean();
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

    private static final String[] INSERTS = {
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
        "\\"
    };

    private static final String[] FIELDS = {
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
        "unknown_field"
    };

    private static final String[] ODD_TEXTS = {"", "\u0000", "\ud800", "x".repeat(300), "2026-13-45T99:99:99Z"};

    /** Up to three mutations: a known troublemaker or up to 8 random characters, at a random place. */
    private static List<Mutation> mutations(Random random) {
        List<Mutation> list = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            Mutation.Kind kind = Mutation.Kind.values()[random.nextInt(Mutation.Kind.values().length)];
            String text = random.nextBoolean() ? INSERTS[random.nextInt(INSERTS.length)] : randomString(random, 8);
            list.add(new Mutation(kind, random.nextDouble(), 1 + random.nextInt(40), text));
        }
        return list;
    }

    /** Up to three fields of the first six events replaced by an odd JSON value. */
    private static List<FieldSwap> swaps(Random random) {
        List<FieldSwap> list = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            list.add(new FieldSwap(random.nextInt(6), FIELDS[random.nextInt(FIELDS.length)], oddValue(random)));
        }
        return list;
    }

    private static JsonNode oddValue(Random random) {
        var nodes = AuditJson.mapper().getNodeFactory();
        return switch (random.nextInt(4)) {
            case 0 -> nodes.textNode(randomString(random, 20));
            case 1 -> nodes.textNode(ODD_TEXTS[random.nextInt(ODD_TEXTS.length)]);
            case 2 -> nodes.numberNode(random.nextLong());
            default -> switch (random.nextInt(6)) {
                case 0 -> nodes.booleanNode(true);
                case 1 -> nodes.nullNode();
                case 2 -> AuditJson.mapper().createArrayNode();
                case 3 -> AuditJson.mapper().createObjectNode();
                case 4 -> nodes.numberNode(1.5);
                default -> nested(40);
            };
        };
    }

    /** Up to {@code max} characters from the whole BMP, surrogate halves included. */
    private static String randomString(Random random, int max) {
        int length = random.nextInt(max + 1);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) random.nextInt(0x10000));
        }
        return text.toString();
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

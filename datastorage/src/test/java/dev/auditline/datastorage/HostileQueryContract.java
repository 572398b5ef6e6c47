package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.datastorage.config.LogConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The read routes under hostile query strings, sent byte for byte over a socket (an HTTP client
 * would refuse or re-encode most of them), against the real server over each store: every one is
 * answered {@code 200} or a {@code 400} naming the parameter, never a 5xx, and the answer matches
 * {@code openapi.yaml}. Also: pages of large events are cut by bytes at the default bound and
 * following the cursor yields every event once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class HostileQueryContract {
    static final String EVENTS = "/api/v1/audit/events";
    static final String LOG = "/api/v1/audit/log/entries";

    Path tempDir;
    DataStorage server;
    ApiClient api;

    abstract StorageSettings storage(Path dir);

    void afterServerStopped() {}

    @BeforeAll
    void startServer() throws IOException {
        tempDir = Files.createTempDirectory("hostile-query-it");
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(defaults.server().withPort(0))
                .withStorage(storage(tempDir))
                .withLog(
                        new LogConfig(tempDir.resolve("log-signing.key"), null, LogConfig.DEFAULT_CHECKPOINT_INTERVAL));
        server = DataStorage.start(config, Clock.systemUTC());
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

    /** The expected "parameter" of a path Jetty refuses before any route runs: a 400 problem {@code http-400}. */
    static final String PATH = "(path)";

    /**
     * One hostile request: the raw path and query, and the parameter a 400 must name ({@code null}:
     * a 200; {@link #PATH}: a 400 about the path).
     */
    record Case(String target, String parameter) {
        @Override
        public String toString() {
            return target.length() > 90 ? target.substring(0, 90) + "…" : target;
        }
    }

    static String cursorOf(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Stream<Case> hostileQueries() {
        String uuid = "0190f0a0-0000-7000-8000-000000000001";
        String valid = cursorOf("1767225600:0:" + uuid);
        List<Case> c = new ArrayList<>();
        // since / until: the edges of the accepted range answer pages; beyond them, a 400
        c.add(new Case(EVENTS + "?until=9999-12-31T23:59:59Z", null));
        c.add(new Case(EVENTS + "?since=0001-01-01T00:00:00Z", null));
        c.add(new Case(EVENTS + "?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59.999999Z", null));
        c.add(new Case(EVENTS + "?until=9999-12-31T23:59:59.9999999Z", null));
        c.add(new Case(EVENTS + "?since=0001-01-01T00:00:00Z&order=desc", null));
        c.add(new Case(EVENTS + "?since=36500d", null));
        c.add(new Case(EVENTS + "?until=%2B999999999-12-31T23:59:59Z", "until"));
        c.add(new Case(EVENTS + "?since=%2B999999999-12-31T23:59:59Z", "since"));
        c.add(new Case(EVENTS + "?since=-999999999-01-01T00:00:00Z", "since"));
        c.add(new Case(EVENTS + "?since=-0001-01-01T00:00:00Z", "since"));
        c.add(new Case(EVENTS + "?since=0000-12-31T23:59:59Z", "since"));
        c.add(new Case(EVENTS + "?until=9999-12-31T23:59:59-01:00", "until"));
        c.add(new Case(EVENTS + "?until=10000-01-01T00:00:00Z", "until"));
        c.add(new Case(EVENTS + "?since=0001-01-01T00:00:00%2B01:00", "since"));
        c.add(new Case(EVENTS + "?since=99999999d", "since"));
        c.add(new Case(EVENTS + "?since=999999999d", "since"));
        c.add(new Case(EVENTS + "?since=36501d", "since"));
        c.add(new Case(EVENTS + "?since=9999999999999999999d", "since"));
        c.add(new Case(EVENTS + "?since=1e3s", "since"));
        c.add(new Case(EVENTS + "?since=", "since"));
        c.add(new Case(EVENTS + "?until=2026-13-01T00:00:00Z", "until"));
        c.add(new Case(EVENTS + "?since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"));
        // forged cursors
        c.add(new Case(EVENTS + "?cursor=" + valid, null));
        c.add(new Case(EVENTS + "?cursor=AAAA", "cursor"));
        c.add(new Case(EVENTS + "?cursor=!!!!", "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + "QUJD".repeat(16), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + valid.substring(0, valid.length() - 1), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + valid.substring(0, 20), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + valid + "%3D%3D", "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("253402300800:0:" + uuid), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("-62135596801:0:" + uuid), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("9223372036854775807:999999999:" + uuid), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("-9223372036854775808:0:" + uuid), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("0:1000000000:" + uuid), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("0:0:" + uuid.toUpperCase()), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("0:0:not-a-uuid-not-a-uuid-not-a-uuid-x"), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("+1:0:" + uuid), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + cursorOf("1:0:" + uuid + "\n"), "cursor"));
        c.add(new Case(EVENTS + "?cursor=" + "A".repeat(2000), "cursor"));
        c.add(new Case(EVENTS + "?cursor=", "cursor"));
        c.add(new Case(EVENTS + "?cursor=%FF%FE", "cursor"));
        // percent-encoding: never a silently dropped or altered filter
        c.add(new Case(EVENTS + "?correlation_id=%", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%zz", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%4", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=abc%", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%%41", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%C0%AF", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%E0%80%AF", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%F0%80%80%AF", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%ED%A0%80", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%FF", "correlation_id"));
        c.add(new Case(EVENTS + "?correlation_id=%C3", "correlation_id"));
        c.add(new Case(EVENTS + "?event_type=%F4%90%80%80", "event_type"));
        c.add(new Case(EVENTS + "?actor_id=%80", "actor_id"));
        c.add(new Case(EVENTS + "?correlation_id=%00", "correlation_id"));
        c.add(new Case(EVENTS + "?%zz=1", "%zz"));
        c.add(new Case(EVENTS + "?correlation%=1", "correlation%"));
        c.add(new Case(EVENTS + "?correlation_id=a%2Bb", null));
        c.add(new Case(EVENTS + "?correlation_id=caf%C3%A9", null));
        c.add(new Case(EVENTS + "?correlation_id=a+b", null));
        c.add(new Case(EVENTS + "?correlation_id=%F0%9F%98%80", null));
        // numbers
        c.add(new Case(EVENTS + "?limit=9223372036854775807", "limit"));
        c.add(new Case(EVENTS + "?limit=2147483648", "limit"));
        c.add(new Case(EVENTS + "?limit=-1", "limit"));
        c.add(new Case(EVENTS + "?limit=1e3", "limit"));
        c.add(new Case(EVENTS + "?limit=", "limit"));
        c.add(new Case(EVENTS + "?limit=0", "limit"));
        c.add(new Case(EVENTS + "?limit=1001", "limit"));
        c.add(new Case(EVENTS + "?limit=%2B5", "limit"));
        c.add(new Case(EVENTS + "?limit=%D9%A3", "limit"));
        c.add(new Case(EVENTS + "?limit=99999999999999999999999", "limit"));
        c.add(new Case(EVENTS + "?limit=1000", null));
        // other parameters
        c.add(new Case(EVENTS + "?order=DESC", "order"));
        c.add(new Case(EVENTS + "?event_outcome=SUCCESS", "event_outcome"));
        c.add(new Case(EVENTS + "?unknown=1", "unknown"));
        c.add(new Case(EVENTS + "?limit=1&limit=2", "limit"));
        // the log's entries
        c.add(new Case(LOG + "?after=9223372036854775806", null));
        c.add(new Case(LOG + "?after=9223372036854775807", "after"));
        c.add(new Case(LOG + "?after=-2", "after"));
        c.add(new Case(LOG + "?after=1e3", "after"));
        c.add(new Case(LOG + "?after=", "after"));
        c.add(new Case(LOG + "?after=%2B1", "after"));
        c.add(new Case(LOG + "?after=%", "after"));
        c.add(new Case(LOG + "?after=-9223372036854775808", "after"));
        c.add(new Case(LOG + "?limit=9223372036854775807", "limit"));
        c.add(new Case(LOG + "?limit=-1", "limit"));
        c.add(new Case(LOG + "?limit=1e3", "limit"));
        c.add(new Case(LOG + "?wait=9223372036854775807s", "wait"));
        c.add(new Case(LOG + "?wait=-1s", "wait"));
        c.add(new Case(LOG + "?wait=1e3ms", "wait"));
        c.add(new Case(LOG + "?wait=", "wait"));
        c.add(new Case(LOG + "?wait=31s", "wait"));
        // the verifiable log's numbers
        c.add(new Case("/api/v1/log/leaves?start=9223372036854775807", "start"));
        c.add(new Case("/api/v1/log/leaves?start=-1", "start"));
        c.add(new Case("/api/v1/log/leaves?start=1e3", "start"));
        c.add(new Case("/api/v1/log/leaves?start=", "start"));
        c.add(new Case("/api/v1/log/leaves?start=%2B0", "start"));
        c.add(new Case("/api/v1/log/leaves?start=%", "start"));
        c.add(new Case("/api/v1/log/leaves?limit=9223372036854775807", "limit"));
        c.add(new Case("/api/v1/log/leaves?limit=0", "limit"));
        c.add(new Case("/api/v1/log/leaves?start=9223372036854774807", null));
        c.add(new Case("/api/v1/log/proof/consistency?from=9223372036854775807&to=0", "from"));
        c.add(new Case("/api/v1/log/proof/consistency?from=-1&to=0", "from"));
        c.add(new Case("/api/v1/log/proof/consistency?from=0&to=1e3", "to"));
        c.add(new Case("/api/v1/log/proof/inclusion?event_id=" + uuid + "&tree_size=-1", "tree_size"));
        c.add(new Case("/api/v1/log/proof/inclusion?event_id=%zz", "event_id"));
        // the path parameter
        c.add(new Case(EVENTS + "/%zz", PATH));
        c.add(new Case(EVENTS + "/%C0%AF", "event_id"));
        c.add(new Case(EVENTS + "/0190f0a0-0000-7000-8000-00000000000", "event_id"));
        c.add(new Case(EVENTS + "/" + uuid + "%00", PATH));
        return c.stream();
    }

    @Test
    void everyHostileQueryIsDistinct() {
        List<String> targets = hostileQueries().map(Case::target).toList();
        assertThat(new HashSet<>(targets)).hasSameSizeAs(targets);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileQueries")
    void isAnsweredWithAPageOrA400NamingTheParameter(Case c) {
        ApiClient.Reply reply = rawGet(c.target());

        ApiClient.checkAgainstSpec("GET", c.target(), reply);
        if (c.parameter() == null) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        } else if (c.parameter().equals(PATH)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            // Jetty refuses such a path before any route runs, through the server's problem+json error handler
            assertThat(reply.json().path("type").asText()).isEqualTo("https://auditline.dev/problems/http-400");
        } else {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            JsonNode problem = reply.json();
            assertThat(problem.path("parameter").asText()).as(reply.body()).isEqualTo(c.parameter());
            assertThat(problem.path("detail").asText()).startsWith(c.parameter() + ": ");
        }
    }

    @Test
    void aFilterWithEncodedCharactersMatchesExactlyThatValue() {
        String trail = "enc " + UUID.randomUUID() + " a+b/é😀";
        ObjectNode event = WireEvents.valid(trail, Instant.now().truncatedTo(ChronoUnit.MICROS));
        assertThat(api.post("/api/v1/audit/events/batch", WireEvents.batch(event))
                        .status())
                .isEqualTo(200);

        ApiClient.Reply reply = rawGet(EVENTS + "?correlation_id="
                + java.net.URLEncoder.encode(trail, StandardCharsets.UTF_8).replace("+", "%20"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("events")).hasSize(1);
        assertThat(reply.json().get("events").get(0).get("correlation_id").asText())
                .isEqualTo(trail);
    }

    @Test
    void pagesOfLargeEventsAreCutByBytesAndTheCursorLosesAndRepeatsNothing() {
        String trail = "large-" + UUID.randomUUID();
        Instant base = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(60);
        Set<String> stored = new HashSet<>();
        for (int batch = 0; batch < 3; batch++) {
            List<ObjectNode> events = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ObjectNode e = WireEvents.valid(trail, base.plusMillis(batch * 8L + i));
                e.putObject("event_data").put("pad", "z".repeat(250_000));
                events.add(e);
                stored.add(e.get("event_id").asText());
            }
            assertThat(api.post("/api/v1/audit/events/batch", WireEvents.batch(events))
                            .status())
                    .isEqualTo(200);
        }

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String cursor = null;
        do {
            ApiClient.Reply reply = api.get(
                    EVENTS + "?limit=1000&correlation_id=" + trail + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body().length()).isLessThanOrEqualTo(4 * 1024 * 1024 + 1024);
            JsonNode page = reply.json();
            page.get("events").forEach(e -> seen.add(e.get("event_id").asText()));
            pageSizes.add(page.get("events").size());
            cursor = page.get("next_cursor").isNull()
                    ? null
                    : page.get("next_cursor").asText();
        } while (cursor != null && pageSizes.size() < 50);

        assertThat(seen).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(stored);
        // 4 MiB holds 16 events of ~250 KB: 24 events take two pages
        assertThat(pageSizes).containsExactly(16, 8);
    }

    @Test
    void theLogsEntriesAreCutByBytesAndNextAfterContinuesExactly() {
        String trail = "large-log-" + UUID.randomUUID();
        long start = api.get(LOG + "?after=9223372036854775806")
                .json()
                .get("log_size")
                .asLong();
        Instant base = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(60);
        List<String> stored = new ArrayList<>();
        List<ObjectNode> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ObjectNode e = WireEvents.valid(trail, base.plusMillis(i));
            e.putObject("event_data").put("pad", "q".repeat(250_000));
            events.add(e);
        }
        ApiClient.Reply stored1 = api.post("/api/v1/audit/events/batch", WireEvents.batch(events));
        assertThat(stored1.status()).isEqualTo(200);
        events.forEach(e -> stored.add(e.get("event_id").asText()));

        Set<String> seen = new HashSet<>();
        List<String> ours = new ArrayList<>();
        long after = start - 1;
        int pages = 0;
        while (ours.size() < stored.size() && pages < 50) {
            JsonNode page = api.get(LOG + "?limit=1000&after=" + after).json();
            pages++;
            for (JsonNode entry : page.get("entries")) {
                assertThat(seen.add(entry.get("event_id").asText())).isTrue();
                if (stored.contains(entry.get("event_id").asText())) {
                    ours.add(entry.get("event_id").asText());
                }
            }
            after = page.get("next_after").asLong();
        }

        assertThat(ours).containsExactlyInAnyOrderElementsOf(stored);
        assertThat(pages).isGreaterThan(1);
    }

    /** A GET sent as written, over HTTP/1.0 so the answer is not chunked. */
    ApiClient.Reply rawGet(String target) {
        URI uri = URI.create(server.baseUrl());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            String head = "GET " + target + " HTTP/1.0\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            String[] lines = raw.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            return new ApiClient.Reply(status, headers, raw.substring(end + 4));
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + target, e);
        }
    }
}

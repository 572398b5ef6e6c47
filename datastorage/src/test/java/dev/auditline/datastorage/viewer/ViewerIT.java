package dev.auditline.datastorage.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.UuidV7;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trail viewer, auth off, in headless Chromium against a real DataStorage on SQLite: a search,
 * a correlation timeline, CSV and NDJSON downloads, hostile event content rendered as text, and
 * every look recorded by the server as {@code auditline.trail.viewed}. Screenshots of the page go
 * to {@code target/viewer-screenshots/} (the ones in docs/images come from here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ViewerIT {
    static final String XSS_SCRIPT = "<script>window.__xss='script'</script>";
    static final String XSS_IMG = "<img src=x onerror=\"window.__xss='img'\">";
    static final Path SCREENSHOTS = Path.of("target", "viewer-screenshots");

    final HttpClient http = HttpClient.newHttpClient();
    DataStorage server;
    HeadlessChromium chromium;
    String trail;
    String xssTrail;
    final List<String> trailIds = new ArrayList<>();
    String xssId;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        server = DataStorage.start(
                defaults.withServer(defaults.server().withPort(0))
                        .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db"))),
                Clock.systemUTC());
        trail = "rr-2026-" + UUID.randomUUID().toString().substring(0, 4);
        xssTrail = "xss-" + UUID.randomUUID();
        Instant t = Instant.now().minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MICROS);
        List<ObjectNode> events = new ArrayList<>();
        ObjectNode requested =
                event(trail, t, "orchestrator.remediation.requested", "success", "service", "alertmanager");
        requested.putObject("event_data").put("alert", "DiskPressure").put("node", "worker-7");
        ObjectNode approval = event(
                trail,
                t.plusMillis(1200),
                "orchestrator.approval.requested",
                "pending",
                "service",
                "remediation-orchestrator");
        approval.putObject("event_data").put("approver", "oncall").put("policy", "disk-cleanup-v2");
        ObjectNode granted = event(
                trail, t.plusSeconds(42), "orchestrator.approval.granted", "success", "user", "alice@example.com");
        granted.put("parent_event_id", granted.get("event_id").asText());
        granted.put("parent_event_id", approval.get("event_id").asText());
        granted.putObject("event_data").put("comment", "go ahead");
        ObjectNode job = event(
                trail,
                t.plusSeconds(43),
                "orchestrator.workflow.started",
                "success",
                "service",
                "remediation-orchestrator");
        job.putObject("event_data").put("workflow", "disk-cleanup").put("dry_run", false);
        ObjectNode failed = event(
                trail, t.plusSeconds(103), "orchestrator.workflow.failed", "failure", "service", "workflow-runner");
        failed.put("parent_event_id", job.get("event_id").asText());
        failed.put("error_code", "E_TIMEOUT");
        failed.put("error_message", "step prune-images ran longer than 60s");
        failed.putObject("event_data")
                .put("step", "prune-images")
                .put("timeout_s", 60)
                .putArray("freed_bytes");
        ObjectNode escalated = event(
                trail,
                t.plusSeconds(104),
                "orchestrator.remediation.escalated",
                "success",
                "service",
                "remediation-orchestrator");
        escalated.putObject("event_data").put("pager", "oncall-storage");
        events.addAll(List.of(requested, approval, granted, job, failed, escalated));
        events.forEach(e -> trailIds.add(e.get("event_id").asText()));
        ObjectNode xss = event(xssTrail, t.plusSeconds(200), "attacker.payload.stored", "failure", "user", XSS_SCRIPT);
        xss.put("resource_id", XSS_IMG);
        xss.put("error_message", XSS_IMG);
        xss.putObject("event_data").put("html", XSS_SCRIPT + XSS_IMG);
        xssId = xss.get("event_id").asText();
        events.add(xss);
        post(events);
        chromium = HeadlessChromium.start();
    }

    @AfterAll
    void stop() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static ObjectNode event(
            String correlationId, Instant at, String type, String outcome, String actorType, String actorId) {
        ObjectNode e = AuditJson.mapper().createObjectNode();
        e.put("event_id", UuidV7.forMillis(at.toEpochMilli()).toString());
        e.put("version", "1.0");
        e.put("event_type", type);
        e.put("event_category", "orchestration");
        e.put("event_action", type.substring(type.lastIndexOf('.') + 1));
        e.put("event_outcome", outcome);
        e.put("event_timestamp", AuditJson.formatTimestamp(at));
        e.put("correlation_id", correlationId);
        e.put("actor_type", actorType);
        e.put("actor_id", actorId);
        e.put("resource_type", "remediation_request");
        e.put("resource_id", correlationId);
        e.putObject("event_data");
        return e;
    }

    private void post(List<ObjectNode> events) throws Exception {
        ObjectNode body = AuditJson.mapper().createObjectNode();
        ArrayNode array = body.putArray("events");
        events.forEach(array::add);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/audit/events/batch"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(AuditJson.mapper().readTree(r.body()).get("created").asInt()).isEqualTo(events.size());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private List<JsonNode> views(String correlationId) throws Exception {
        HttpResponse<String> r = get("/api/v1/audit/events?limit=1000&event_type=auditline.trail.viewed");
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : AuditJson.mapper().readTree(r.body()).get("events")) {
            if (correlationId.equals(
                    e.path("event_data").path("filters").path("correlation_id").asText())) {
                out.add(e);
            }
        }
        return out;
    }

    private void openViewer() {
        // marks the old document, so the wait below cannot see its "ready" before the new one loads
        chromium.evaluate("window.__previousPage = true");
        chromium.navigate(server.baseUrl() + "/ui");
        await().atMost(Duration.ofSeconds(20)).until(() -> chromium.evaluate(
                        "!window.__previousPage && !!document.body && document.body.dataset.ready === 'true'")
                .asBoolean());
    }

    private void searchFor(String correlationId) {
        chromium.evaluate("(() => { const f = document.getElementById('search');"
                + " f.elements.correlation_id.value = " + js(correlationId) + ";"
                + " f.elements.order.value = 'asc'; f.requestSubmit(); return true; })()");
    }

    private int rows() {
        return chromium.evaluate("document.querySelectorAll('#results tbody tr[data-event-id]').length")
                .asInt();
    }

    static String js(String s) {
        return AuditJson.mapper().createArrayNode().add(s).get(0).toString();
    }

    @Test
    void servesThePageAndItsAssetsWithAStrictContentSecurityPolicy() throws Exception {
        for (String path : List.of("/ui", "/ui/viewer.js", "/ui/viewer.css")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("script-src 'self'")
                    .doesNotContain("unsafe-inline");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(get("/ui").body()).contains("<script src=\"/ui/viewer.js\" defer></script>");
        assertThat(get("/ui/no-such-file.js").statusCode()).isEqualTo(404);
        assertThat(get("/ui/viewer.js").body()).doesNotContain("innerHTML");
    }

    @Test
    void searchThroughTheViewerApiIsRecordedWithTheFiltersAndAnonymousActor() throws Exception {
        String marker = "recorded-" + UUID.randomUUID();
        HttpResponse<String> r = get("/ui/api/search?correlation_id=" + marker + "&order=desc&limit=10");
        assertThat(r.statusCode()).isEqualTo(200);
        String viewedId =
                AuditJson.mapper().readTree(r.body()).get("viewed_event_id").asText();

        List<JsonNode> views = views(marker);
        assertThat(views).hasSize(1);
        JsonNode v = views.get(0);
        assertThat(v.get("event_id").asText()).isEqualTo(viewedId);
        assertThat(v.get("actor_type").asText()).isEqualTo("anonymous");
        assertThat(v.get("actor_id").asText()).isEqualTo("anonymous");
        assertThat(v.get("resource_id").asText()).isEqualTo(marker);
        assertThat(v.get("event_data").get("view").asText()).isEqualTo("search");
        assertThat(v.get("event_data").get("filters"))
                .isEqualTo(AuditJson.mapper()
                        .valueToTree(Map.of("correlation_id", marker, "order", "desc", "limit", "10")));
        assertThat(v.get("event_data").get("returned").asInt()).isZero();
    }

    @Test
    void badSearchParameterIsA400NamingItAndRecordsNothing() throws Exception {
        String marker = "bad-" + UUID.randomUUID();
        HttpResponse<String> r = get("/ui/api/search?correlation_id=" + marker + "&limit=5000");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("limit");
        assertThat(get("/ui/api/search?view=" + URLEncoder.encode("<x>", StandardCharsets.UTF_8))
                        .statusCode())
                .isEqualTo(400);
        assertThat(views(marker)).isEmpty();
    }

    @Test
    void searchShowsTheTrailThenItsTimelineAndDownloadsTheSearch(@TempDir Path downloads) throws Exception {
        openViewer();
        searchFor(trail);
        await().atMost(Duration.ofSeconds(20)).until(() -> rows() == trailIds.size());

        JsonNode shown = chromium.evaluate("[...document.querySelectorAll('#results tbody tr')].map(r =>"
                + " ({id: r.dataset.eventId, failure: r.classList.contains('failure'),"
                + " cells: [...r.cells].map(c => c.textContent)}))");
        List<String> ids = new ArrayList<>();
        shown.forEach(r -> ids.add(r.get("id").asText()));
        assertThat(ids).containsExactlyElementsOf(trailIds);
        assertThat(shown.get(4).get("failure").asBoolean()).isTrue();
        assertThat(shown.get(4).get("cells").get(1).asText()).isEqualTo("orchestrator.workflow.failed");
        assertThat(shown.get(4).get("cells").get(2).asText()).isEqualTo("failure");
        assertThat(shown.get(2).get("cells").get(3).asText()).isEqualTo("alice@example.com");
        assertThat(chromium.evaluate("location.hash").asText()).contains("correlation_id=" + trail);
        chromium.screenshot(SCREENSHOTS.resolve("viewer-search.png"));

        chromium.evaluate("document.querySelector('#results tbody tr a.corr').click(), true");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> chromium.evaluate("document.querySelectorAll('#timeline li.step').length")
                                .asInt()
                        == trailIds.size());
        JsonNode steps = chromium.evaluate("[...document.querySelectorAll('#timeline li.step')].map(s =>"
                + " ({id: s.dataset.eventId, failure: s.classList.contains('failure'),"
                + " indent: parseInt(s.style.marginLeft), head: s.querySelector('.step-head').textContent,"
                + " data: s.querySelector('pre').textContent, open: s.querySelector('details').open}))");
        List<String> order = new ArrayList<>();
        steps.forEach(s -> order.add(s.get("id").asText()));
        // the approval's grant nests under the approval, the failure under the workflow it ended
        assertThat(order)
                .containsExactly(
                        trailIds.get(0),
                        trailIds.get(1),
                        trailIds.get(2),
                        trailIds.get(3),
                        trailIds.get(4),
                        trailIds.get(5));
        assertThat(steps.get(2).get("indent").asInt())
                .isGreaterThan(steps.get(1).get("indent").asInt());
        assertThat(steps.get(4).get("indent").asInt())
                .isGreaterThan(steps.get(3).get("indent").asInt());
        assertThat(steps.get(4).get("failure").asBoolean()).isTrue();
        assertThat(steps.get(4).get("open").asBoolean()).isTrue();
        assertThat(steps.get(0).get("open").asBoolean()).isFalse();
        assertThat(steps.get(4).get("data").asText())
                .isEqualTo("{\n  \"step\": \"prune-images\",\n  \"timeout_s\": 60,\n  \"freed_bytes\": []\n}");
        assertThat(steps.get(4).get("head").asText())
                .startsWith("+1 min 43.0 s")
                .contains("orchestrator.workflow.failed");
        assertThat(chromium.evaluate("document.getElementById('timeline-summary').textContent")
                        .asText())
                .isEqualTo("6 steps over 1 min 44.0 s, 1 failure");
        JsonNode gaps = chromium.evaluate("[...document.querySelectorAll('#timeline li.gap')].map(g => g.textContent)");
        assertThat(gaps.get(0).asText()).isEqualTo("⋮ 1.200 s later");
        chromium.resize(1280, 1300);
        chromium.evaluate("window.scrollTo(0, document.getElementById('timeline-section').offsetTop - 10), true");
        chromium.screenshot(SCREENSHOTS.resolve("viewer-timeline.png"));
        chromium.resize(1280, 900);

        chromium.allowDownloads(downloads);
        chromium.evaluate("document.getElementById('download-csv').click(), true");
        chromium.evaluate("document.getElementById('download-ndjson').click(), true");
        Path csv = downloads.resolve("audit-events.csv");
        Path ndjson = downloads.resolve("audit-events.ndjson");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(csv) && Files.exists(ndjson));
        List<String> csvLines = List.of(Files.readString(csv).split("\r\n"));
        assertThat(csvLines.get(0))
                .startsWith("event_id,event_timestamp,event_type,")
                .endsWith(",event_data");
        assertThat(csvLines.subList(1, csvLines.size()).stream().map(l -> l.substring(0, 36)))
                .containsExactlyElementsOf(trailIds);
        List<String> ndjsonIds = new ArrayList<>();
        for (String line : Files.readString(ndjson).split("\n")) {
            ndjsonIds.add(AuditJson.mapper().readTree(line).get("event_id").asText());
        }
        assertThat(ndjsonIds).containsExactlyElementsOf(trailIds);

        List<String> viewKinds = new ArrayList<>();
        views(trail).forEach(v -> viewKinds.add(v.get("event_data").get("view").asText()));
        assertThat(viewKinds).containsExactlyInAnyOrder("search", "timeline", "download", "download");
    }

    @Test
    void liveTailPutsNewlyCommittedEventsOnTopAndIsRecorded() throws Exception {
        String live = "live-" + UUID.randomUUID();
        openViewer();
        searchFor(live);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> chromium.evaluate("document.querySelector('#results tbody').textContent")
                        .asText()
                        .equals("No events match."));
        chromium.evaluate("document.getElementById('tail-toggle').click(), true");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> chromium.evaluate("document.getElementById('status').textContent")
                        .asText()
                        .startsWith("Live tail: waiting"));

        Instant t = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<ObjectNode> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // the last one is the oldest by event time: the tail shows commit order, newest commit on top
            events.add(event(live, t.minusSeconds(i * 60L), "orchestrator.tail.step" + i, "success", "service", "svc"));
        }
        post(List.of(event("noise-" + UUID.randomUUID(), t, "other.noise.event", "success", "service", "svc")));
        post(events.subList(0, 1));
        post(events.subList(1, 3));
        await().atMost(Duration.ofSeconds(30)).until(() -> rows() == 3);

        JsonNode shown = chromium.evaluate("[...document.querySelectorAll('#results tbody tr')].map(r =>"
                + " ({id: r.dataset.eventId, fresh: r.classList.contains('fresh')}))");
        List<String> ids = new ArrayList<>();
        shown.forEach(r -> {
            ids.add(r.get("id").asText());
            assertThat(r.get("fresh").asBoolean()).isTrue();
        });
        assertThat(ids)
                .containsExactly(
                        events.get(2).get("event_id").asText(),
                        events.get(1).get("event_id").asText(),
                        events.get(0).get("event_id").asText());
        chromium.evaluate("document.getElementById('tail-toggle').click(), true");
        List<String> kinds = new ArrayList<>();
        views(live).forEach(v -> kinds.add(v.get("event_data").get("view").asText()));
        assertThat(kinds).containsExactlyInAnyOrder("search", "tail");
    }

    @Test
    void eventContentIsShownAsTextAndNeverRunsAsMarkup() {
        openViewer();
        searchFor(xssTrail);
        await().atMost(Duration.ofSeconds(20)).until(() -> rows() == 1);
        chromium.evaluate("document.querySelector('#results tbody tr a.corr').click(), true");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> chromium.evaluate("document.querySelectorAll('#timeline li.step').length")
                                .asInt()
                        == 1);

        assertThat(chromium.evaluate("typeof window.__xss").asText()).isEqualTo("undefined");
        assertThat(chromium.evaluate("document.querySelectorAll('main img, main script').length")
                        .asInt())
                .isZero();
        JsonNode cells =
                chromium.evaluate("[...document.querySelector('#results tbody tr').cells].map(c => c.textContent)");
        assertThat(cells.get(3).asText()).isEqualTo(XSS_SCRIPT);
        assertThat(cells.get(4).asText()).isEqualTo("remediation_request/" + XSS_IMG);
        assertThat(chromium.evaluate("document.querySelector('#timeline .step-error').textContent")
                        .asText())
                .isEqualTo(XSS_IMG);
        assertThat(chromium.evaluate("document.querySelector('#timeline pre').textContent")
                        .asText())
                .contains(XSS_SCRIPT.replace("\"", "\\\""), XSS_IMG.replace("\"", "\\\""));
        assertThat(xssId).isNotEmpty();
    }
}

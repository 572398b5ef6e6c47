package dev.auditline.datastorage.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer with auth on: the page is open, its data is not; the browser asks for the token once,
 * keeps it for the tab and sends it as a bearer token; views are recorded with the token's client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ViewerAuthIT {
    static final String READER_TOKEN = "reader-" + UUID.randomUUID();

    final HttpClient http = HttpClient.newHttpClient();
    DataStorage server;
    HeadlessChromium chromium;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens.yaml");
        Files.writeString(
                tokens,
                "clients:\n  auditor:\n    token_sha256: " + Authenticator.sha256Hex(READER_TOKEN)
                        + "\n    permissions: [read]\n");
        DataStorageConfig defaults = DataStorageConfig.defaults();
        server = DataStorage.start(
                defaults.withServer(defaults.server().withPort(0).withAuthTokensFile(tokens))
                        .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db"))),
                Clock.systemUTC());
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

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<JsonNode> viewsOf(String marker) throws Exception {
        HttpResponse<String> r = get("/api/v1/audit/events?limit=1000&event_type=auditline.trail.viewed", READER_TOKEN);
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : AuditJson.mapper().readTree(r.body()).get("events")) {
            if (marker.equals(e.path("resource_id").asText())) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void pageIsOpenButSearchNeedsAReadTokenAndRecordsItsClient() throws Exception {
        String marker = "auth-" + UUID.randomUUID();
        assertThat(get("/ui", null).statusCode()).isEqualTo(200);
        assertThat(get("/ui/api/search?correlation_id=" + marker, null).statusCode())
                .isEqualTo(401);
        assertThat(get("/ui/api/search?correlation_id=" + marker, "wrong").statusCode())
                .isEqualTo(401);
        assertThat(viewsOf(marker)).isEmpty();

        assertThat(get("/ui/api/search?correlation_id=" + marker, READER_TOKEN).statusCode())
                .isEqualTo(200);

        List<JsonNode> views = viewsOf(marker);
        assertThat(views).hasSize(1);
        assertThat(views.get(0).get("actor_type").asText()).isEqualTo("client");
        assertThat(views.get(0).get("actor_id").asText()).isEqualTo("auditor");
        assertThat(views.get(0).get("ingested_by").asText()).isEqualTo("auditor");
    }

    @Test
    void browserAsksForTheTokenOnceAndKeepsItForTheTab() throws Exception {
        String marker = "browser-" + UUID.randomUUID();
        chromium.navigate(server.baseUrl() + "/ui#correlation_id=" + marker);
        await().atMost(Duration.ofSeconds(20)).until(() -> chromium.evaluate("!!document.getElementById('token-dialog')"
                        + " && document.getElementById('token-dialog').open")
                .asBoolean());
        assertThat(chromium.evaluate("document.body.dataset.ready === undefined")
                        .asBoolean())
                .isTrue();

        chromium.evaluate("document.getElementById('token-input').value = '" + READER_TOKEN + "';"
                + " document.getElementById('token-form').requestSubmit(); true");
        await().atMost(Duration.ofSeconds(20)).until(() -> chromium.evaluate("document.body.dataset.ready === 'true'")
                .asBoolean());

        assertThat(chromium.evaluate("document.getElementById('token-dialog').open")
                        .asBoolean())
                .isFalse();
        assertThat(chromium.evaluate("document.querySelector('#results tbody').textContent")
                        .asText())
                .isEqualTo("No events match.");
        assertThat(chromium.evaluate("sessionStorage.getItem('auditline.token')")
                        .asText())
                .isEqualTo(READER_TOKEN);
        List<JsonNode> views = viewsOf(marker);
        assertThat(views).hasSize(1);
        assertThat(views.get(0).get("actor_id").asText()).isEqualTo("auditor");

        chromium.evaluate("window.__previousPage = true");
        chromium.reload();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> chromium.evaluate("!window.__previousPage && document.body.dataset.ready === 'true'")
                        .asBoolean());
        assertThat(chromium.evaluate("document.getElementById('token-dialog').open")
                        .asBoolean())
                .isFalse();
        assertThat(viewsOf(marker)).hasSize(2);
    }
}

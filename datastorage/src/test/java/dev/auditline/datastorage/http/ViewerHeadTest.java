package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import dev.auditline.datastorage.auth.Authenticator;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer's search records a "trail viewed" event for every answer it gives; a HEAD carries no
 * answer, so it is refused ({@code 405}, {@code Allow: GET}) and records nothing, rather than running
 * the query and recording a look nobody got.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewerHeadTest {
    private static final String SEARCH = "/ui/api/search?correlation_id=head-test";

    @Test
    void aHeadOnTheViewerSearchIsRefusedAndRecordsNoView() throws IOException {
        try (LoopbackServer server = LoopbackServer.start(s -> s)) {
            HttpResponse<String> head = server.send(
                    HttpRequest.newBuilder(server.uri(SEARCH)).method("HEAD", HttpRequest.BodyPublishers.noBody()));

            assertThat(head.statusCode()).isEqualTo(405);
            assertThat(head.headers().firstValue("Allow")).hasValue("GET");
            assertThat(viewsRecorded(server)).isZero();

            HttpResponse<String> get = server.get(SEARCH);
            assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
            assertThat(viewsRecorded(server)).isEqualTo(1);
        }
    }

    @Test
    void aHeadOnTheViewerSearchNeedsTheTokenAndPermissionGetNeedsBeforeItIsRefused(@TempDir Path dir)
            throws IOException {
        Path tokens = Files.writeString(
                dir.resolve("tokens.yaml"),
                "clients:\n  writer:\n    token_sha256: " + Authenticator.sha256Hex("writer-token")
                        + "\n    permissions: [write]\n  reader:\n    token_sha256: "
                        + Authenticator.sha256Hex("reader-token") + "\n    permissions: [read]\n");
        try (LoopbackServer server = LoopbackServer.start(s -> s.withAuthTokensFile(tokens))) {
            assertThat(head(server, null).statusCode()).isEqualTo(401);
            assertThat(head(server, "writer-token").statusCode()).isEqualTo(403);
            HttpResponse<String> reader = head(server, "reader-token");
            assertThat(reader.statusCode()).isEqualTo(405);
            assertThat(reader.headers().firstValue("Allow")).hasValue("GET");
        }
    }

    private static HttpResponse<String> head(LoopbackServer server, String token) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(server.uri(SEARCH)).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return server.send(request);
    }

    @Test
    void aHeadOnTheEventsRouteStillAnswersLikeItsGet() throws IOException {
        try (LoopbackServer server = LoopbackServer.start(s -> s)) {
            HttpResponse<String> head =
                    server.send(HttpRequest.newBuilder(server.uri("/api/v1/audit/events?correlation_id=head-test"))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertThat(head.statusCode()).isEqualTo(200);
        }
    }

    private static int viewsRecorded(LoopbackServer server) throws IOException {
        HttpResponse<String> trail =
                server.get("/api/v1/audit/events?correlation_id=" + ViewerRoutes.VIEWER_CORRELATION_ID);
        assertThat(trail.statusCode()).as(trail.body()).isEqualTo(200);
        JsonNode events = AuditJson.mapper().readTree(trail.body()).get("events");
        return events.size();
    }
}

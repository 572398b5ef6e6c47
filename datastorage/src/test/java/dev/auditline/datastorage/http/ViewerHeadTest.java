package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

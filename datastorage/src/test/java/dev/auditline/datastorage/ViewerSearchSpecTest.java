package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.datastorage.config.DataStorageConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer's search answers as {@code openapi.yaml} declares it, {@code HEAD} included: every
 * reply of {@link ApiClient} is validated against the document, and an undeclared method or status
 * fails the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewerSearchSpecTest {
    static final String SEARCH = "/ui/api/search";

    @TempDir
    Path dir;

    @Test
    void theSearchAndItsRefusedHeadMatchTheDocument() throws IOException {
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(defaults.server().withPort(0))
                .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db")));
        try (DataStorage server = DataStorage.start(config, Clock.systemUTC())) {
            ApiClient api = new ApiClient(server.baseUrl());
            String query = SEARCH + "?correlation_id=" + WireEvents.uniqueCorrelationId("spec");

            ApiClient.Reply head = api.send("HEAD", query, null, Map.of());
            assertThat(head.status()).isEqualTo(405);
            assertThat(head.headers().get("allow")).isEqualTo(List.of("GET"));

            ApiClient.Reply get = api.get(query + "&view=timeline");
            assertThat(get.status()).as(get.body()).isEqualTo(200);
            assertThat(get.json().get("viewed_event_id").textValue()).isNotBlank();

            ApiClient.Reply bad = api.get(SEARCH + "?view=evil");
            assertThat(bad.status()).as(bad.body()).isEqualTo(400);
        }
    }
}

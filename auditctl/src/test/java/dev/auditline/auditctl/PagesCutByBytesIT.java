package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.config.QueryConfig;
import dev.auditline.datastorage.config.StorageSettings;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose pages hold only a few events ({@code query.max_page_bytes: 8KiB}): every command
 * that reads many events follows the cursor (or the log's {@code next_after}) to the end instead
 * of taking a short page for the last one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PagesCutByBytesIT {
    TestServer server;
    final String trail = "cut-" + UUID.randomUUID();
    final List<String> ids = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) {
        server = new TestServer(
                StorageSettings.DEFAULT.withUrl("sqlite:" + dir.resolve("audit.db")), 0, new QueryConfig(8 * 1024));
        Instant base = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(120);
        List<ObjectNode> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ObjectNode e = TestEvents.event(trail, base.plusSeconds(i), "cut.page.event", "success");
            e.putObject("event_data").put("pad", "p".repeat(3000));
            events.add(e);
            ids.add(e.get("event_id").asText());
        }
        server.store(events);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void queryAllFollowsTheCursorThroughPagesCutByBytes() {
        Cli cli = Cli.run(server.url(), "query", "--correlation-id", trail, "--all", "-o", "ndjson");

        assertThat(cli.code()).isZero();
        assertThat(AuditctlContract.ndjsonIds(cli.out())).containsExactlyElementsOf(ids);
    }

    @Test
    void tailReadsTheWholeLogThoughEachAnswerHoldsOnlyAFewEntries() {
        Cli cli = Cli.run(server.url(), "tail", "--correlation-id", trail);

        assertThat(cli.code()).isZero();
        assertThat(AuditctlContract.ndjsonIds(cli.out())).containsExactlyElementsOf(ids);
    }
}

package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Finds a signed checkpoint that covers an export: one whose tree holds every event committed
 * before the export finished. DataStorage signs a checkpoint every {@code log.checkpoint_interval}
 * (1 s by default), so the latest one may lag the log by that much; this reads the log's size when
 * the export is done and waits, bounded, for a checkpoint at least that large. An auditor can then
 * check the exported events against the checkpoint with {@code auditctl verify}.
 */
final class CoveringCheckpoint {
    static final String CHECKPOINT = "/api/v1/log/checkpoint";
    static final String LOG_ENTRIES = "/api/v1/audit/log/entries";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(250);

    private CoveringCheckpoint() {}

    /**
     * The signed checkpoint note covering the log as it is now, or {@code null} when the server
     * signed none that large within {@code maxWait} (or serves no verifiable log).
     */
    static String await(ApiClient api, Duration maxWait) {
        JsonNode head = api.getJson(api.uri(LOG_ENTRIES, Map.of("after", "-1", "limit", "1")), REQUEST_TIMEOUT);
        long logSize = head.path("log_size").asLong(-1);
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            HttpResponse<byte[]> response = api.getRaw(api.uri(CHECKPOINT, Map.of()), REQUEST_TIMEOUT);
            if (response.statusCode() == 200) {
                String note = new String(response.body(), StandardCharsets.UTF_8);
                if (treeSize(note) >= logSize) {
                    return note;
                }
            } else if (response.statusCode() == 404) {
                return null;
            }
            if (System.nanoTime() - deadline >= 0) {
                return null;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** The tree size of a checkpoint note (its second line), or -1 when it has none. */
    static long treeSize(String note) {
        String[] lines = note.split("\n", 3);
        if (lines.length < 2) {
            return -1;
        }
        try {
            return Long.parseLong(lines[1].strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

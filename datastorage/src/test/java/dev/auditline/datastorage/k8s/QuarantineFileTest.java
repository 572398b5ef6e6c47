package dev.auditline.datastorage.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarantineFileTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-02-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static QuarantineFile.Entry entry(int index, String payload) {
        return new QuarantineFile.Entry(
                "prod", index, "id-" + index, "items[" + index + "].stageTimestamp", "bad", TextNode.valueOf(payload));
    }

    @Test
    void isCreatedOnlyByTheFirstEntryAndKeepsOneLinePerItem() throws IOException {
        Path file = dir.resolve("sub/q.jsonl");
        try (QuarantineFile q = new QuarantineFile(file, 1 << 20, CLOCK)) {
            assertThat(file).doesNotExist();
            assertThat(q.append(List.of(entry(0, "a"), entry(3, "b")))).isEqualTo(2);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .as("what the apiserver sent is the owner's alone")
                .isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.get("quarantined_at").asText()).isEqualTo("2026-02-01T00:00:00Z");
        assertThat(first.get("cluster").asText()).isEqualTo("prod");
        assertThat(first.get("index").asInt()).isEqualTo(0);
        assertThat(first.get("audit_id").asText()).isEqualTo("id-0");
        assertThat(first.get("field").asText()).isEqualTo("items[0].stageTimestamp");
        assertThat(first.get("item").asText()).isEqualTo("a");
    }

    @Test
    void writesOnlyWhatFitsUnderMaxBytesAcrossRestarts() throws IOException {
        Path file = dir.resolve("q.jsonl");
        String payload = "x".repeat(400);
        try (QuarantineFile q = new QuarantineFile(file, 1 << 20, CLOCK)) {
            assertThat(q.append(List.of(entry(0, payload), entry(1, payload)))).isEqualTo(2);
        }
        long line = Files.size(file) / 2;
        long max = 3 * line + line / 2;
        try (QuarantineFile q = new QuarantineFile(file, max, CLOCK)) {
            assertThat(q.append(List.of(entry(2, payload), entry(3, payload)))).isEqualTo(1);
            assertThat(q.append(List.of(entry(4, payload)))).isZero();
        }
        assertThat(Files.readAllLines(file)).hasSize(3);
        assertThat(Files.size(file)).isLessThanOrEqualTo(max);
    }

    @Test
    void refusesAfterClose() throws IOException {
        QuarantineFile q = new QuarantineFile(dir.resolve("q.jsonl"), 1 << 20, CLOCK);
        q.close();
        q.close();
        assertThatThrownBy(() -> q.append(List.of(entry(0, "a")))).isInstanceOf(IOException.class);
    }
}

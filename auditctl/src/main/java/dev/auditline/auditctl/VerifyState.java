package dev.auditline.auditctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.api.json.AuditJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What {@code auditctl verify} remembers between runs, in a small JSON file: the verifier key it
 * trusts (pinned or trusted on first use) and the last checkpoint it verified, as the signed note
 * text. The next run demands a consistency proof from that checkpoint, so a log rewritten between
 * runs is caught even if every later checkpoint is validly signed.
 *
 * @param vkey {@code null} before the first run
 * @param checkpointNote {@code null} before the first run
 */
record VerifyState(String vkey, String checkpointNote) {
    static final VerifyState EMPTY = new VerifyState(null, null);

    static VerifyState read(Path file) {
        if (!Files.exists(file)) {
            return EMPTY;
        }
        try {
            JsonNode node = AuditJson.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
            return new VerifyState(text(node, "vkey"), text(node, "checkpoint"));
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(
                    ExitCodes.CANNOT_VERIFY, "cannot read the state file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String name) {
        JsonNode v = node == null ? null : node.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Replaces the file atomically (write a sibling, then rename), so a crash never leaves half a state. */
    void write(Path file) {
        ObjectNode node = AuditJson.mapper().createObjectNode();
        node.put("vkey", vkey);
        node.put("checkpoint", checkpointNote);
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.writeString(
                    tmp, AuditJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CommandFailure(
                    ExitCodes.CANNOT_VERIFY, "cannot write the state file " + file + ": " + e.getMessage(), e);
        }
    }
}

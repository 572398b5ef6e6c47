package dev.auditline.datastorage.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A credentials file ({@code storage.credentials_file}, {@code storage.owner_credentials_file}):
 * YAML with {@code username} (or {@code user}) and {@code password}. Its problems name the key and
 * the file but never a value, because the values are secrets.
 */
final class CredentialsFile {
    private CredentialsFile() {}

    /**
     * {@code username} (or {@code user}) and {@code password} from the credentials file, each
     * {@code null} when absent.
     */
    static String[] read(String key, Path file, List<String> problems) {
        String[] out = new String[2];
        JsonNode root;
        try {
            root = ConfigSection.YAML.readTree(file.toFile());
        } catch (IOException e) {
            problems.add(key + ": cannot read " + file + " as YAML: " + e.getMessage());
            return out;
        }
        List<String> fileProblems = new ArrayList<>();
        ConfigSection s = new ConfigSection("", root, fileProblems, ConfigOverrides.none());
        String username = s.text("username", null);
        String user = s.text("user", null);
        if (username != null && user != null) {
            fileProblems.add("give either username or user, not both");
        }
        out[0] = username != null ? username : user;
        out[1] = s.text("password", null);
        s.rejectUnknown();
        if (out[0] == null || out[1] == null) {
            fileProblems.add("must hold both username (or user) and password");
        }
        for (String p : fileProblems) {
            // the values are secrets: report keys and shape only
            problems.add(key + " (" + file + "): " + p.replaceAll("\\(got .*\\)$", ""));
        }
        return out;
    }
}

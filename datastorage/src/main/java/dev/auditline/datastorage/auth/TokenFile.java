package dev.auditline.datastorage.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens file: which clients exist, the SHA-256 of each one's bearer token, and what each may
 * do. Only hashes are stored, so the file leaks no usable token.
 *
 * <pre>
 * clients:
 *   remediation-orchestrator:
 *     token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *     permissions: [write]
 *   auditctl:
 *     token_sha256: 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
 *     permissions: [read, write]
 * </pre>
 */
final class TokenFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern CLIENT_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,100}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private TokenFile() {}

    /**
     * @return clients by the lowercase hex SHA-256 of their token
     * @throws IllegalArgumentException listing every problem of the file
     */
    static Map<String, Client> read(Path file) {
        try {
            return parse(file, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("server.auth.tokens_file " + file + ": cannot read it: " + e);
        }
    }

    /**
     * @param content the file's bytes, read once so that what is parsed is what was hashed
     * @return clients by the lowercase hex SHA-256 of their token
     * @throws IllegalArgumentException listing every problem of the file
     */
    static Map<String, Client> parse(Path file, byte[] content) {
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "server.auth.tokens_file " + file + ": cannot read it as YAML: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        Map<String, Client> byHash = new HashMap<>();
        JsonNode clients = root == null ? null : root.get("clients");
        if (clients == null || !clients.isObject()) {
            problems.add("clients: must be a mapping of client name to {token_sha256, permissions}");
        } else {
            for (Map.Entry<String, JsonNode> entry : clients.properties()) {
                String name = entry.getKey();
                String path = "clients." + name;
                if (!CLIENT_NAME.matcher(name).matches()) {
                    problems.add(path + ": a client name must be 1-100 characters of [A-Za-z0-9_.@-]");
                    continue;
                }
                JsonNode c = entry.getValue();
                JsonNode hash = c == null ? null : c.get("token_sha256");
                if (hash == null
                        || !hash.isTextual()
                        || !SHA256_HEX.matcher(hash.textValue()).matches()) {
                    problems.add(path + ".token_sha256: must be 64 lowercase hex digits, the SHA-256 of the token"
                            + " (sha256sum)");
                    continue;
                }
                Set<Permission> permissions = EnumSet.noneOf(Permission.class);
                JsonNode perms = c.get("permissions");
                if (perms == null || !perms.isArray() || perms.isEmpty()) {
                    problems.add(path + ".permissions: must be a list of read, write");
                    continue;
                }
                for (JsonNode p : perms) {
                    try {
                        permissions.add(Permission.valueOf(p.asText().toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        problems.add(path + ".permissions: must contain only read, write (got \"" + p.asText() + "\")");
                    }
                }
                for (Iterator<String> keys = c.fieldNames(); keys.hasNext(); ) {
                    String key = keys.next();
                    if (!key.equals("token_sha256") && !key.equals("permissions")) {
                        problems.add(path + "." + key + ": unknown key (known here: permissions, token_sha256)");
                    }
                }
                if (byHash.put(hash.textValue(), new Client(name, permissions)) != null) {
                    problems.add(path + ".token_sha256: the same token hash is given to two clients");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "server.auth.tokens_file " + file + ":\n  " + String.join("\n  ", problems));
        }
        return Map.copyOf(byHash);
    }
}

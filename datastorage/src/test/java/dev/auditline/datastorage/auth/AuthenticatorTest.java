package dev.auditline.datastorage.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {
    @TempDir
    Path dir;

    static String entry(String name, String token, String permissions) {
        return "  " + name + ":\n    token_sha256: " + Authenticator.sha256Hex(token) + "\n    permissions: ["
                + permissions + "]\n";
    }

    private Path write(String content, Instant modified) throws IOException {
        Path file = dir.resolve("tokens.yaml");
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    @Test
    void findsTheClientOfAToken() throws IOException {
        Authenticator auth = Authenticator.fromFile(write(
                "clients:\n" + entry("orchestrator", "t1", "write") + entry("auditctl", "t2", "read, write"),
                Instant.parse("2026-01-01T00:00:00Z")));

        assertThat(auth.authenticate("t1")).contains(new Client("orchestrator", Set.of(Permission.WRITE)));
        assertThat(auth.authenticate("t2").orElseThrow().permissions())
                .containsExactlyInAnyOrder(Permission.READ, Permission.WRITE);
        assertThat(auth.authenticate("nope")).isEmpty();
    }

    @Test
    void rereadsTheFileWhenItChanges() throws IOException {
        Path file = write("clients:\n" + entry("a", "old", "read"), Instant.parse("2026-01-01T00:00:00Z"));
        Authenticator auth = Authenticator.fromFile(file);
        assertThat(auth.authenticate("old")).isPresent();

        write("clients:\n" + entry("a", "new", "read"), Instant.parse("2026-01-01T00:00:01Z"));

        assertThat(auth.authenticate("old")).isEmpty();
        assertThat(auth.authenticate("new")).isPresent();
    }

    @Test
    void keepsTheLastGoodClientsWhenTheFileBecomesInvalid() throws IOException {
        Path file = write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:00Z"));
        Authenticator auth = Authenticator.fromFile(file);

        write("clients:\n  a: {token_sha256: short, permissions: [read]}\n", Instant.parse("2026-01-01T00:00:05Z"));

        assertThat(auth.authenticate("tok")).isPresent();
    }

    @Test
    void refusesAnInvalidFileAtStartWithEveryProblem() throws IOException {
        Path file = write(
                "clients:\n  a: {token_sha256: abc, permissions: [read]}\n  b: {token_sha256: "
                        + Authenticator.sha256Hex("x") + ", permissions: [admin]}\n",
                Instant.now());

        assertThatThrownBy(() -> Authenticator.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clients.a.token_sha256: must be 64 lowercase hex digits")
                .hasMessageContaining("clients.b.permissions: must contain only read, write (got \"admin\")");
    }

    @Test
    void hashesTokensAsLowercaseHexSha256() {
        assertThat(Authenticator.sha256Hex("test"))
                .isEqualTo("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    }
}

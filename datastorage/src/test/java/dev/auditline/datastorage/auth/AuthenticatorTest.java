package dev.auditline.datastorage.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.datastorage.metrics.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {
    @TempDir
    Path dir;

    private final MovableClock clock = new MovableClock();

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
    void aTypoRefusesEveryTokenUntilTheFileIsFixed() throws IOException {
        Path file = write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:00Z"));
        Authenticator auth = Authenticator.fromFile(file, clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        auth.bindTo(registry);
        assertThat(valid(registry)).isEqualTo(1.0);

        write("clients:\n  a: {token_sha256: short, permissions: [read]}\n", Instant.parse("2026-01-01T00:00:05Z"));

        assertThatThrownBy(() -> auth.authenticate("tok"))
                .isInstanceOf(TokensFileUnavailableException.class)
                .hasMessageContaining("clients.a.token_sha256: must be 64 lowercase hex digits");
        assertThatThrownBy(() -> auth.authenticate("unknown")).isInstanceOf(TokensFileUnavailableException.class);
        assertThat(auth.health().valid()).isFalse();
        assertThat(auth.health().clients()).isZero();
        assertThat(auth.health().problem()).contains(file.toString()).contains("clients.a.token_sha256");
        assertThat(valid(registry)).isZero();
        double loadedAt = lastReload(registry);

        clock.advance(Duration.ofSeconds(30));
        write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:09Z"));

        assertThat(auth.authenticate("tok")).isPresent();
        assertThat(auth.health()).isEqualTo(new Authenticator.Health(true, null, 1, clock.instant()));
        assertThat(valid(registry)).isEqualTo(1.0);
        assertThat(lastReload(registry)).isEqualTo(loadedAt + 30);
    }

    @Test
    void aDeletedFileRefusesEveryTokenAndItsReturnRestoresThem() throws IOException {
        Path file = write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:00Z"));
        Authenticator auth = Authenticator.fromFile(file, clock);

        Files.delete(file);

        assertThatThrownBy(() -> auth.authenticate("tok"))
                .isInstanceOf(TokensFileUnavailableException.class)
                .hasMessage("server.auth.tokens_file " + file + ": the file is missing");
        assertThat(auth.health().valid()).isFalse();

        write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:00Z"));

        assertThat(auth.authenticate("tok")).isPresent();
        assertThat(auth.health().valid()).isTrue();
    }

    @Test
    void aChangeKeepingSizeAndModificationTimeIsSeenWithinTheRecheckInterval() throws IOException {
        Instant modified = Instant.parse("2026-01-01T00:00:00Z");
        Path file = write("clients:\n" + entry("a", "revoked", "read"), modified);
        Authenticator auth = Authenticator.fromFile(file, clock);
        assertThat(auth.authenticate("revoked")).isPresent();

        // what cp -p of a prepared file does: other content, same size, same modification time
        write("clients:\n" + entry("a", "replace", "read"), modified);

        clock.advance(Authenticator.RECHECK_INTERVAL);
        assertThat(auth.authenticate("revoked")).isEmpty();
        assertThat(auth.authenticate("replace")).isPresent();
    }

    @Test
    void aRewriteWithTheSameContentKeepsTheLoadTime() throws IOException {
        Path file = write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:00Z"));
        Authenticator auth = Authenticator.fromFile(file, clock);
        Instant loaded = auth.health().lastReload();

        clock.advance(Duration.ofSeconds(10));
        write("clients:\n" + entry("a", "tok", "read"), Instant.parse("2026-01-01T00:00:07Z"));

        assertThat(auth.authenticate("tok")).isPresent();
        assertThat(auth.health().lastReload()).isEqualTo(loaded);
    }

    private static double valid(SimpleMeterRegistry registry) {
        return registry.get(MetricNames.AUTH_TOKENS_FILE_VALID).gauge().value();
    }

    private static double lastReload(SimpleMeterRegistry registry) {
        return registry.get(MetricNames.AUTH_TOKENS_FILE_LAST_RELOAD).gauge().value();
    }

    /** A clock tests move by hand. */
    static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-11-28T10:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
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

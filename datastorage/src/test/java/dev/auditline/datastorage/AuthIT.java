package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.auditline.datastorage.auth.Authenticator;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Bearer auth from a tokens file: 401 without or with a bad token, 403 without the permission. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthIT {
    static final String BATCH = DataStorageApiContract.BATCH;
    static final String EVENTS = DataStorageApiContract.EVENTS;

    Path dir;
    Path tokens;
    DataStorage server;
    ApiClient anonymous;

    @BeforeAll
    void start() throws IOException {
        dir = Files.createTempDirectory("datastorage-auth-it");
        tokens = dir.resolve("tokens.yaml");
        writeTokens("writer-token", Instant.parse("2026-01-01T00:00:00Z"));
        DataStorageConfig defaults = DataStorageConfig.defaults();
        DataStorageConfig config = defaults.withServer(
                        defaults.server().withPort(0).withAuthTokensFile(tokens))
                .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db")));
        server = DataStorage.start(config, Clock.systemUTC());
        anonymous = new ApiClient(server.baseUrl());
    }

    private void writeTokens(String writerToken, Instant modified) throws IOException {
        Files.writeString(
                tokens,
                "clients:\n"
                        + "  orchestrator:\n    token_sha256: " + Authenticator.sha256Hex(writerToken)
                        + "\n    permissions: [write]\n"
                        + "  auditctl:\n    token_sha256: " + Authenticator.sha256Hex("reader-token")
                        + "\n    permissions: [read]\n");
        Files.setLastModifiedTime(tokens, FileTime.from(modified));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        TestFiles.deleteRecursively(dir);
    }

    private static String oneEvent(ObjectNode event) {
        return WireEvents.batch(event);
    }

    @Test
    void refusesApiRequestsWithoutATokenWith401() {
        ApiClient.Reply reply = anonymous.post(
                BATCH, oneEvent(WireEvents.valid("auth", Instant.now().truncatedTo(ChronoUnit.MICROS))));

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(anonymous.get(EVENTS).status()).isEqualTo(401);
        assertThat(anonymous.get("/api/v1/limits").status()).isEqualTo(401);
    }

    @Test
    void refusesAnUnknownTokenWith401() {
        assertThat(anonymous.withToken("guess").get(EVENTS).status()).isEqualTo(401);
        assertThat(anonymous
                        .send("GET", EVENTS, null, java.util.Map.of("Authorization", "Basic dXNlcjpwdw=="))
                        .status())
                .isEqualTo(401);
    }

    @Test
    void keepsProbesMetricsAndTheDocumentOpen() {
        assertThat(anonymous.get("/healthz").status()).isEqualTo(200);
        assertThat(anonymous.get("/readyz").status()).isEqualTo(200);
        assertThat(anonymous.get("/metrics").status()).isEqualTo(200);
        assertThat(anonymous.get("/openapi.yaml").status()).isEqualTo(200);
    }

    @Test
    void refusesAClientWithoutThePermissionWith403() {
        ApiClient reader = anonymous.withToken("reader-token");
        ApiClient.Reply write = reader.post(
                BATCH, oneEvent(WireEvents.valid("auth", Instant.now().truncatedTo(ChronoUnit.MICROS))));
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.json().get("permission").textValue()).isEqualTo("write");

        ApiClient writer = anonymous.withToken("writer-token");
        ApiClient.Reply read = writer.get(EVENTS);
        assertThat(read.status()).isEqualTo(403);
        assertThat(read.json().get("permission").textValue()).isEqualTo("read");
        assertThat(writer.get("/api/v1/limits").status()).isEqualTo(200);
    }

    @Test
    void storesTheClientNameAsIngestedBy() {
        ObjectNode event = WireEvents.valid(
                WireEvents.uniqueCorrelationId("auth"), Instant.now().truncatedTo(ChronoUnit.MICROS));
        assertThat(anonymous
                        .withToken("writer-token")
                        .post(BATCH, oneEvent(event))
                        .status())
                .isEqualTo(200);

        ApiClient.Reply stored = anonymous.withToken("reader-token").get(EVENTS + "/" + WireEvents.id(event));

        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.json().get("ingested_by").textValue()).isEqualTo("orchestrator");
    }

    @Test
    void picksUpAChangedTokensFileWithoutRestart() throws IOException {
        writeTokens("rotated-token", Instant.parse("2026-01-02T00:00:00Z"));
        try {
            ApiClient.Reply old = anonymous.withToken("writer-token").get("/api/v1/limits");
            ApiClient.Reply rotated = anonymous.withToken("rotated-token").get("/api/v1/limits");
            assertThat(old.status()).isEqualTo(401);
            assertThat(rotated.status()).isEqualTo(200);
        } finally {
            writeTokens("writer-token", Instant.parse("2026-01-03T00:00:00Z"));
        }
    }

    @Test
    void anInvalidTokensFileRefusesEveryTokenWith503UntilFixedAndSaysSoInMetrics() throws IOException {
        Files.writeString(tokens, "clients:\n  orchestrator: {token_sha256: typo, permissions: [write]}\n");
        Files.setLastModifiedTime(tokens, FileTime.from(Instant.parse("2026-01-04T00:00:00Z")));
        try {
            ApiClient.Reply refused = anonymous.withToken("writer-token").get("/api/v1/limits");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isEqualTo("5");
            assertThat(refused.json().get("type").textValue()).endsWith("auth-unavailable");
            assertThat(anonymous.withToken("reader-token").get(EVENTS).status()).isEqualTo(503);
            assertThat(anonymous.get("/metrics").body()).contains("audit_auth_tokens_file_valid 0.0");
            ApiClient.Reply ready = anonymous.get("/readyz");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().get("detail").textValue())
                    .isEqualTo("the tokens file is invalid or missing; see the server log");
        } finally {
            writeTokens("writer-token", Instant.parse("2026-01-05T00:00:00Z"));
        }
        assertThat(anonymous.withToken("writer-token").get("/api/v1/limits").status())
                .isEqualTo(200);
        assertThat(anonymous.get("/metrics").body()).contains("audit_auth_tokens_file_valid 1.0");
        assertThat(anonymous.get("/readyz").status()).isEqualTo(200);
    }
}

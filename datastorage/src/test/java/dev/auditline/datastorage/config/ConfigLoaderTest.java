package dev.auditline.datastorage.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static DataStorageConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", null);
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void anEmptyFileGivesTheEmbeddedDefaults() {
        assertThat(parse("")).isEqualTo(DataStorageConfig.defaults());
        assertThat(parse("# nothing\n")).isEqualTo(DataStorageConfig.defaults());
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        DataStorageConfig c = DataStorageConfig.defaults();
        assertThat(c.server().listen()).isEqualTo("127.0.0.1:8080");
        assertThat(c.server().maxBatchSize()).isEqualTo(5000);
        assertThat(c.server().maxRequestBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(c.server().shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.server().authTokensFile()).isNull();
        assertThat(c.storage().url()).isEqualTo("sqlite:./data/audit.db");
        assertThat(c.validation().maxEventDataBytes()).isEqualTo(256 * 1024);
        assertThat(c.validation().maxPast()).isEqualTo(Duration.ofDays(30));
        assertThat(c.validation().maxFuture()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void readsEveryKey() throws IOException {
        Path tokens = Files.writeString(dir.resolve("tokens.yaml"), "clients: {}\n");
        Path credentials = Files.writeString(dir.resolve("db.yaml"), "username: audit\npassword: s3cret\n");
        DataStorageConfig c = ConfigLoader.parse(
                """
                server:
                  listen: 0.0.0.0:9090
                  max_batch_size: 1000
                  max_request_bytes: 8MiB
                  auth: {tokens_file: tokens.yaml}
                  shutdown_timeout: 30s
                  ingest_wait: 500ms
                storage:
                  url: postgresql://db:5432/audit
                  credentials_file: db.yaml
                  pool_size: 20
                  partitions_ahead: 6
                  connection_timeout: 5s
                  fallback_spool: {dir: spool, max_bytes: 512MiB}
                validation:
                  max_event_data_bytes: 64KiB
                  max_past: 7d
                  max_future: 5m
                retention:
                  default_days: 365
                """,
                "test.yaml",
                dir);
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().port()).isEqualTo(9090);
        assertThat(c.server().maxBatchSize()).isEqualTo(1000);
        assertThat(c.server().maxRequestBytes()).isEqualTo(8L * 1024 * 1024);
        assertThat(c.server().authTokensFile()).isEqualTo(tokens);
        assertThat(c.server().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.server().ingestWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.storage().url()).isEqualTo("jdbc:postgresql://db:5432/audit");
        assertThat(c.storage().username()).isEqualTo("audit");
        assertThat(c.storage().password()).isEqualTo("s3cret");
        assertThat(c.storage().poolSize()).isEqualTo(20);
        assertThat(c.storage().partitionsAhead()).isEqualTo(6);
        assertThat(c.storage().connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.storage().fallbackSpoolDir()).isEqualTo(dir.resolve("spool"));
        assertThat(c.storage().fallbackSpoolMaxBytes()).isEqualTo(512L * 1024 * 1024);
        assertThat(c.validation().maxEventDataBytes()).isEqualTo(64 * 1024);
        assertThat(c.validation().maxPast()).isEqualTo(Duration.ofDays(7));
        assertThat(c.validation().maxFuture()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.retention().defaultDays()).isEqualTo(365);
        assertThat(c.describe()).contains("password ***").doesNotContain("s3cret");
        assertThat(c.storage().toString()).doesNotContain("s3cret");
        assertThat(c.storage().toStorageConfig().password()).isEqualTo("s3cret");
    }

    @Test
    void reportsAnUnknownKeyWithItsPathAndTheKnownOnes() {
        assertThat(problems("server:\n  max_batch: 10\n"))
                .containsExactly("server.max_batch: unknown key (known here: auth, ingest_wait, listen,"
                        + " max_batch_size, max_request_bytes, shutdown_timeout)");
    }

    @Test
    void reportsAnUnknownTopLevelSection() {
        assertThat(problems("sever: {}\n"))
                .containsExactly(
                        "sever: unknown key (known here: kubernetes, log, query, retention, server, storage, validation)");
    }

    @Test
    void reportsAListenAddressWithoutPort() {
        assertThat(problems("server: {listen: localhost}\n"))
                .containsExactly("server.listen: must be host:port, like 127.0.0.1:8080 or 0.0.0.0:8080 (got"
                        + " \"localhost\")");
    }

    @Test
    void reportsAPortOutOfRange() {
        assertThat(problems("server: {listen: \"127.0.0.1:70000\"}\n"))
                .containsExactly("server.listen: port must be between 0 and 65535 (got 70000)");
    }

    @Test
    void reportsABatchSizeOutOfRange() {
        assertThat(problems("server: {max_batch_size: 0}\n"))
                .containsExactly("server.max_batch_size: must be between 1 and 100000 (got 0)");
    }

    @Test
    void reportsAWrongTypeForANumber() {
        assertThat(problems("server: {max_batch_size: many}\n"))
                .containsExactly("server.max_batch_size: must be a whole number (got \"many\")");
    }

    @Test
    void reportsASizeWithoutAKnownUnit() {
        assertThat(problems("server: {max_request_bytes: 16MB}\n"))
                .containsExactly(
                        "server.max_request_bytes: must be a size like 1024, 512KiB, 16MiB or 1GiB (got \"16MB\")");
    }

    @Test
    void reportsADurationWithoutUnit() {
        assertThat(problems("server: {shutdown_timeout: 10}\n"))
                .containsExactly(
                        "server.shutdown_timeout: must be a duration like 500ms, 10s, 15m, 24h or 7d (got \"10\")");
    }

    @Test
    void reportsADurationOutOfRange() {
        assertThat(problems("server: {ingest_wait: 1h}\n"))
                .containsExactly("server.ingest_wait: must be between 0s and 30s (got 1h)");
    }

    @Test
    void reportsAFallbackSpoolBoundBelowTheLargestRequest() {
        assertThat(
                        problems(
                                "server: {max_request_bytes: 16MiB}\nstorage: {fallback_spool: {dir: spool, max_bytes: 8MiB}}\n"))
                .containsExactly(
                        "storage.fallback_spool.max_bytes: must be ≥ server.max_request_bytes (got 8MiB < 16MiB)");
    }

    @Test
    void defaultsTheFallbackSpoolBoundTo1GiB() {
        DataStorageConfig c = ConfigLoader.parse("storage: {fallback_spool: {dir: spool}}\n", "t.yaml", dir);
        assertThat(c.storage().fallbackSpoolMaxBytes()).isEqualTo(1L << 30);
        assertThat(c.describe()).contains("storage.fallback_spool.max_bytes: 1GiB");
    }

    @Test
    void reportsAMissingTokensFile() {
        assertThat(problems("server: {auth: {tokens_file: /nonexistent/tokens.yaml}}\n"))
                .containsExactly("server.auth.tokens_file: must name a readable file (got \"/nonexistent/tokens.yaml\","
                        + " resolved to /nonexistent/tokens.yaml)");
    }

    @Test
    void reportsAnUnsupportedStorageUrl() {
        assertThat(problems("storage: {url: \"mysql://db/audit\"}\n"))
                .singleElement()
                .asString()
                .startsWith("storage.url: must start with jdbc:postgresql:, sqlite: or jdbc:sqlite:");
    }

    @Test
    void reportsCredentialsForSqlite() throws IOException {
        Files.writeString(dir.resolve("db.yaml"), "username: a\npassword: b\n");
        assertThatThrownBy(() -> ConfigLoader.parse("storage: {credentials_file: db.yaml}\n", "t.yaml", dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly(
                                "storage.credentials_file: SQLite takes no credentials; remove the key or use a"
                                        + " PostgreSQL url"));
    }

    @Test
    void reportsAnIncompleteCredentialsFileWithoutRevealingIt() throws IOException {
        Path credentials = Files.writeString(dir.resolve("db.yaml"), "username: audit\npasword: s3cret\n");
        List<String> problems = List.of();
        try {
            ConfigLoader.parse(
                    "storage: {url: \"jdbc:postgresql://db/audit\", credentials_file: db.yaml}\n", "t.yaml", dir);
        } catch (ConfigException e) {
            problems = e.problems();
        }
        assertThat(problems)
                .containsExactly(
                        "storage.credentials_file (" + credentials + "): pasword: unknown key (known here: password,"
                                + " user, username)",
                        "storage.credentials_file (" + credentials + "): must hold both username (or user) and"
                                + " password");
        assertThat(String.join("\n", problems)).doesNotContain("s3cret");
    }

    @Test
    void readsTheOwnerCredentialsForMigrationsBesideTheRuntimeOnes() throws IOException {
        Files.writeString(dir.resolve("db.yaml"), "username: auditline_app\npassword: app-secret\n");
        Files.writeString(dir.resolve("owner.yaml"), "username: auditline_owner\npassword: owner-secret\n");

        DataStorageConfig c = ConfigLoader.parse(
                "storage: {url: \"jdbc:postgresql://db/audit\", credentials_file: db.yaml,"
                        + " owner_credentials_file: owner.yaml}\n",
                "t.yaml",
                dir);

        assertThat(c.storage().owner().username()).isEqualTo("auditline_owner");
        assertThat(c.storage().owner().password()).isEqualTo("owner-secret");
        assertThat(c.storage().toStorageConfig().ownerUsername()).isEqualTo("auditline_owner");
        assertThat(c.storage().toStorageConfig().username()).isEqualTo("auditline_app");
        assertThat(c.describe())
                .contains("storage.owner_credentials_file: " + dir.resolve("owner.yaml") + " (username auditline_owner,"
                        + " password ***)")
                .doesNotContain("owner-secret");
    }

    @Test
    void leavesTheOwnerOutByDefaultSoOneUrlStillWorks() {
        DataStorageConfig c = ConfigLoader.parse("storage: {url: \"sqlite:./data/audit.db\"}\n", "t.yaml", dir);

        assertThat(c.storage().owner()).isNull();
        assertThat(c.storage().toStorageConfig().ownerUsername()).isNull();
    }

    @Test
    void reportsAnOwnerWithoutRuntimeCredentialsOrForSqliteOrTheSameUser() throws IOException {
        Files.writeString(dir.resolve("owner.yaml"), "username: audit\npassword: s3cret\n");
        Files.writeString(dir.resolve("db.yaml"), "username: audit\npassword: other\n");

        assertThatThrownBy(() -> ConfigLoader.parse(
                        "storage: {url: \"jdbc:postgresql://db/audit\", owner_credentials_file: owner.yaml}\n",
                        "t.yaml",
                        dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("storage.owner_credentials_file: needs storage.credentials_file too, naming"
                                + " the runtime user the server connects as"));
        assertThatThrownBy(() -> ConfigLoader.parse("storage: {owner_credentials_file: owner.yaml}\n", "t.yaml", dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("storage.owner_credentials_file: SQLite has no roles; remove the key or use a"
                                + " PostgreSQL url"));
        assertThatThrownBy(() -> ConfigLoader.parse(
                        "storage: {url: \"jdbc:postgresql://db/audit\", credentials_file: db.yaml,"
                                + " owner_credentials_file: owner.yaml}\n",
                        "t.yaml",
                        dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("storage.owner_credentials_file: names the same user as"
                                + " storage.credentials_file (audit); give the runtime its own role, or leave the"
                                + " owner out"));
    }

    @Test
    void acceptsUserAsTheCredentialsFilesUsername() throws IOException {
        Files.writeString(dir.resolve("db.yaml"), "user: audit\npassword: s3cret\n");
        DataStorageConfig c = ConfigLoader.parse(
                "storage: {url: \"jdbc:postgresql://db/audit\", credentials_file: db.yaml}\n", "t.yaml", dir);
        assertThat(c.storage().username()).isEqualTo("audit");
    }

    @Test
    void reportsEventDataLimitAboveTheRequestLimit() {
        assertThat(problems("server: {max_request_bytes: 1MiB}\nvalidation: {max_event_data_bytes: 2MiB}\n"))
                .containsExactly(
                        "validation.max_event_data_bytes: must be ≤ server.max_request_bytes (got 2MiB > 1MiB)");
    }

    @Test
    void reportsANegativeRetention() {
        assertThat(problems("retention: {default_days: -1}\n"))
                .containsExactly("retention.default_days: must be between 0 and 36500 (got -1)");
    }

    @Test
    void reportsASectionThatIsNotAMapping() {
        assertThat(problems("server: 8080\n")).containsExactly("server: must be a mapping of keys (got \"8080\")");
    }

    @Test
    void reportsAFileThatIsNotYaml() {
        assertThat(problems("server: [unclosed\n")).singleElement().asString().startsWith("not valid YAML: ");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThat(
                        problems(
                                """
                        server:
                          max_batch_size: -5
                          shutdown_timeout: soon
                        storage:
                          pool_size: 0
                        validation:
                          max_past: 0s
                        extra: true
                        """))
                .containsExactly(
                        "server.max_batch_size: must be between 1 and 100000 (got -5)",
                        "server.shutdown_timeout: must be a duration like 500ms, 10s, 15m, 24h or 7d (got \"soon\")",
                        "storage.pool_size: must be between 1 and 1000 (got 0)",
                        "validation.max_past: must be between 1m and 3650d (got 0s)",
                        "extra: unknown key (known here: kubernetes, log, query, retention, server, storage, validation)");
    }

    @Test
    void theExceptionMessageListsEveryProblemUnderTheSource() {
        assertThatThrownBy(() -> parse("server: {max_batch_size: 0}\nretention: {default_days: -1}\n"))
                .hasMessage("invalid configuration test.yaml:\n"
                        + "  server.max_batch_size: must be between 1 and 100000 (got 0)\n"
                        + "  retention.default_days: must be between 0 and 36500 (got -1)");
    }

    @Test
    void masksAPasswordInsideTheStorageUrl() {
        DataStorageConfig c = parse("storage: {url: \"jdbc:postgresql://db/audit?user=a&password=hunter2\"}\n");
        assertThat(c.describe()).contains("password=***").doesNotContain("hunter2");
    }

    @Test
    void readsTheVerifiableLogSection() {
        DataStorageConfig config = ConfigLoader.parse(
                "log:\n  signing_key_file: keys/log.key\n  origin: audit.example.com/prod\n  checkpoint_interval: 3s\n",
                "test",
                Path.of("/etc/auditline"));
        assertThat(config.log().signingKeyFile()).isEqualTo(Path.of("/etc/auditline/keys/log.key"));
        assertThat(config.log().origin()).isEqualTo("audit.example.com/prod");
        assertThat(config.log().checkpointInterval()).isEqualTo(java.time.Duration.ofSeconds(3));
    }

    @Test
    void theLogDefaultsSignEverySecondWithAKeyNextToTheSqliteFile() {
        DataStorageConfig config = DataStorageConfig.defaults();
        assertThat(config.log().checkpointInterval()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(config.log().signingKeyFile(config.storage()))
                .isEqualTo(Path.of("data/log-signing.key").toAbsolutePath());
    }

    @Test
    void refusesALogOriginWithAPlusAndAnIntervalOverAnHour() {
        assertThatThrownBy(() -> ConfigLoader.parse("log:\n  origin: a+b\n  checkpoint_interval: 2h\n", "test", null))
                .hasMessageContaining("log.origin: must be one non-empty line without '+' (got \"a+b\")")
                .hasMessageContaining("log.checkpoint_interval");
    }
}

package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditClientConfigTest {
    private static final String FULL_YAML =
            """
            server:
              port: 8081
            logging:
              level: info
            audit:
              datastorage_url: http://datastorage-service:8080
              timeout: 5s
              service_name: remediation-orchestrator
              buffer:
                buffer_size: 20000
                batch_size: 500
                flush_interval: 500ms
                max_retries: 5
                max_buffer_bytes: 32MiB
                max_in_flight: 2
                overflow: block
                block_timeout: 20ms
                max_batch_bytes: 512KiB
                delivery_timeout: 10m
              retry: {initial_backoff: 100ms, max_backoff: 1m}
              spool: {dir: "", max_bytes: 2GiB}
              auth: {token_file: /var/run/secrets/audit-token}
            other_service_key: 3
            """;

    private static AuditClientConfig load(String yaml, Map<String, String> env) throws IOException {
        return AuditClientConfig.fromYaml(new StringReader(yaml), "test.yaml", env);
    }

    private static List<String> problems(String yaml, Map<String, String> env) {
        try {
            load(yaml, env);
        } catch (AuditConfigException e) {
            return e.problems();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected an AuditConfigException");
    }

    private static String minimal(String extra) {
        return "audit:\n  datastorage_url: http://ds:8080\n  service_name: svc\n" + extra;
    }

    @Test
    void defaultsAreThoseOfTheDesign() {
        AuditClientConfig c = AuditClientConfig.builder()
                .datastorageUrl("http://ds:8080")
                .serviceName("svc")
                .build();

        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.buffer().bufferSize()).isEqualTo(50_000);
        assertThat(c.buffer().batchSize()).isEqualTo(1000);
        assertThat(c.buffer().flushInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.buffer().maxRetries()).isEqualTo(3);
        assertThat(c.buffer().maxBufferBytes()).isEqualTo(64L << 20);
        assertThat(c.buffer().maxInFlight()).isEqualTo(4);
        assertThat(c.buffer().overflow()).isEqualTo(AuditClientConfig.Overflow.DROP);
        assertThat(c.buffer().blockTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.buffer().maxBatchBytes()).isEqualTo(4L << 20);
        assertThat(c.buffer().deliveryTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.retry().initialBackoff()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.spool().dir()).isNull();
        assertThat(c.spool().maxBytes()).isEqualTo(1L << 30);
        assertThat(c.auth().tokenFile()).isNull();
    }

    @Test
    void loadsEveryKeyOfTheAuditSectionAmongOtherServiceKeys() throws IOException {
        AuditClientConfig c = load(FULL_YAML, Map.of());

        assertThat(c.datastorageUrl()).isEqualTo(URI.create("http://datastorage-service:8080"));
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.serviceName()).isEqualTo("remediation-orchestrator");
        assertThat(c.buffer())
                .isEqualTo(new AuditClientConfig.Buffer(
                        20000,
                        500,
                        Duration.ofMillis(500),
                        5,
                        32L << 20,
                        2,
                        AuditClientConfig.Overflow.BLOCK,
                        Duration.ofMillis(20),
                        512L << 10,
                        Duration.ofMinutes(10)));
        assertThat(c.retry()).isEqualTo(new AuditClientConfig.Retry(Duration.ofMillis(100), Duration.ofMinutes(1)));
        assertThat(c.spool()).isEqualTo(new AuditClientConfig.Spool(null, 2L << 30));
        assertThat(c.auth().tokenFile()).isEqualTo(Path.of("/var/run/secrets/audit-token"));
    }

    @Test
    void loadsAFileFromDisk(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("service.yaml");
        Files.writeString(file, minimal(""));

        AuditClientConfig c = AuditClientConfig.fromYaml(file, Map.of());

        assertThat(c.serviceName()).isEqualTo("svc");
    }

    @Test
    void environmentOverridesYaml() throws IOException {
        AuditClientConfig c = load(
                FULL_YAML,
                Map.of(
                        "AUDIT_BUFFER_FLUSH_INTERVAL", "2s",
                        "AUDIT_DATASTORAGE_URL", "https://audit.example:8443",
                        "AUDIT_RETRY_MAX_BACKOFF", "2h",
                        "AUDIT_BUFFER_MAX_BATCH_BYTES", "1048576",
                        "AUDIT_BUFFER_OVERFLOW", "drop",
                        "AUDIT_AUTH_TOKEN_FILE", "",
                        "AUDIT_UNRELATED_SETTING", "belongs to the service"));

        assertThat(c.buffer().flushInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.datastorageUrl()).isEqualTo(URI.create("https://audit.example:8443"));
        assertThat(c.retry().maxBackoff()).isEqualTo(Duration.ofHours(2));
        assertThat(c.buffer().maxBatchBytes()).isEqualTo(1L << 20);
        assertThat(c.buffer().overflow()).isEqualTo(AuditClientConfig.Overflow.DROP);
        assertThat(c.auth().tokenFile()).isNull();
        assertThat(c.buffer().batchSize()).isEqualTo(500); // untouched keys keep the file's value
    }

    @Test
    void reportsBatchSizeLargerThanBufferSize() {
        assertThat(problems(minimal("  buffer: {buffer_size: 10000, batch_size: 20000}\n"), Map.of()))
                .containsExactly("audit.buffer.batch_size: must be ≤ buffer_size (got 20000 > 10000)");
    }

    @Test
    void reportsAnUnknownKeyWithTheKnownOnes() {
        assertThat(problems(minimal("  buffer: {flush_intervall: 1s}\n"), Map.of()))
                .containsExactly("audit.buffer.flush_intervall: unknown key (known: batch_size, block_timeout,"
                        + " buffer_size, delivery_timeout, flush_interval, max_batch_bytes, max_buffer_bytes,"
                        + " max_in_flight, max_retries, overflow)");
    }

    @Test
    void reportsAnUnknownTopLevelKey() {
        assertThat(problems(minimal("  timeout_ms: 5\n"), Map.of()))
                .containsExactly("audit.timeout_ms: unknown key (known: auth, buffer, datastorage_url, retry,"
                        + " service_name, spool, timeout)");
    }

    @Test
    void reportsAMalformedDuration() {
        assertThat(problems(minimal("  timeout: 10 seconds\n"), Map.of()))
                .containsExactly("audit.timeout: must be a duration like 500ms, 1s, 5m, 2h (got 10 seconds)");
    }

    @Test
    void reportsADurationWithoutUnit() {
        assertThat(problems(minimal("  buffer: {flush_interval: 5}\n"), Map.of()))
                .containsExactly("audit.buffer.flush_interval: must be a duration like 500ms, 1s, 5m, 2h (got 5)");
    }

    @Test
    void reportsAMalformedSize() {
        assertThat(problems(minimal("  buffer: {max_buffer_bytes: 64MB}\n"), Map.of()))
                .containsExactly("audit.buffer.max_buffer_bytes: must be a size like 512KiB, 64MiB, 1GiB or a plain"
                        + " number of bytes (got 64MB)");
    }

    @Test
    void reportsANonNumericCount() {
        assertThat(problems(minimal("  buffer: {max_retries: three}\n"), Map.of()))
                .containsExactly("audit.buffer.max_retries: must be a whole number (got three)");
    }

    @Test
    void reportsSpillAsNeedingTheSpool() {
        assertThat(problems(minimal("  buffer: {overflow: spill}\n"), Map.of()))
                .containsExactly("audit.buffer.overflow: spill requires audit.spool.dir to be set (got overflow spill"
                        + " and an empty audit.spool.dir)");
    }

    @Test
    void reportsAnUnknownOverflowPolicy() {
        assertThat(problems(minimal("  buffer: {overflow: wait}\n"), Map.of()))
                .containsExactly("audit.buffer.overflow: must be one of drop, block, spill (got wait)");
    }

    @Test
    void acceptsSpillWithASpoolDirectory() throws Exception {
        AuditClientConfig c = load(
                minimal("  buffer: {overflow: spill}\n  spool: {dir: /var/spool/audit, max_bytes: 64MiB}\n"), Map.of());

        assertThat(c.buffer().overflow()).isEqualTo(AuditClientConfig.Overflow.SPILL);
        assertThat(c.spool()).isEqualTo(new AuditClientConfig.Spool(Path.of("/var/spool/audit"), 64L << 20));
    }

    @Test
    void reportsASpoolBoundTooSmallForAFewRecords() {
        assertThat(problems(minimal("  spool: {dir: /var/spool/audit, max_bytes: 1KiB}\n"), Map.of()))
                .containsExactly("audit.spool.max_bytes: must be ≥ 4KiB (got 1KiB)");
    }

    @Test
    void reportsMaxBackoffBelowInitialBackoff() {
        assertThat(problems(minimal("  retry: {initial_backoff: 2s, max_backoff: 500ms}\n"), Map.of()))
                .containsExactly("audit.retry.max_backoff: must be ≥ initial_backoff (got 500ms < 2s)");
    }

    @Test
    void reportsADeliveryTimeoutShorterThanAHealthyDeliveryMayTake() {
        assertThat(problems(
                        minimal("  timeout: 10s\n  buffer: {flush_interval: 5s, delivery_timeout: 12s}\n"), Map.of()))
                .containsExactly("audit.buffer.delivery_timeout: must be ≥ flush_interval + timeout (got 12s < 15s)");
    }

    @Test
    void deliveryTimeoutIsOverriddenFromTheEnvironment() throws IOException {
        AuditClientConfig c = load(minimal(""), Map.of("AUDIT_BUFFER_DELIVERY_TIMEOUT", "15m"));

        assertThat(c.buffer().deliveryTimeout()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void reportsMaxInFlightOutOfRange() {
        assertThat(problems(minimal("  buffer: {max_in_flight: 0}\n"), Map.of()))
                .containsExactly("audit.buffer.max_in_flight: must be between 1 and 64 (got 0)");
    }

    @Test
    void reportsMaxBatchBytesAboveMaxBufferBytes() {
        assertThat(problems(minimal("  buffer: {max_buffer_bytes: 1MiB, max_batch_bytes: 4MiB}\n"), Map.of()))
                .containsExactly("audit.buffer.max_batch_bytes: must be ≤ max_buffer_bytes (got 4MiB > 1MiB)");
    }

    @Test
    void reportsAZeroFlushInterval() {
        assertThat(problems(minimal("  buffer: {flush_interval: 0ms}\n"), Map.of()))
                .containsExactly("audit.buffer.flush_interval: must be > 0 (got 0ms)");
    }

    @Test
    void reportsAUrlThatIsNotHttp() {
        assertThat(problems("audit:\n  datastorage_url: ftp://ds\n  service_name: svc\n", Map.of()))
                .containsExactly(
                        "audit.datastorage_url: must be an http:// or https:// URL with a host (got ftp://ds)");
    }

    @Test
    void reportsMissingRequiredKeys() {
        assertThat(problems("audit:\n  timeout: 1s\n", Map.of()))
                .containsExactly(
                        "audit.datastorage_url: is required (got nothing)",
                        "audit.service_name: is required (got nothing)");
    }

    @Test
    void reportsAMissingAuditSection() {
        assertThat(problems("server: {port: 1}\n", Map.of()))
                .containsExactly(
                        "audit: section missing in test.yaml",
                        "audit.datastorage_url: is required (got nothing)",
                        "audit.service_name: is required (got nothing)");
    }

    @Test
    void reportsABadEnvironmentValueNamingTheVariable() {
        assertThat(problems(minimal(""), Map.of("AUDIT_BUFFER_FLUSH_INTERVAL", "2 sec")))
                .containsExactly("audit.buffer.flush_interval (from AUDIT_BUFFER_FLUSH_INTERVAL): must be a duration"
                        + " like 500ms, 1s, 5m, 2h (got 2 sec)");
    }

    @Test
    void reportsAnUnknownVariableInOurEnvironmentNamespace() {
        List<String> problems = problems(minimal(""), Map.of("AUDIT_BUFFER_FLUSH_INTERVL", "2s"));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0))
                .startsWith("AUDIT_BUFFER_FLUSH_INTERVL: unknown audit setting in the environment (known: ")
                .contains("AUDIT_BUFFER_FLUSH_INTERVAL");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        List<String> problems = problems(
                """
                audit:
                  datastorage_url: http://ds:8080
                  service_name: ""
                  timeout: 0s
                  buffer: {buffer_size: 10, batch_size: 20, max_retries: -1, overflow: spill, bogus: 1}
                  retry: {initial_backoff: soon}
                """,
                Map.of());

        assertThat(problems)
                .containsExactlyInAnyOrder(
                        "audit.buffer.bogus: unknown key (known: batch_size, block_timeout, buffer_size,"
                                + " delivery_timeout, flush_interval, max_batch_bytes, max_buffer_bytes, max_in_flight, max_retries,"
                                + " overflow)",
                        "audit.retry.initial_backoff: must be a duration like 500ms, 1s, 5m, 2h (got soon)",
                        "audit.timeout: must be > 0 (got 0ms)",
                        "audit.service_name: is required (got \"\")",
                        "audit.buffer.batch_size: must be ≤ buffer_size (got 20 > 10)",
                        "audit.buffer.max_retries: must be between 0 and 100 (got -1)",
                        "audit.buffer.overflow: spill requires audit.spool.dir to be set (got overflow"
                                + " spill and an empty audit.spool.dir)");
    }

    @Test
    void theExceptionMessageListsEveryProblem() {
        assertThatThrownBy(() -> AuditClientConfig.builder()
                        .serviceName("svc")
                        .bufferSize(0)
                        .build())
                .isInstanceOf(AuditConfigException.class)
                .hasMessage("invalid audit client configuration (2 problems):\n"
                        + "  - audit.datastorage_url: is required (got nothing)\n"
                        + "  - audit.buffer.buffer_size: must be ≥ 1 (got 0)");
    }

    @Test
    void describeShowsTheTokenFilePathButNeverTheToken(@TempDir Path dir) throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cr3t-token\n");
        AuditClientConfig c = AuditClientConfig.builder()
                .datastorageUrl("http://ds:8080")
                .serviceName("svc")
                .tokenFile(token)
                .build();

        assertThat(c.describe())
                .contains("token_file=" + token + " (token masked)")
                .contains("flush_interval=1s")
                .contains("max_buffer_bytes=64MiB")
                .doesNotContain("s3cr3t");
        assertThat(c.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void toBuilderKeepsEveryValue() throws IOException {
        AuditClientConfig c = load(FULL_YAML, Map.of());

        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void parsesDurationsAndSizesInTheConfigurationSyntax() {
        assertThat(ConfigValues.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigValues.parseDuration("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(ConfigValues.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfigValues.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(ConfigValues.parseDuration("1.5s")).isNull();
        assertThat(ConfigValues.parseSize("512KiB")).isEqualTo(512L << 10);
        assertThat(ConfigValues.parseSize("64MiB")).isEqualTo(64L << 20);
        assertThat(ConfigValues.parseSize("1GiB")).isEqualTo(1L << 30);
        assertThat(ConfigValues.parseSize("4096")).isEqualTo(4096L);
        assertThat(ConfigValues.parseSize("4096B")).isEqualTo(4096L);
        assertThat(ConfigValues.parseSize("1TB")).isNull();
        assertThat(ConfigValues.parseSize("999999999999999GiB")).isNull();
        assertThat(ConfigValues.formatDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(ConfigValues.formatSize(4L << 20)).isEqualTo("4MiB");
    }
}

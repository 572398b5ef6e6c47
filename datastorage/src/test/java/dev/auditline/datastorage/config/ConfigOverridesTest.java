package dev.auditline.datastorage.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigOverridesTest {
    @TempDir
    Path dir;

    private static DataStorageConfig parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse(yaml, "test.yaml", null, ConfigOverrides.fromEnvironment(env));
    }

    @Test
    void aVariableNamedAfterTheKeysPathOverridesTheFile() {
        DataStorageConfig c = parse(
                "server:\n  listen: 127.0.0.1:8080\n  max_batch_size: 100\nstorage:\n  pool_size: 4\n",
                Map.of(
                        "DATASTORAGE_SERVER_LISTEN", "0.0.0.0:9090",
                        "DATASTORAGE_SERVER_MAX_REQUEST_BYTES", "8MiB",
                        "DATASTORAGE_STORAGE_POOL_SIZE", "12",
                        "DATASTORAGE_VALIDATION_MAX_PAST", "90d",
                        "DATASTORAGE_RETENTION_DEFAULT_DAYS", "400"));
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().port()).isEqualTo(9090);
        assertThat(c.server().maxBatchSize()).as("from the file").isEqualTo(100);
        assertThat(c.server().maxRequestBytes()).isEqualTo(8L << 20);
        assertThat(c.storage().poolSize()).isEqualTo(12);
        assertThat(c.validation().maxPast()).isEqualTo(Duration.ofDays(90));
        assertThat(c.retention().defaultDays()).isEqualTo(400);
    }

    @Test
    void nestedKeysAndKeysAbsentFromTheFileHaveVariablesToo() {
        DataStorageConfig c = parse(
                "",
                Map.of(
                        "DATASTORAGE_STORAGE_FALLBACK_SPOOL_DIR",
                        dir.resolve("spool").toString()));
        assertThat(c.storage().fallbackSpoolDir()).isEqualTo(dir.resolve("spool"));
    }

    @Test
    void aRelativePathFromTheEnvironmentResolvesAgainstTheWorkingDirectoryNotTheFilesDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("datastorage.yaml"), "storage:\n  fallback_spool: {dir: spool}\n");
        assertThat(ConfigLoader.load(file).storage().fallbackSpoolDir()).isEqualTo(dir.resolve("spool"));
        assertThat(ConfigLoader.load(
                                file,
                                ConfigOverrides.fromEnvironment(
                                        Map.of("DATASTORAGE_STORAGE_FALLBACK_SPOOL_DIR", "other")))
                        .storage()
                        .fallbackSpoolDir())
                .isEqualTo(Path.of("other"));
    }

    @Test
    void aBadValueNamesTheVariable() {
        assertThatThrownBy(() -> parse("", Map.of("DATASTORAGE_SERVER_MAX_BATCH_SIZE", "lots")))
                .isInstanceOf(ConfigException.class)
                .extracting(e -> ((ConfigException) e).problems())
                .isEqualTo(
                        java.util.List.of(
                                "server.max_batch_size (from DATASTORAGE_SERVER_MAX_BATCH_SIZE): must be a whole number (got \"lots\")"));
    }

    @Test
    void anUnknownVariableUnderASectionIsAnErrorAndOtherDatastorageVariablesAreLeftAlone() {
        assertThatThrownBy(() -> parse(
                        "",
                        Map.of(
                                "DATASTORAGE_SERVER_MAX_BATCH", "10",
                                "DATASTORAGE_SERVICE_HOST", "10.0.0.7",
                                "DATASTORAGE_PORT", "tcp://10.0.0.7:8080")))
                .isInstanceOf(ConfigException.class)
                .extracting(e -> ((ConfigException) e).problems())
                .satisfies(problems -> {
                    assertThat(problems).hasSize(1);
                    assertThat(problems.get(0))
                            .startsWith("DATASTORAGE_SERVER_MAX_BATCH: unknown setting in the environment (known: ")
                            .contains("DATASTORAGE_SERVER_MAX_BATCH_SIZE, ")
                            .contains("DATASTORAGE_STORAGE_FALLBACK_SPOOL_DIR");
                });
    }

    @Test
    void theCommandLineBeatsTheEnvironment() {
        DataStorageConfig c = ConfigLoader.parse(
                "server: {listen: 127.0.0.1:8080}\n",
                "test.yaml",
                null,
                ConfigOverrides.fromEnvironment(Map.of("DATASTORAGE_SERVER_LISTEN", "0.0.0.0:9090"))
                        .withCommandLine("server.listen", "127.0.0.1:18080", "--listen"));
        assertThat(c.server().listen()).isEqualTo("127.0.0.1:18080");
    }

    @Test
    void theVariableNameIsThePathUpperCasedWithUnderscores() {
        assertThat(ConfigOverrides.envName("server.listen")).isEqualTo("DATASTORAGE_SERVER_LISTEN");
        assertThat(ConfigOverrides.envName("storage.fallback_spool.max_bytes"))
                .isEqualTo("DATASTORAGE_STORAGE_FALLBACK_SPOOL_MAX_BYTES");
    }
}

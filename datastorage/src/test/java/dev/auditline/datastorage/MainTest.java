package dev.auditline.datastorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.datastorage.config.ConfigException;
import dev.auditline.datastorage.config.DataStorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void withoutArgumentsServesTheEmbeddedDefault() {
        DataStorageConfig config = Main.configFrom(new String[0]);

        assertThat(config).isEqualTo(DataStorageConfig.defaults());
        assertThat(config.server().listen()).isEqualTo("127.0.0.1:8080");
        assertThat(config.storage().url()).isEqualTo("sqlite:./data/audit.db");
    }

    @Test
    void readsTheFileNamedByConfig() throws IOException {
        Path file = Files.writeString(dir.resolve("ds.yaml"), "server: {listen: \"0.0.0.0:9000\"}\n");

        assertThat(Main.configFrom(new String[] {"--config", file.toString()})
                        .server()
                        .port())
                .isEqualTo(9000);
        assertThat(Main.configFrom(new String[] {"--config=" + file}).server().host())
                .isEqualTo("0.0.0.0");
    }

    @Test
    void refusesUnknownArguments() {
        assertThatThrownBy(() -> Main.configFrom(new String[] {"--port", "80"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unexpected argument \"--port\"");
        assertThatThrownBy(() -> Main.configFrom(new String[] {"--config"})).hasMessage("--config needs a file name");
    }

    @Test
    void reportsAMissingConfigFile() {
        assertThatThrownBy(() -> Main.configFrom(
                        new String[] {"--config", dir.resolve("none.yaml").toString()}))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read the file");
    }

    @Test
    void listenSetsTheAddressOverTheFileAndTheEnvironment() throws IOException {
        Path file = Files.writeString(dir.resolve("ds.yaml"), "server:\n  listen: 127.0.0.1:8080\n");
        DataStorageConfig config = Main.configFrom(
                new String[] {"--config", file.toString(), "--listen", "0.0.0.0:18080"},
                java.util.Map.of("DATASTORAGE_SERVER_LISTEN", "127.0.0.1:9999"));
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.server().port()).isEqualTo(18080);
        assertThat(Main.configFrom(new String[] {"--listen=127.0.0.1:0"})
                        .server()
                        .port())
                .isZero();
        assertThatThrownBy(() -> Main.configFrom(new String[] {"--listen"}))
                .hasMessage("--listen needs HOST:PORT, like 127.0.0.1:8080 or 0.0.0.0:8080");
    }

    @Test
    void theEnvironmentOverridesTheDefaultsWithoutAFile() {
        DataStorageConfig config =
                Main.configFrom(new String[0], java.util.Map.of("DATASTORAGE_SERVER_LISTEN", "127.0.0.1:18081"));
        assertThat(config.server().port()).isEqualTo(18081);
        assertThat(config.storage()).isEqualTo(DataStorageConfig.defaults().storage());
    }
}

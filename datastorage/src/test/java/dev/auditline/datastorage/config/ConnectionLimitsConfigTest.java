package dev.auditline.datastorage.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys that bound slow and heavy bodies, and the access log switch: defaults, values, refusals. */
class ConnectionLimitsConfigTest {
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
    void defaultsBoundBodiesByTimeRateAndASixteenthOfTheHeap() {
        ServerConfig server = parse("").server();

        assertThat(server.connections().bodyTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(server.connections().minRequestDataRate()).isEqualTo(1024);
        assertThat(server.connections().maxBodyBytesInFlight())
                .isEqualTo(Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 16));
        assertThat(server.accessLog()).isTrue();
        assertThat(server).isEqualTo(ServerConfig.DEFAULT);
    }

    @Test
    void readsEveryKey() {
        ServerConfig server = parse("server:\n  body_timeout: 20s\n  min_request_data_rate: 4KiB\n"
                        + "  max_body_bytes_in_flight: 128MiB\n  access_log: false\n")
                .server();

        assertThat(server.connections()).isEqualTo(new ConnectionLimits(Duration.ofSeconds(20), 4096, 128L << 20));
        assertThat(server.accessLog()).isFalse();
    }

    @Test
    void refusesABudgetBelowTheLargestBodyAndOutOfRangeValuesNamingEach() {
        assertThat(problems("server:\n  max_request_bytes: 16MiB\n  max_body_bytes_in_flight: 8MiB\n"
                        + "  body_timeout: 0s\n  min_request_data_rate: -1\n  access_log: maybe\n"))
                .containsExactlyInAnyOrder(
                        "server.body_timeout: must be between 1s and 1h (got 0s)",
                        "server.min_request_data_rate: must be between 0 and 1GiB (got -1)",
                        "server.max_body_bytes_in_flight: must be ≥ server.max_request_bytes (got 8MiB < 16MiB)",
                        "server.access_log: must be true or false (got \"maybe\")");
    }

    @Test
    void theEffectiveConfigurationNamesTheNewKeys() {
        String described =
                parse("server:\n  body_timeout: 20s\n  access_log: false\n").describe();

        assertThat(described)
                .contains("server.body_timeout: 20s")
                .contains("server.min_request_data_rate: 1KiB")
                .contains("server.access_log: false");
    }
}

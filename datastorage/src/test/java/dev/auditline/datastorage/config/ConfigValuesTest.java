package dev.auditline.datastorage.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {
    @Test
    void parsesDurationsInEveryUnit() {
        assertThat(ConfigValues.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigValues.parseDuration("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(ConfigValues.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(ConfigValues.parseDuration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(ConfigValues.parseDuration("30d")).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void refusesADurationWithoutUnit() {
        assertThatThrownBy(() -> ConfigValues.parseDuration("10"))
                .hasMessage("must be a duration like 500ms, 10s, 15m, 24h or 7d (got \"10\")");
    }

    @Test
    void parsesSizesWithBinaryUnitsOrPlainBytes() {
        assertThat(ConfigValues.parseSize("1024")).isEqualTo(1024);
        assertThat(ConfigValues.parseSize("512KiB")).isEqualTo(512 * 1024);
        assertThat(ConfigValues.parseSize("16MiB")).isEqualTo(16L * 1024 * 1024);
        assertThat(ConfigValues.parseSize("1GiB")).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void refusesDecimalUnitsRatherThanGuessing() {
        assertThatThrownBy(() -> ConfigValues.parseSize("16MB"))
                .hasMessage("must be a size like 1024, 512KiB, 16MiB or 1GiB (got \"16MB\")");
    }

    @Test
    void formatsTheShortestExactForm() {
        assertThat(ConfigValues.formatSize(16L * 1024 * 1024)).isEqualTo("16MiB");
        assertThat(ConfigValues.formatSize(1000)).isEqualTo("1000");
        assertThat(ConfigValues.formatDuration(Duration.ofDays(30))).isEqualTo("30d");
        assertThat(ConfigValues.formatDuration(Duration.ofMillis(200))).isEqualTo("200ms");
        assertThat(ConfigValues.formatDuration(Duration.ofSeconds(90))).isEqualTo("90s");
    }
}

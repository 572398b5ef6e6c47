package dev.auditline.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SpoolConfigTest {
    private static final Path DIR = Path.of("spool");

    @Test
    void defaultsAreOneGibibyteSixteenMebibyteSegmentsAndFiveSeconds() {
        SpoolConfig config = SpoolConfig.of(DIR);
        assertThat(config.maxBytes()).isEqualTo(1L << 30);
        assertThat(config.segmentBytes()).isEqualTo(16L << 20);
        assertThat(config.segmentMaxAge()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void rejectsMaxBytesBelowSegmentBytes() {
        assertThatThrownBy(() -> SpoolConfig.of(DIR).withMaxBytes(1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_bytes must be ≥ segment_bytes (got 1000 < 16777216)");
    }

    @Test
    void rejectsSegmentBytesTooSmallForOneRecord() {
        assertThatThrownBy(() -> SpoolConfig.of(DIR).withSegmentBytes(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("segment_bytes must be ≥ 25 (got 10)");
    }

    @Test
    void rejectsNonPositiveSegmentMaxAge() {
        assertThatThrownBy(() -> SpoolConfig.of(DIR).withSegmentMaxAge(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("segment_max_age must be > 0 (got PT0S)");
    }
}

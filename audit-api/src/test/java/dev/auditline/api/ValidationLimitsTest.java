package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValidationLimitsTest {
    private static final Duration DAY = Duration.ofDays(1);

    @Test
    void defaultsAreTheDesignedLimits() {
        assertThat(ValidationLimits.DEFAULTS)
                .isEqualTo(new ValidationLimits(256 * 1024, 32, Duration.ofDays(30), Duration.ofMinutes(15)));
    }

    @Test
    void eventDataLimitBelowAnEmptyObjectIsRejected() {
        assertThatThrownBy(() -> new ValidationLimits(1, 32, DAY, DAY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_event_data_bytes must be ≥ 2 (got 1)");
    }

    @Test
    void nestingLimitBelowOneIsRejected() {
        assertThatThrownBy(() -> new ValidationLimits(1024, 0, DAY, DAY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_nesting_depth must be ≥ 1 (got 0)");
    }

    @Test
    void negativeWindowIsRejected() {
        assertThatThrownBy(() -> new ValidationLimits(1024, 32, DAY.negated(), DAY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_past and max_future must not be negative");
    }
}

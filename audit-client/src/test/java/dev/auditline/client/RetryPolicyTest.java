package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static RetryPolicy policy(double fraction) {
        return new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(5), () -> fraction);
    }

    @Test
    void failuresBackOffExponentiallyUpToMaxBackoff() {
        RetryPolicy p = policy(1.0);

        assertThat(p.afterFailure(1, null)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.afterFailure(3, null)).isEqualTo(Duration.ofMillis(800));
        assertThat(p.afterFailure(10, null)).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.afterFailure(1000, null)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void probesOfAnUnavailableServerStayWithinTheProbeInterval() {
        RetryPolicy p = policy(1.0);

        assertThat(p.beforeProbe(1, null)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.beforeProbe(5, null)).isEqualTo(Duration.ofMillis(3200));
        assertThat(p.beforeProbe(6, null)).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.beforeProbe(500, null)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void retryAfterWinsWhenLongerButIsCappedAtMaxBackoff() {
        RetryPolicy p = policy(1.0);

        assertThat(p.beforeProbe(1, Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.beforeProbe(1, Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.afterFailure(1, Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void fullJitterPicksAFractionOfTheCap() {
        RetryPolicy p = policy(0.25);

        assertThat(p.afterFailure(3, null)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.beforeProbe(10, null)).isEqualTo(Duration.ofMillis(1250));
    }
}

package dev.auditline.datastorage.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RelativeTimeTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void readsARelativeTimeAsThatLongAgo() {
        assertThat(RelativeTime.parse("30s", NOW)).isEqualTo(NOW.minusSeconds(30));
        assertThat(RelativeTime.parse("15m", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(15)));
        assertThat(RelativeTime.parse("24h", NOW)).isEqualTo(NOW.minus(Duration.ofHours(24)));
        assertThat(RelativeTime.parse("7d", NOW)).isEqualTo(NOW.minus(Duration.ofDays(7)));
        assertThat(RelativeTime.parse("0m", NOW)).isEqualTo(NOW);
    }

    @Test
    void readsRfc3339WithAnyOffsetAsUtc() {
        assertThat(RelativeTime.parse("2026-11-26T10:00:00Z", NOW)).isEqualTo(Instant.parse("2026-11-26T10:00:00Z"));
        assertThat(RelativeTime.parse("2026-11-26T12:00:00.123456789+02:00", NOW))
                .isEqualTo(Instant.parse("2026-11-26T10:00:00.123456Z"));
    }

    @Test
    void refusesATimestampWithoutOffset() {
        assertThatThrownBy(() -> RelativeTime.parse("2026-11-26T10:00:00", NOW))
                .hasMessage("must be an RFC 3339 timestamp like 2026-01-31T12:00:00Z or a relative time like 15m,"
                        + " 24h, 7d (got \"2026-11-26T10:00:00\")");
    }

    @Test
    void refusesUnknownUnitsAndSignsAndSpaces() {
        for (String bad : new String[] {"5x", "-5m", "5 m", "m", "", "1w", "10ms"}) {
            assertThatThrownBy(() -> RelativeTime.parse(bad, NOW)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void refusesARelativeTimeBeyondAHundredYears() {
        assertThatThrownBy(() -> RelativeTime.parse("36501d", NOW))
                .hasMessage("must be at most 36500d ago (got \"36501d\")");
        assertThatThrownBy(() -> RelativeTime.parse("999999999d", NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}

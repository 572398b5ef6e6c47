package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WarnLimiterTest {
    private final WarnLimiter limiter = new WarnLimiter(10);

    @Test
    void reportsTheFirstProblemAtOnceWithItsCount() {
        limiter.add("buffer_full", 3, null);

        assertThat(limiter.poll(0, false)).isEqualTo("{buffer_full=3}");
    }

    @Test
    void holdsLaterCountsUntilTheIntervalHasPassed() {
        limiter.add("buffer_full", 1, null);
        limiter.poll(0, false);
        limiter.add("buffer_full", 5, null);
        limiter.add("closed", 2, "example");

        assertThat(limiter.poll(9, false)).isNull();
        assertThat(limiter.poll(10, false)).isEqualTo("{buffer_full=5, closed=2}, e.g. example");
        assertThat(limiter.poll(30, false)).isNull();
    }

    @Test
    void forcedPollReportsWhatIsLeftRegardlessOfTheInterval() {
        limiter.add("closed", 1, null);
        limiter.poll(0, false);
        limiter.add("closed", 4, null);

        assertThat(limiter.poll(1, true)).isEqualTo("{closed=4}");
    }
}

package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.spring.AuditHealthPolicy.Sample;
import dev.auditline.spring.AuditHealthPolicy.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuditHealthPolicyTest {
    private static final long MS = 1_000_000L;
    private final AuditHealthPolicy policy = new AuditHealthPolicy(Duration.ofSeconds(1));

    @Test
    void isUpWhileEventsAreDelivered() {
        assertThat(policy.assess(new Sample(0, 0, 0, Duration.ZERO), 0).verdict())
                .isEqualTo(Verdict.UP);
        assertThat(policy.assess(new Sample(0, 100, 20, Duration.ofMillis(300)), 10_000 * MS)
                        .verdict())
                .isEqualTo(Verdict.UP);
        assertThat(policy.assess(new Sample(0, 250, 20, Duration.ofMillis(300)), 20_000 * MS)
                        .verdict())
                .isEqualTo(Verdict.UP);
    }

    @Test
    void isDownWhileTheDroppedCountRisesAndRecoversWhenItStops() {
        assertThat(policy.assess(new Sample(3, 10, 0, Duration.ZERO), 0))
                .isEqualTo(new AuditHealthPolicy.Assessment(Verdict.DOWN, "3 events dropped since the previous check"));
        assertThat(policy.assess(new Sample(5, 20, 0, Duration.ZERO), 1000 * MS).verdict())
                .isEqualTo(Verdict.DOWN);
        assertThat(policy.assess(new Sample(5, 30, 0, Duration.ZERO), 2000 * MS).verdict())
                .isEqualTo(Verdict.UP);
    }

    @Test
    void isOutOfServiceWhenEventsWaitWithoutAnyDeliveryForFiveFlushIntervals() {
        assertThat(policy.assess(new Sample(0, 7, 4, Duration.ZERO), 0).verdict())
                .as("7 delivered since the start is progress")
                .isEqualTo(Verdict.UP);
        assertThat(policy.assess(new Sample(0, 7, 4, Duration.ZERO), 1000 * MS).verdict())
                .as("the stall's clock starts at the first check that sees it")
                .isEqualTo(Verdict.UP);
        assertThat(policy.assess(new Sample(0, 7, 4, Duration.ZERO), 6000 * MS).verdict())
                .as("exactly the limit is not yet longer than it")
                .isEqualTo(Verdict.UP);
        AuditHealthPolicy.Assessment stalled = policy.assess(new Sample(0, 7, 4, Duration.ZERO), 6001 * MS);
        assertThat(stalled.verdict()).isEqualTo(Verdict.OUT_OF_SERVICE);
        assertThat(stalled.reason()).isEqualTo("4 events waiting and none delivered for 5001 ms (limit 5000 ms)");
        assertThat(policy.assess(new Sample(0, 8, 3, Duration.ZERO), 7000 * MS).verdict())
                .as("one delivery ends the stall")
                .isEqualTo(Verdict.UP);
    }

    @Test
    void isOutOfServiceWhenTheOldestBufferedEventIsOlderThanFiveFlushIntervals() {
        AuditHealthPolicy.Assessment old = policy.assess(new Sample(0, 0, 1, Duration.ofMillis(5001)), 0);
        assertThat(old.verdict()).isEqualTo(Verdict.OUT_OF_SERVICE);
        assertThat(old.reason()).isEqualTo("oldest buffered event is 5001 ms old (limit 5000 ms)");
    }

    @Test
    void dropsOutrankAStall() {
        policy.assess(new Sample(0, 0, 4, Duration.ZERO), 0);
        assertThat(policy.assess(new Sample(1, 0, 4, Duration.ZERO), 9000 * MS).verdict())
                .isEqualTo(Verdict.DOWN);
        assertThat(policy.assess(new Sample(1, 0, 4, Duration.ZERO), 9001 * MS).verdict())
                .isEqualTo(Verdict.OUT_OF_SERVICE);
    }
}

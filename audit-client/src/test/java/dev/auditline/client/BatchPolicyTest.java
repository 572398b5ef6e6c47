package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchPolicyTest {
    private static final long SECOND = 1_000_000_000L;
    private final BatchPolicy policy = new BatchPolicy(SECOND, 300 * SECOND, SECOND / 2);

    /** 10 events of 100 bytes, the oldest {@code ageNanos} old, limits 100 events / 1 MB, a slot free. */
    private static BatchPolicy.State state(long ageNanos) {
        return new BatchPolicy.State(10, 1000, ageNanos, false, false, true, 100, 1_000_000);
    }

    @Test
    void anEmptyBufferWaitsOnePoll() {
        assertThat(policy.decide(new BatchPolicy.State(0, 0, 0, false, false, true, 100, 1_000_000)))
                .isEqualTo(new BatchPolicy.Wait(SECOND / 2));
    }

    @Test
    void cutsBySizeThenBytesThenCloseThenExplicitFlushThenAge() {
        assertThat(policy.decide(new BatchPolicy.State(100, 1000, 0, true, true, true, 100, 1000)))
                .isEqualTo(new BatchPolicy.Cut(FlushTrigger.SIZE));
        assertThat(policy.decide(new BatchPolicy.State(10, 1000, 0, true, true, true, 100, 1000)))
                .isEqualTo(new BatchPolicy.Cut(FlushTrigger.BYTES));
        assertThat(policy.decide(new BatchPolicy.State(10, 10, 0, true, true, true, 100, 1000)))
                .isEqualTo(new BatchPolicy.Cut(FlushTrigger.CLOSE));
        assertThat(policy.decide(new BatchPolicy.State(10, 10, 0, true, false, true, 100, 1000)))
                .isEqualTo(new BatchPolicy.Cut(FlushTrigger.EXPLICIT));
        assertThat(policy.decide(state(SECOND))).isEqualTo(new BatchPolicy.Cut(FlushTrigger.AGE));
    }

    @Test
    void waitsUntilTheOldestEventReachesFlushIntervalButAtMostOnePoll() {
        assertThat(policy.decide(state(SECOND - 1000))).isEqualTo(new BatchPolicy.Wait(1000));
        assertThat(policy.decide(state(0))).isEqualTo(new BatchPolicy.Wait(SECOND / 2));
    }

    @Test
    void cutsNothingWhileEverySlotIsBusyEvenWhenABatchIsDue() {
        BatchPolicy.State busy = new BatchPolicy.State(100, 1000, 5 * SECOND, true, true, false, 100, 1000);

        assertThat(policy.decide(busy)).isEqualTo(new BatchPolicy.Wait(SECOND / 2));
    }

    @Test
    void expiresTheOldestEventsAtDeliveryTimeoutWhetherOrNotASlotIsFree() {
        assertThat(policy.decide(state(300 * SECOND))).isEqualTo(new BatchPolicy.Expire());
        BatchPolicy.State busy = new BatchPolicy.State(10, 1000, 300 * SECOND, false, false, false, 100, 1000);
        assertThat(policy.decide(busy)).isEqualTo(new BatchPolicy.Expire());
    }

    @Test
    void aBusyWaitEndsAtTheOldestEventsDeliveryTimeout() {
        BatchPolicy.State busy = new BatchPolicy.State(10, 1000, 300 * SECOND - 7, false, false, false, 100, 1000);

        assertThat(policy.decide(busy)).isEqualTo(new BatchPolicy.Wait(7));
    }
}

package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ledger's verbs, one thread, a fake clock: every step keeps the accounting identity. */
class LedgerTest {
    private static final int BYTES = 100;

    private final FakeTicker ticker = new FakeTicker();
    private final AuditClientConfig.Buffer settings = AuditClientConfig.builder()
            .datastorageUrl("http://127.0.0.1:9")
            .serviceName("ledger-test")
            .bufferSize(4)
            .batchSize(2)
            .maxInFlight(1)
            .flushInterval(Duration.ofSeconds(1))
            .deliveryTimeout(Duration.ofMinutes(5))
            .build()
            .buffer();
    private final Ledger ledger = new Ledger(
            settings,
            new ServerLimitsTracker(settings.batchSize(), settings.maxBatchBytes()),
            // A 1 ns poll: a Wait decision returns at once, so no test blocks.
            new BatchPolicy(
                    Duration.ofSeconds(1).toNanos(), Duration.ofMinutes(5).toNanos(), 1),
            ticker,
            new DeliveryLog(URI.create("http://127.0.0.1:9"), null, ticker));

    private void admit(int n) {
        for (int i = 0; i < n; i++) {
            assertThat(ledger.admit(event(i), BYTES)).isNull();
        }
    }

    private LedgerSnapshot identityHolds() {
        LedgerSnapshot s = ledger.snapshot();
        long dropped = s.dropped().values().stream().mapToLong(Long::longValue).sum();
        assertThat(s.enqueued())
                .as("enqueued = acked + rejected + dropped + spooled_pending + buffered + in_flight in %s", s)
                .isEqualTo(s.acked()
                        + s.rejected()
                        + dropped
                        + s.spooledPending()
                        + s.bufferedEvents()
                        + s.inFlightEvents());
        return s;
    }

    @Test
    void admitsUntilTheBufferIsFullThenDropsAsBufferFull() {
        admit(4);

        assertThat(ledger.admit(event(9), BYTES)).isEqualTo(DropReason.BUFFER_FULL);

        LedgerSnapshot s = identityHolds();
        assertThat(s.enqueued()).isEqualTo(5);
        assertThat(s.bufferedEvents()).isEqualTo(4);
        assertThat(s.bufferedBytes()).isEqualTo(4 * BYTES);
        assertThat(s.dropped()).containsEntry(DropReason.BUFFER_FULL, 1L);
    }

    @Test
    void refusesAnEventLargerThanOneRequestAsOversize() {
        assertThat(ledger.admit(event(0), (int) settings.maxBatchBytes() + 1)).isEqualTo(DropReason.OVERSIZE);
        assertThat(identityHolds().dropped()).containsEntry(DropReason.OVERSIZE, 1L);
    }

    @Test
    void cutsAFullBatchAndSettlesItsAnswer() throws InterruptedException {
        admit(3);

        Batch batch = ledger.nextBatch();

        assertThat(batch.trigger).isEqualTo(FlushTrigger.SIZE);
        assertThat(batch.entries).hasSize(2);
        LedgerSnapshot cut = identityHolds();
        assertThat(cut.inFlightEvents()).isEqualTo(2);
        assertThat(cut.inFlightBatches()).isEqualTo(1);
        assertThat(cut.bufferedEvents()).isEqualTo(1);

        ledger.settleAnswered(List.of(batch.entries.get(0)), List.of(batch.entries.get(1)));
        ledger.finishBatch(batch, DropReason.RETRIES_EXHAUSTED);

        LedgerSnapshot done = identityHolds();
        assertThat(done.acked()).isEqualTo(1);
        assertThat(done.rejected()).isEqualTo(1);
        assertThat(done.dropped().values()).containsOnly(0L);
        assertThat(done.inFlightEvents()).isZero();
        assertThat(done.inFlightBatches()).isZero();
    }

    @Test
    void anEventIsSettledOnceWhateverIsCalledAfter() throws InterruptedException {
        admit(2);
        Batch batch = ledger.nextBatch();

        assertThat(ledger.settle(batch.entries, Ledger.Outcome.ACKED, null)).hasSize(2);
        assertThat(ledger.settle(batch.entries, Ledger.Outcome.DROPPED, DropReason.CLOSED))
                .isEmpty();
        assertThat(ledger.claim(batch.entries)).isEmpty();
        ledger.finishBatch(batch, DropReason.RETRIES_EXHAUSTED);

        LedgerSnapshot s = identityHolds();
        assertThat(s.acked()).isEqualTo(2);
        assertThat(s.dropped().values()).containsOnly(0L);
    }

    @Test
    void cutsNothingWhileTheOnlySlotIsBusy() throws InterruptedException {
        admit(4);
        Batch first = ledger.nextBatch();

        assertThat(ledger.nextBatch()).isSameAs(Batch.WOKEN);

        ledger.finishBatch(first, DropReason.RETRIES_EXHAUSTED); // nothing left: first's events drop
        assertThat(ledger.nextBatch().entries).hasSize(2);
        assertThat(identityHolds().dropped()).containsEntry(DropReason.RETRIES_EXHAUSTED, 2L);
    }

    @Test
    void claimedEventsStayInFlightUntilSpooledAndAReplayOfTheirRecordAcksThem() throws InterruptedException {
        admit(2);
        Batch batch = ledger.nextBatch();
        List<BufferedEvent> claimed = ledger.claim(batch.entries);
        List<AuditEvent> events = new ArrayList<>();
        claimed.forEach(e -> events.add(e.event));
        SpoolRecordKey key = SpoolRecordKey.of(events);

        ledger.appending(key);
        assertThat(identityHolds().inFlightEvents()).isEqualTo(2);
        ledger.finishClaimed(claimed, key, null);
        ledger.finishBatch(batch, DropReason.RETRIES_EXHAUSTED);

        LedgerSnapshot spooled = identityHolds();
        assertThat(spooled.spooled()).isEqualTo(2);
        assertThat(spooled.spooledPending()).isEqualTo(2);
        assertThat(spooled.inFlightEvents()).isZero();

        assertThat(ledger.commitReplayed(key, 2, 1, 1, 0)).isTrue();
        LedgerSnapshot replayed = identityHolds();
        assertThat(replayed.spooledPending()).isZero();
        assertThat(replayed.acked()).isEqualTo(1);
        assertThat(replayed.rejected()).isEqualTo(1);
        // Once taken out, the same record is an earlier process's, not counted again.
        assertThat(ledger.commitReplayed(key, 2, 2, 0, 0)).isFalse();
        assertThat(identityHolds().acked()).isEqualTo(1);
    }

    @Test
    void bufferedEventsPastDeliveryTimeoutAreTakenOutAndDroppedWithTheirReason() throws InterruptedException {
        admit(1);
        ticker.advance(Duration.ofMinutes(5));

        Batch expired = ledger.nextBatch();

        assertThat(expired.expired).isTrue();
        assertThat(expired.entries).hasSize(1);
        assertThat(identityHolds().inFlightEvents()).isEqualTo(1);
        ledger.finishClaimed(expired.entries, null, DropReason.DELIVERY_TIMEOUT);
        LedgerSnapshot s = identityHolds();
        assertThat(s.dropped()).containsEntry(DropReason.DELIVERY_TIMEOUT, 1L);
        assertThat(s.bufferedEvents()).isZero();
    }

    @Test
    void aSenderTakesOutOnlyItsOverdueEvents() throws InterruptedException {
        admit(1);
        ticker.advance(Duration.ofSeconds(10));
        admit(1);
        Batch batch = ledger.nextBatch();

        Ledger.Overdue split = ledger.claimOverdue(
                batch.entries, ticker.nanoTime(), Duration.ofSeconds(5).toNanos());

        assertThat(split.claimed()).containsExactly(batch.entries.get(0));
        assertThat(split.live()).containsExactly(batch.entries.get(1));
        identityHolds();
    }

    @Test
    void closeClaimsWhatIsBufferedAndInFlightOnceItsDeadlinePassed() throws InterruptedException {
        admit(3);
        Batch batch = ledger.nextBatch();
        ledger.close();

        List<BufferedEvent> leftovers = ledger.drainOrClaim(System.nanoTime(), Duration.ZERO, false);

        assertThat(leftovers).hasSize(3);
        assertThat(identityHolds().inFlightEvents()).isEqualTo(3);
        ledger.finishClaimed(leftovers, null, DropReason.CLOSED);
        ledger.finishBatch(batch, DropReason.CLOSED);
        assertThat(ledger.admit(event(7), BYTES)).isEqualTo(DropReason.CLOSED);
        LedgerSnapshot s = identityHolds();
        assertThat(s.dropped()).containsEntry(DropReason.CLOSED, 4L);
        assertThat(s.inFlightEvents()).isZero();
    }

    @Test
    void aFlushWithNothingPendingReturnsAtOnceAndCountsNothing() {
        FlushReport report = ledger.flush(Duration.ofSeconds(5));

        assertThat(report.pending()).isZero();
        assertThat(report.timedOut()).isFalse();
    }
}

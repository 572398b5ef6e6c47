package dev.auditline.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.store.TestPostgres;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 5% of batch requests answered {@code 500} at random (through {@link HttpFaultFront}), half of
 * them after DataStorage had already stored the batch: retries deliver the rest, and the resent
 * events that were already stored come back as duplicates, never as second rows.
 */
class RandomServerErrorIT {
    private static final String ID = "random-500";
    private static final int BATCH = 100;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void retriesRandomServerErrorsWithoutLossOrDuplicates() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        AuditDatabase database = new AuditDatabase(db);
        try (DataStorage server = Servers.dataStorage(db);
                HttpFaultFront front = HttpFaultFront.start(server.baseUrl());
                // Batches of 100: about 500 requests, so 5% is a sample worth the name.
                BufferedAuditStore store = BufferedAuditStore.create(
                        ScenarioRun.defaults(front.url(), ID).batchSize(BATCH).build())) {
            front.failAtRandom(0.05, 20261126L);
            EventQueries dataStorage = new EventQueries(server.baseUrl());
            ScenarioRun.Outcome outcome;
            VisibilityProbe probe;
            try (ScenarioRun run = ScenarioRun.start(ID, store, database, server.baseUrl(), 2500)) {
                outcome = run.finish();
                probe = run.probe();
            }
            List<HttpFaultFront.Exchange> exchanges = front.exchanges();
            long before = count(exchanges, HttpFaultFront.Fault.ERROR_BEFORE_STORE);
            long after = count(exchanges, HttpFaultFront.Fault.ERROR_AFTER_STORE);
            assertThat(before).as("500s answered before storing").isPositive();
            assertThat(after)
                    .as("500s answered after DataStorage stored the batch")
                    .isPositive();
            assertThat(outcome.stats().droppedTotal())
                    .as("dropped: %s", outcome.stats())
                    .isZero();
            long duplicates = dataStorage.duplicatesIngested();
            assertThat(duplicates)
                    .as("resent events DataStorage answered as duplicates")
                    .isPositive();

            ReliabilityReport.record(ScenarioResult.of(
                            ID,
                            "5% of requests answered 500 at random",
                            outcome,
                            outcome.drainAfterLastStore(),
                            probe.latencies(Instant.EPOCH),
                            outcome.commitLag(),
                            exchanges.size() + " batch requests (batch_size " + BATCH + "), " + (before + after)
                                    + " answered 500 ("
                                    + String.format(Locale.ROOT, "%.1f%%", 100.0 * (before + after) / exchanges.size())
                                    + "): " + before + " before storing, " + after
                                    + " after DataStorage had committed the batch, so their retry came back as duplicates ("
                                    + duplicates + " events answered duplicate by DataStorage)"
                                    + "; " + outcome.stats().retries() + " retries; drain = last store() → all acked.")
                    .tunedBecause("smaller batches give enough requests for a 5% error rate to be a sample"));
        }
    }

    private static long count(List<HttpFaultFront.Exchange> exchanges, HttpFaultFront.Fault fault) {
        return exchanges.stream().filter(e -> e.fault() == fault).count();
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PostgresBatchWriterTest {

    @Test
    void claimOrderIsPostgresUuidOrderWhichIsTheCanonicalTextOrder() {
        SplittableRandom random = new SplittableRandom(7);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            // both signs in both halves, so a signed comparison would put some ids out of order
            ids.add(new UUID(random.nextLong(), random.nextLong()));
        }
        ids.add(new UUID(Long.MIN_VALUE, 0));
        ids.add(new UUID(-1L, -1L));
        ids.add(new UUID(0, 0));
        ids.add(new UUID(Long.MAX_VALUE, Long.MIN_VALUE));

        List<UUID> byComparator = new ArrayList<>(ids);
        byComparator.sort(PostgresBatchWriter.PG_UUID_ORDER);
        List<UUID> byText = new ArrayList<>(ids);
        byText.sort(Comparator.comparing(UUID::toString));

        assertThat(byComparator).containsExactlyElementsOf(byText);
    }

    /**
     * Batches write shared keys in one order, (day, id), so they wait on each other in one
     * direction only: the day first, since COPY writes partition by partition in the order it meets
     * them. A later day with a smaller id comes after an earlier day with a larger one.
     */
    @Test
    void insertOrderIsTheDayThenTheIdWhateverTheBatchOrder() {
        Instant march = Instant.parse("2026-03-02T23:59:59.999999Z");
        Instant february = Instant.parse("2026-02-27T00:00:00Z");
        UUID small = new UUID(0x1000L, 1);
        UUID large = new UUID(-1L, 1); // largest in PostgreSQL's (unsigned) order
        UUID middle = new UUID(0x7000L, 1);
        List<AuditEvent> batch = List.of(
                TestEvents.minimal("c", march).eventId(small).build(),
                TestEvents.minimal("c", february).eventId(large).build(),
                TestEvents.minimal("c", march.plusNanos(1_000)).eventId(middle).build(), // next day
                TestEvents.minimal("c", february.plusSeconds(60)).eventId(small).build());

        Integer[] order = PostgresBatchWriter.insertOrder(batch);

        assertThat(order).containsExactly(3, 1, 0, 2);
    }
}

package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

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
}

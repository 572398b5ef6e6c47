package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class UuidV7Test {

    @RepeatedTest(20)
    void idsAreVersion7WithTheRfcVariant() {
        UUID id = UuidV7.next();

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
    }

    @Test
    void millisOfReturnsTheMillisecondsAnIdWasMadeFor() {
        long millis = 1_764_181_864_123L;

        assertThat(UuidV7.millisOf(UuidV7.forMillis(millis))).isEqualTo(millis);
    }

    @Test
    void millisOfRoundTripsTheLargest48BitTimestamp() {
        long max = (1L << 48) - 1;

        assertThat(UuidV7.millisOf(UuidV7.forMillis(max))).isEqualTo(max);
    }

    @Test
    void nextUsesTheCurrentTime() {
        long before = System.currentTimeMillis();

        long millis = UuidV7.millisOf(UuidV7.next());

        assertThat(millis).isBetween(before, System.currentTimeMillis());
    }

    @Test
    void idsOfLaterMillisecondsSortAfterEarlierOnesAsUuidsAndAsText() {
        List<UUID> ids = new ArrayList<>();
        long start = 1_764_181_864_000L;
        for (int i = 0; i < 1000; i++) {
            ids.add(UuidV7.forMillis(start + i));
        }

        assertThat(ids).isSortedAccordingTo(UUID::compareTo);
        assertThat(ids).extracting(UUID::toString).isSorted();
    }

    @Test
    void idsOfTheSameMillisecondAreDistinct() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(UuidV7.forMillis(1_764_181_864_000L));
        }

        assertThat(ids).hasSize(100_000);
    }

    @Test
    void millisOfRejectsOtherVersionsNamingTheId() {
        UUID v4 = UUID.fromString("3f1c9a2e-8b4d-4c6e-9f0a-1b2c3d4e5f60");

        assertThatThrownBy(() -> UuidV7.millisOf(v4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a version 7 UUID: 3f1c9a2e-8b4d-4c6e-9f0a-1b2c3d4e5f60");
    }
}

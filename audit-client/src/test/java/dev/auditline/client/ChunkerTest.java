package dev.auditline.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static int size(Integer n) {
        return n;
    }

    @Test
    void cutsAtTheCountLimit() {
        assertThat(Chunker.split(List.of(1, 1, 1, 1, 1), ChunkerTest::size, 2, 100))
                .containsExactly(List.of(1, 1), List.of(1, 1), List.of(1));
    }

    @Test
    void cutsBeforeTheItemThatWouldPassTheByteLimit() {
        assertThat(Chunker.split(List.of(4, 4, 3, 6, 1), ChunkerTest::size, 10, 10))
                .containsExactly(List.of(4, 4), List.of(3, 6, 1));
    }

    @Test
    void anItemExactlyAtTheByteLimitFits() {
        assertThat(Chunker.fit(List.of(6, 4, 1), ChunkerTest::size, 10, 10)).isEqualTo(2);
    }

    @Test
    void anItemLargerThanTheByteLimitGoesAloneAndNeverStallsTheCut() {
        assertThat(Chunker.split(List.of(2, 50, 2), ChunkerTest::size, 10, 10))
                .containsExactly(List.of(2), List.of(50), List.of(2));
        assertThat(Chunker.fit(List.of(50, 1), ChunkerTest::size, 10, 10)).isEqualTo(1);
    }

    @Test
    void nothingToCutGivesNothing() {
        assertThat(Chunker.fit(List.<Integer>of(), ChunkerTest::size, 10, 10)).isZero();
        assertThat(Chunker.split(List.<Integer>of(), ChunkerTest::size, 10, 10)).isEmpty();
    }

    @Test
    void exceedsWhenMoreThanOneChunkIsNeeded() {
        assertThat(Chunker.exceeds(List.of(1, 1, 1), ChunkerTest::size, 2, 100)).isTrue();
        assertThat(Chunker.exceeds(List.of(6, 6), ChunkerTest::size, 10, 10)).isTrue();
        assertThat(Chunker.exceeds(List.of(5, 5), ChunkerTest::size, 10, 10)).isFalse();
        assertThat(Chunker.exceeds(List.of(50), ChunkerTest::size, 10, 10)).isFalse();
    }
}

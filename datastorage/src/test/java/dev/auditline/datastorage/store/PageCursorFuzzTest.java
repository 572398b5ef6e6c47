package dev.auditline.datastorage.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * {@link PageCursor#decode} refuses everything it did not issue with its one documented
 * exception, and what it accepts is canonical and in range; encode then decode is the identity.
 */
class PageCursorFuzzTest {
    private static final long FIRST_SECOND = EventQuery.EARLIEST.getEpochSecond();
    private static final long LAST_SECOND = EventQuery.LATEST.getEpochSecond();

    @FuzzTest(maxDuration = "2m")
    void decodeAcceptsOnlyWhatEncodeWrites(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        PageCursor cursor;
        try {
            cursor = PageCursor.decode(text);
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageStartingWith("cursor: not a cursor issued by this server");
            return;
        }
        assertThat(cursor.encode()).isEqualTo(text);
        assertThat(EventQuery.inRange(cursor.eventTimestamp())).isTrue();
    }

    @FuzzTest(maxDuration = "2m")
    void encodeThenDecodeIsTheIdentity(FuzzedDataProvider data) {
        Instant t = Instant.ofEpochSecond(
                data.consumeLong(FIRST_SECOND, LAST_SECOND), data.consumeInt(0, 999_999) * 1_000L);
        PageCursor cursor = new PageCursor(t, new UUID(data.consumeLong(), data.consumeLong()));

        assertThat(PageCursor.decode(cursor.encode())).isEqualTo(cursor);
    }
}

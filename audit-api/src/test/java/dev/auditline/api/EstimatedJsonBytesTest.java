package dev.auditline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.json.AuditJson;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EstimatedJsonBytesTest {

    private static int serializedBytes(AuditEvent event) throws Exception {
        return AuditJson.mapper().writeValueAsBytes(event).length;
    }

    @Test
    void estimateCoversAMinimalEvent() throws Exception {
        AuditEvent event = TestEvents.minimal().build();

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(event));
    }

    @Test
    void estimateCoversAnEventWithEveryField() throws Exception {
        AuditEvent event = TestEvents.full().build();

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(event));
    }

    @Test
    void estimateCoversEveryFieldAtItsMaximumLength() throws Exception {
        AuditEvent event = TestEvents.full()
                .eventType("a.b." + "c".repeat(96))
                .eventCategory("c".repeat(50))
                .eventAction("a".repeat(50))
                .correlationId("€".repeat(255))
                .actor("t".repeat(50), "i".repeat(255))
                .resource("r".repeat(100), "\uD83D\uDE00".repeat(255))
                .resourceName("\"".repeat(255))
                .namespace("\\".repeat(253))
                .clusterId("c".repeat(255))
                .severity("s".repeat(20))
                .durationMs(Long.MAX_VALUE)
                .errorCode("e".repeat(100))
                .errorMessage("ü".repeat(4096))
                .actorIp("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255")
                .build();

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(event));
    }

    @Test
    void estimateCoversControlCharactersThatJsonEscapesToSixBytes() throws Exception {
        AuditEvent event = TestEvents.minimal()
                .errorMessage("\u0001".repeat(4096))
                .correlationId("\u001f".repeat(255))
                .build();

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(event));
    }

    @Test
    void estimateCoversEmojiThatJacksonWritesAsTwoEscapes() throws Exception {
        String emoji = "\uD83D\uDE00";
        AuditEvent event = TestEvents.minimal()
                .correlationId(emoji.repeat(255))
                .resourceId(emoji.repeat(255))
                .actorId(emoji.repeat(255))
                .build();

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(event));
    }

    @Test
    void estimateCoversLargeEventData() throws Exception {
        AuditEvent event = TestEvents.minimal()
                .eventData(Map.of("blob", "\u0002".repeat(40_000), "text", "ß".repeat(10_000)))
                .build();

        assertThat(event.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(event));
    }

    @Test
    void estimateCoversAStoredEventWithItsIngestionFields() throws Exception {
        AuditEvent stored = TestEvents.full()
                .build()
                .withIngestion(Instant.parse("2026-11-26T18:31:05.000001Z"), Long.MAX_VALUE, "datastorage-".repeat(20));

        assertThat(stored.estimatedJsonBytes()).isGreaterThanOrEqualTo(serializedBytes(stored));
    }

    @Test
    void estimateStaysCloseForATypicalEvent() throws Exception {
        AuditEvent event = TestEvents.full().build();

        // an upper bound that is far too loose would shrink every byte-bounded batch
        assertThat(event.estimatedJsonBytes()).isLessThan(4 * serializedBytes(event));
    }
}

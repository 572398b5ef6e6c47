package dev.auditline.client;

import static dev.auditline.client.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditClientMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final BufferedAuditStore store = BufferedAuditStore.builder(AuditClientConfig.builder()
                    .datastorageUrl("http://127.0.0.1:9")
                    .serviceName("metrics-test")
                    .flushInterval(Duration.ofHours(1))
                    .deliveryTimeout(Duration.ofHours(2))
                    .build())
            .sink(new ScriptedSink((events, attempt) ->
                    attempt == 1 ? SendOutcome.status(503, null, "busy") : ScriptedSink.created(events.size())))
            .sleeper(d -> {})
            .build();

    @AfterEach
    void close() {
        store.close(Duration.ofSeconds(2));
    }

    @Test
    void exposesEventsByOutcomeFlushesRetriesAndDeliveryLatency() {
        new AuditClientMetrics(store).bindTo(registry);
        for (int i = 0; i < 4; i++) {
            store.store(event(i));
        }
        store.flush(Duration.ofSeconds(5));
        store.close(Duration.ofSeconds(5));
        store.store(event(9)); // dropped: closed

        assertThat(counter("outcome", "enqueued")).isEqualTo(5);
        assertThat(counter("outcome", "acked")).isEqualTo(4);
        assertThat(registry.get(AuditClientMetrics.EVENTS)
                        .tag("outcome", "dropped")
                        .tag("reason", "closed")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get(AuditClientMetrics.FLUSHES)
                        .tag("trigger", "explicit")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get(AuditClientMetrics.RETRIES).functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get(AuditClientMetrics.DELIVERY_LATENCY).timer().count())
                .isEqualTo(4);
        assertThat(registry.get(AuditClientMetrics.BATCH_SIZE).summary().totalAmount())
                .isEqualTo(4);
        assertThat(registry.get(AuditClientMetrics.SEND_DURATION)
                        .tag("status_class", "5xx")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get(AuditClientMetrics.BUFFER_EVENTS).gauge().value())
                .isZero();
    }

    @Test
    void everyMeterHasADescriptionABaseUnitAndALowercaseDottedName() {
        new AuditClientMetrics(store).bindTo(registry);
        store.store(event(1));
        store.flush(Duration.ofSeconds(5));

        List<Meter> meters = registry.getMeters();
        assertThat(meters).isNotEmpty();
        assertThat(meters).allSatisfy(m -> {
            assertThat(m.getId().getName()).matches("audit\\.client(\\.[a-z_]+)+");
            assertThat(m.getId().getDescription()).as(m.getId().getName()).isNotBlank();
            assertThat(m.getId().getBaseUnit()).as(m.getId().getName()).isNotBlank();
            assertThat(m.getId().getTag("service")).isEqualTo("metrics-test");
        });
    }

    @Test
    void exposesTheSpoolAndItsReplay(@TempDir Path spoolDir) {
        FlakySink sink = new FlakySink().failing();
        BufferedAuditStore spooling = BufferedAuditStore.builder(AuditClientConfig.builder()
                        .datastorageUrl("http://127.0.0.1:9")
                        .serviceName("metrics-test")
                        .flushInterval(Duration.ofHours(1))
                        .deliveryTimeout(Duration.ofHours(2))
                        .maxRetries(0)
                        .spoolDir(spoolDir)
                        .build())
                .sink(sink)
                .build();
        try {
            new AuditClientMetrics(spooling).bindTo(registry);
            for (int i = 0; i < 3; i++) {
                spooling.store(event(i));
            }
            spooling.flush(Duration.ofSeconds(5));

            assertThat(counter("outcome", "spooled")).isEqualTo(3);
            assertThat(registry.get(AuditClientMetrics.SPOOL_PENDING_EVENTS)
                            .gauge()
                            .value())
                    .isEqualTo(3);
            assertThat(registry.get(AuditClientMetrics.SPOOL_RECORDS).gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get(AuditClientMetrics.SPOOL_BYTES).gauge().value())
                    .isPositive();

            sink.up();
            spooling.store(event(3));
            spooling.flush(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get(AuditClientMetrics.REPLAY_EVENTS)
                                    .functionCounter()
                                    .count()
                            == 3);
            assertThat(registry.get(AuditClientMetrics.REPLAY_RECORDS)
                            .functionCounter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.get(AuditClientMetrics.SPOOL_PENDING_EVENTS)
                            .gauge()
                            .value())
                    .isZero();
        } finally {
            spooling.close(Duration.ofSeconds(2));
        }
    }

    private double counter(String tag, String value) {
        return registry.get(AuditClientMetrics.EVENTS)
                .tag(tag, value)
                .functionCounter()
                .count();
    }
}

package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.BufferedAuditStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/** The indicator over a real store whose DataStorage address refuses connections. */
@Timeout(60)
class AuditHealthIndicatorIT {

    @Test
    void unreachableDataStorageIsOutOfServiceAfterFiveFlushIntervalsAndDropsAreDown() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        AuditClientConfig config = AuditClientConfig.builder()
                .datastorageUrl(URI.create("http://127.0.0.1:" + closedPort))
                .serviceName("billing")
                .bufferSize(10)
                .batchSize(5)
                .maxInFlight(1)
                .flushInterval(Duration.ofMillis(100))
                .build();
        AtomicLong nanos = new AtomicLong();
        BufferedAuditStore store = BufferedAuditStore.create(config);
        try {
            AuditHealthIndicator indicator = new AuditHealthIndicator(store, nanos::get);
            store.store(StarterDataStorageIT.event("corr-down", "billing.invoice.created"));

            Health first = indicator.health();
            assertThat(first.getStatus()).isEqualTo(Status.UP);
            assertThat(first.getDetails()).containsEntry("enqueued", 1L).containsEntry("stall_after_ms", 500L);

            nanos.addAndGet(Duration.ofMillis(501).toNanos());
            Health stalled = indicator.health();
            assertThat(stalled.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat((String) stalled.getDetails().get("reason")).contains("none delivered for 501 ms");

            int accepted = 0;
            for (int i = 0; i < 40; i++) {
                accepted += store.store(StarterDataStorageIT.event("corr-down", "billing.invoice.created")) ? 1 : 0;
            }
            assertThat(accepted).isLessThan(40);
            Health dropping = indicator.health();
            assertThat(dropping.getStatus()).isEqualTo(Status.DOWN);
            assertThat(dropping.getDetails().get("reason"))
                    .isEqualTo((40 - accepted) + " events dropped since the previous check");

            assertThat(indicator.health().getStatus())
                    .as("no new drop: back to the stall")
                    .isEqualTo(Status.OUT_OF_SERVICE);
        } finally {
            store.close(Duration.ofMillis(100));
        }
    }
}

package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditStore;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.CloseReport;
import dev.auditline.client.FlushReport;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.audit.AuditEventRepository;
import org.springframework.boot.actuate.audit.listener.AuditApplicationEvent;
import org.springframework.boot.actuate.autoconfigure.audit.AuditAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;

/** The starter against a real DataStorage (SQLite in a temporary directory) over loopback HTTP. */
@Timeout(120)
class StarterDataStorageIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private LoopbackDataStorage dataStorage;
    private ApplicationContextRunner runner;

    @BeforeEach
    void startDataStorage() {
        dataStorage = new LoopbackDataStorage(dir);
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        AuditlineAutoConfiguration.class,
                        AuditlineActuatorAutoConfiguration.class,
                        AuditAutoConfiguration.class,
                        MetricsAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues(
                        "audit.datastorage_url=" + dataStorage.url(),
                        "audit.service_name=billing",
                        "audit.buffer.flush_interval=200ms");
    }

    @AfterEach
    void stopDataStorage() {
        dataStorage.close();
    }

    @Test
    void emitsToDataStorageAndClosesWithItsReportWhenTheContextCloses() throws Exception {
        AuditStoreLifecycle[] lifecycle = new AuditStoreLifecycle[1];
        runner.run(context -> {
            AuditStore store = context.getBean(AuditStore.class);
            lifecycle[0] = context.getBean(AuditStoreLifecycle.class);
            for (int i = 0; i < 3; i++) {
                assertThat(store.store(event("corr-emit", "billing.invoice.created")))
                        .isTrue();
            }
            assertThat(lifecycle[0].isRunning()).isTrue();
            assertThat(lifecycle[0].report()).isNull();
        });
        CloseReport report = lifecycle[0].report();
        assertThat(report).isNotNull();
        assertThat(report.enqueued()).isEqualTo(3);
        assertThat(report.sent()).isEqualTo(3);
        assertThat(report.dropped()).isZero();
        assertThat(report.timedOut()).isFalse();
        assertThat(dataStorage.events("correlation_id=corr-emit")).hasSize(3);
    }

    @Test
    void actuatorAuditEventsLandInTheTrail() throws Exception {
        runner.run(context -> {
            assertThat(context.getBean(AuditEventRepository.class)).isInstanceOf(TrailAuditEventRepository.class);
            context.publishEvent(new AuditApplicationEvent("carol", "INVOICE_EXPORTED", Map.of("invoice", "INV-7")));
            assertThat(context.getBean(BufferedAuditStore.class).flush(WAIT).acked())
                    .isEqualTo(1);
        });
        List<JsonNode> events = dataStorage.events("actor_id=carol");
        assertThat(events).hasSize(1);
        JsonNode e = events.get(0);
        assertThat(e.path("event_type").asText()).isEqualTo("billing.security.invoice_exported");
        assertThat(e.path("event_category").asText()).isEqualTo("security");
        assertThat(e.path("event_outcome").asText()).isEqualTo("success");
        assertThat(e.path("resource_id").asText()).isEqualTo("billing");
        assertThat(e.path("event_data").path("invoice").asText()).isEqualTo("INV-7");
    }

    @Test
    void springSecurityAuthenticationSuccessAndFailureLandInTheTrailAndAreFoundAgain() throws Exception {
        runner.run(context -> {
            UsernamePasswordAuthenticationToken alice =
                    UsernamePasswordAuthenticationToken.authenticated("alice", null, List.of());
            context.publishEvent(new AuthenticationSuccessEvent(alice));
            context.publishEvent(new AuthenticationFailureBadCredentialsEvent(
                    UsernamePasswordAuthenticationToken.unauthenticated("mallory", "guess"),
                    new BadCredentialsException("Bad credentials")));
            FlushReport flushed = context.getBean(BufferedAuditStore.class).flush(WAIT);
            assertThat(flushed.acked()).isEqualTo(2);

            List<org.springframework.boot.actuate.audit.AuditEvent> found =
                    context.getBean(AuditEventRepository.class).find("mallory", null, "AUTHENTICATION_FAILURE");
            assertThat(found).hasSize(1);
            assertThat(found.get(0).getPrincipal()).isEqualTo("mallory");
            assertThat(found.get(0).getType()).isEqualTo("AUTHENTICATION_FAILURE");
            assertThat(found.get(0).getData()).containsEntry("message", "Bad credentials");
        });
        JsonNode success = dataStorage.events("actor_id=alice").get(0);
        assertThat(success.path("event_type").asText()).isEqualTo("billing.security.authentication_success");
        assertThat(success.path("event_outcome").asText())
                .isEqualTo(EventOutcome.SUCCESS.name().toLowerCase());
        List<JsonNode> failures = dataStorage.events("event_outcome=failure");
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).path("actor_id").asText()).isEqualTo("mallory");
        assertThat(failures.get(0).path("event_type").asText()).isEqualTo("billing.security.authentication_failure");
        assertThat(failures.get(0).path("event_data").path("type").asText())
                .isEqualTo(BadCredentialsException.class.getName());
    }

    @Test
    void fillsTraceAndSpanIdsFromTheCurrentOpenTelemetrySpan() throws Exception {
        try (SdkTracerProvider tracing = SdkTracerProvider.builder().build()) {
            runner.run(context -> {
                AuditStore store = context.getBean(AuditStore.class);
                assertThat(store).isInstanceOf(TraceContextAuditStore.class);
                Span span = tracing.get("test").spanBuilder("request").startSpan();
                try (Scope ignored = span.makeCurrent()) {
                    store.store(event("corr-traced", "billing.invoice.created"));
                } finally {
                    span.end();
                }
                store.store(event("corr-untraced", "billing.invoice.created"));
                assertThat(store.flush(WAIT).acked()).isEqualTo(2);

                JsonNode traced =
                        dataStorage.events("correlation_id=corr-traced").get(0);
                assertThat(traced.path("trace_id").asText())
                        .isEqualTo(span.getSpanContext().getTraceId());
                assertThat(traced.path("span_id").asText())
                        .isEqualTo(span.getSpanContext().getSpanId());
                JsonNode untraced =
                        dataStorage.events("correlation_id=corr-untraced").get(0);
                assertThat(untraced.has("trace_id") && !untraced.get("trace_id").isNull())
                        .isFalse();
            });
        }
    }

    @Test
    void registersTheClientMetersAndReportsHealthUpWhileDelivering() {
        runner.run(context -> {
            AuditStore store = context.getBean(AuditStore.class);
            store.store(event("corr-metrics", "billing.invoice.created"));
            store.flush(WAIT);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("audit.client.events")
                            .tag("outcome", "acked")
                            .functionCounter()
                            .count())
                    .isEqualTo(1.0);
            Health health = context.getBean(AuditHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("acked", 1L).containsEntry("enqueued", 1L);
        });
    }

    static AuditEvent event(String correlationId, String type) {
        return AuditEvent.builder()
                .eventType(type)
                .eventCategory("billing")
                .eventAction("created")
                .eventOutcome(EventOutcome.SUCCESS)
                .correlationId(correlationId)
                .actor("service", "billing")
                .resource("invoice", "INV-1")
                .build();
    }
}

package dev.auditline.spring.boot4;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.client.AuditConfigException;
import dev.auditline.client.AuditStore;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.datastorage.DataStorage;
import dev.auditline.datastorage.config.DataStorageConfig;
import dev.auditline.spring.AuditlineActuatorAutoConfiguration;
import dev.auditline.spring.AuditlineAutoConfiguration;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.actuate.audit.AuditEventRepository;
import org.springframework.boot.actuate.audit.listener.AuditApplicationEvent;
import org.springframework.boot.actuate.autoconfigure.audit.AuditAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * What of the starter works on Spring Boot 4: binding, validation, the store, emitting, the
 * Actuator audit bridge. The health indicator does not (Boot 4 moved {@code HealthIndicator}).
 */
@Timeout(60)
class StarterOnSpringBoot4IT {
    @TempDir
    Path dir;

    @Test
    void bindsValidatesEmitsAndClosesOnSpringBoot4() {
        assertThat(SpringBootVersion.getVersion()).startsWith("4.");
        DataStorageConfig defaults = DataStorageConfig.defaults();
        try (DataStorage dataStorage = DataStorage.start(
                defaults.withServer(defaults.server().withPort(0))
                        .withStorage(defaults.storage().withUrl("sqlite:" + dir.resolve("audit.db"))),
                Clock.systemUTC())) {
            ApplicationContextRunner runner = new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            AuditlineAutoConfiguration.class,
                            AuditlineActuatorAutoConfiguration.class,
                            AuditAutoConfiguration.class))
                    .withPropertyValues("audit.datastorage_url=" + dataStorage.baseUrl(), "audit.service_name=billing");
            runner.run(context -> {
                assertThat(context).hasNotFailed();
                AuditStore store = context.getBean(AuditStore.class);
                assertThat(store.store(AuditEvent.builder()
                                .eventType("billing.invoice.created")
                                .eventCategory("billing")
                                .eventAction("created")
                                .eventOutcome(EventOutcome.SUCCESS)
                                .correlationId("boot4")
                                .actor("service", "billing")
                                .resource("invoice", "INV-1")
                                .build()))
                        .isTrue();
                context.publishEvent(
                        new AuditApplicationEvent("carol", "INVOICE_EXPORTED", Map.of("invoice", "INV-7")));
                assertThat(context.getBean(BufferedAuditStore.class)
                                .flush(Duration.ofSeconds(10))
                                .acked())
                        .as("the event stored and the Actuator event bridged")
                        .isEqualTo(2);
                assertThat(context.getBean(AuditEventRepository.class).find("carol", null, "INVOICE_EXPORTED"))
                        .hasSize(1);
            });
            runner.withPropertyValues("audit.buffer.flush_interval=1 second").run(context -> assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(AuditConfigException.class)
                    .hasMessageContaining("audit.buffer.flush_interval: must be a duration like 500ms"));
        }
    }
}

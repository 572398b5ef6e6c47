package dev.auditline.spring;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditClientMetrics;
import dev.auditline.client.AuditStore;
import dev.auditline.client.BufferedAuditStore;
import org.springframework.boot.actuate.audit.AuditEventRepository;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the starter adds when the application has Actuator or Micrometer: the client's meter binder
 * and health indicator (for a store this starter made, or any {@link BufferedAuditStore} bean), and
 * an Actuator {@code AuditEventRepository} that writes to the audit trail.
 *
 * <p>Ordered before Actuator's own audit auto-configuration, which listens for audit events only
 * when a repository bean exists; an application's own repository bean wins.
 */
@AutoConfiguration(
        after = AuditlineAutoConfiguration.class,
        beforeName = "org.springframework.boot.actuate.autoconfigure.audit.AuditAutoConfiguration")
public class AuditlineActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    @ConditionalOnBean(BufferedAuditStore.class)
    static class MetricsConfiguration {
        /** Spring Boot binds every MeterBinder bean to each MeterRegistry it has. */
        @Bean
        @ConditionalOnMissingBean
        AuditClientMetrics auditClientMetrics(BufferedAuditStore auditStore) {
            return new AuditClientMetrics(auditStore);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnBean(BufferedAuditStore.class)
    static class HealthConfiguration {
        /** {@code /actuator/health/audit}; rules in {@link AuditHealthPolicy}. */
        @Bean
        @ConditionalOnMissingBean(name = "auditHealthIndicator")
        AuditHealthIndicator auditHealthIndicator(BufferedAuditStore auditStore) {
            return new AuditHealthIndicator(auditStore, System::nanoTime);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.audit.AuditEventRepository")
    @ConditionalOnBean({AuditStore.class, AuditClientConfig.class})
    static class AuditEventRepositoryConfiguration {
        @Bean
        @ConditionalOnMissingBean(AuditEventRepository.class)
        TrailAuditEventRepository auditEventRepository(AuditStore auditStore, AuditClientConfig config) {
            return new TrailAuditEventRepository(auditStore, config);
        }
    }
}

package dev.auditline.spring;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditStore;
import dev.auditline.client.BufferedAuditStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The client from {@code audit.*}: an {@link AuditClientConfig} read by the client's own loader, a
 * {@link BufferedAuditStore} closed in the shutdown phase after the web server has drained, and,
 * when the OpenTelemetry API is present, an {@link AuditStore} that fills {@code trace_id} and
 * {@code span_id} from the current span.
 *
 * <p>An application that defines its own {@link AuditStore} bean keeps it; none of these store beans
 * is created then, and the application closes its own store.
 */
@AutoConfiguration
public class AuditlineAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(AuditlineAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    AuditClientConfig auditClientConfig(ConfigurableEnvironment environment) {
        AuditClientConfig config = AuditEnvironmentConfig.load(environment, System.getenv());
        LOG.info("Audit client configuration: {}", config.describe());
        return config;
    }

    /** Present only when this starter creates the store, so the lifecycle closes only what it made. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(AuditStore.class)
    static class StoreConfiguration {
        // Spring would infer close() as the destroy method; the lifecycle closes it instead, in its phase.
        @Bean(destroyMethod = "")
        BufferedAuditStore auditStore(AuditClientConfig config) {
            return BufferedAuditStore.create(config);
        }

        @Bean
        AuditStoreLifecycle auditStoreLifecycle(BufferedAuditStore auditStore) {
            return new AuditStoreLifecycle(auditStore, AuditStoreLifecycle.DEFAULT_CLOSE_TIMEOUT);
        }

        @Bean(destroyMethod = "")
        @Primary
        @ConditionalOnClass(name = "io.opentelemetry.api.trace.Span")
        AuditStore traceContextAuditStore(BufferedAuditStore auditStore) {
            return new TraceContextAuditStore(auditStore);
        }
    }
}

package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.AuditConfigException;
import dev.auditline.client.AuditStore;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.CloseReport;
import dev.auditline.client.FlushReport;
import java.io.StringReader;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

class AuditlineAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AuditlineAutoConfiguration.class))
            .withPropertyValues("audit.datastorage_url=http://127.0.0.1:9", "audit.service_name=billing");

    @Test
    void bindsAuditPropertiesWithTheClientsKeysAndUnits() {
        runner.withPropertyValues(
                        "audit.timeout=3s",
                        "audit.buffer.flush_interval=250ms",
                        "audit.buffer.max_buffer_bytes=8MiB",
                        "audit.buffer.buffer_size=2000",
                        "audit.buffer.overflow=block",
                        "audit.retry.max_backoff=5m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    AuditClientConfig config = context.getBean(AuditClientConfig.class);
                    assertThat(config.datastorageUrl()).isEqualTo(URI.create("http://127.0.0.1:9"));
                    assertThat(config.serviceName()).isEqualTo("billing");
                    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.buffer().flushInterval()).isEqualTo(Duration.ofMillis(250));
                    assertThat(config.buffer().maxBufferBytes()).isEqualTo(8L << 20);
                    assertThat(config.buffer().bufferSize()).isEqualTo(2000);
                    assertThat(config.buffer().batchSize()).isEqualTo(AuditClientConfig.DEFAULT_BATCH_SIZE);
                    assertThat(config.buffer().overflow()).isEqualTo(AuditClientConfig.Overflow.BLOCK);
                    assertThat(config.retry().maxBackoff()).isEqualTo(Duration.ofMinutes(5));
                    assertThat(context.getBean(BufferedAuditStore.class).config())
                            .isEqualTo(config);
                });
    }

    @Test
    void aBadValueFailsTheContextWithTheClientsOwnMessage() throws Exception {
        String expected = "invalid audit client configuration (2 problems):\n"
                + "  - audit.buffer.flush_interval: must be a duration like 500ms, 1s, 5m, 2h (got 1 second)\n"
                + "  - audit.buffer.batch_size: must be ≤ buffer_size (got 200 > 100)";
        String yaml = "audit:\n  datastorage_url: http://127.0.0.1:9\n  service_name: billing\n"
                + "  buffer:\n    buffer_size: 100\n    batch_size: 200\n    flush_interval: 1 second\n";
        assertThatThrownBy(() -> AuditClientConfig.fromYaml(new StringReader(yaml), "file", Map.of()))
                .hasMessage(expected);

        runner.withPropertyValues(
                        "audit.buffer.buffer_size=100",
                        "audit.buffer.batch_size=200",
                        "audit.buffer.flush_interval=1 second")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(AuditConfigException.class)
                        .hasMessage(expected));
    }

    @Test
    void relaxedSpellingsAreUnknownKeysAsInTheClientsFile() {
        runner.withPropertyValues("audit.buffer.flush-interval=2s").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("audit.buffer.flush-interval: unknown key (known: batch_size,"));
    }

    @Test
    void missingRequiredKeysAreReportedTogether() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AuditlineAutoConfiguration.class))
                .withPropertyValues("audit.buffer.buffer_size=5000")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessage("invalid audit client configuration (2 problems):\n"
                                + "  - audit.datastorage_url: is required (got nothing)\n"
                                + "  - audit.service_name: is required (got nothing)"));
    }

    @Test
    void withoutAnyAuditPropertyTheContextFailsAndSaysWhere() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AuditlineAutoConfiguration.class))
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessage("invalid audit client configuration (3 problems):\n"
                                + "  - audit: section missing in the Spring environment (audit.* properties)\n"
                                + "  - audit.datastorage_url: is required (got nothing)\n"
                                + "  - audit.service_name: is required (got nothing)"));
    }

    @Test
    void environmentVariablesOverrideTheApplicationPropertiesByTheClientsRule() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("audit.datastorage_url", "http://127.0.0.1:9")
                .withProperty("audit.service_name", "billing")
                .withProperty("audit.buffer.flush_interval", "${FLUSH:250ms}");
        AuditClientConfig config = AuditEnvironmentConfig.load(
                environment, Map.of("AUDIT_BUFFER_FLUSH_INTERVAL", "2s", "AUDIT_SERVICE_NAME", "billing-eu"));
        assertThat(config.buffer().flushInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.serviceName()).isEqualTo("billing-eu");

        assertThat(AuditEnvironmentConfig.load(environment, Map.of()).buffer().flushInterval())
                .as("placeholders resolve")
                .isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aPropertySourceOfHigherPrecedenceWins() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new org.springframework.core.env.MapPropertySource(
                        "commandLine", Map.of("audit.buffer.batch_size", "10")));
        environment
                .getPropertySources()
                .addLast(new org.springframework.core.env.MapPropertySource(
                        "application.yaml",
                        Map.of(
                                "audit.datastorage_url", "http://127.0.0.1:9",
                                "audit.service_name", "billing",
                                "audit.buffer.batch_size", 500)));
        assertThat(AuditEnvironmentConfig.load(environment, Map.of()).buffer().batchSize())
                .isEqualTo(10);
    }

    @Test
    void anApplicationsOwnAuditStoreIsKeptAndNoStoreIsCreated() {
        runner.withUserConfiguration(OwnStore.class).run(context -> {
            assertThat(context).hasSingleBean(AuditStore.class);
            assertThat(context.getBean(AuditStore.class)).isSameAs(OwnStore.STORE);
            assertThat(context).doesNotHaveBean(BufferedAuditStore.class);
            assertThat(context).doesNotHaveBean(AuditStoreLifecycle.class);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {
        static final AuditStore STORE = new AuditStore() {
            @Override
            public boolean store(dev.auditline.api.AuditEvent event) {
                return true;
            }

            @Override
            public FlushReport flush(Duration timeout) {
                return null;
            }

            @Override
            public CloseReport close(Duration timeout) {
                return null;
            }
        };

        @Bean
        AuditStore myStore() {
            return STORE;
        }
    }
}

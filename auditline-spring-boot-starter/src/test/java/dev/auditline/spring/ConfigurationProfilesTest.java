package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.AuditClientConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;

/**
 * The profiles of docs/configuration.md (docs/config/*.yaml) load through the client's own loader
 * with the values the guide states, and the same files work as a Spring application.yaml.
 */
class ConfigurationProfilesTest {
    private static final Path PROFILES =
            Path.of("..", "docs", "config").toAbsolutePath().normalize();

    private static AuditClientConfig load(String name) throws Exception {
        return AuditClientConfig.fromYaml(PROFILES.resolve(name), Map.of());
    }

    @Test
    void productionSpillsToAPersistentSpoolAndSendsAToken() throws Exception {
        AuditClientConfig c = load("production.yaml");
        assertThat(c.datastorageUrl()).isEqualTo(URI.create("http://datastorage-service:8080"));
        assertThat(c.buffer().overflow()).isEqualTo(AuditClientConfig.Overflow.SPILL);
        assertThat(c.spool().dir()).isEqualTo(Path.of("/var/lib/remediation-orchestrator/audit-spool"));
        assertThat(c.spool().maxBytes()).isEqualTo(1L << 30);
        assertThat(c.auth().tokenFile()).isEqualTo(Path.of("/var/run/secrets/auditline/token"));
        assertThat(c.buffer().bufferSize()).isEqualTo(AuditClientConfig.DEFAULT_BUFFER_SIZE);
        assertThat(c.buffer().flushInterval()).isEqualTo(AuditClientConfig.DEFAULT_FLUSH_INTERVAL);
    }

    @Test
    void integrationTestsFlushFastWithoutASpool() throws Exception {
        AuditClientConfig c = load("integration-test.yaml");
        assertThat(c.buffer().flushInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.buffer().bufferSize()).isEqualTo(1000);
        assertThat(c.buffer().batchSize()).isEqualTo(100);
        assertThat(c.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.spool().dir()).isNull();
    }

    @Test
    void developmentIsTheDefaultsAgainstALocalDataStorage() throws Exception {
        AuditClientConfig c = load("development.yaml");
        assertThat(c)
                .isEqualTo(AuditClientConfig.builder()
                        .datastorageUrl("http://127.0.0.1:8080")
                        .serviceName("remediation-orchestrator-dev")
                        .build());
    }

    @Test
    void eachProfileGivesTheSameConfigurationAsASpringApplicationYaml() throws Exception {
        for (String name : new String[] {"production.yaml", "integration-test.yaml", "development.yaml"}) {
            StandardEnvironment environment = new StandardEnvironment();
            new YamlPropertySourceLoader()
                    .load(name, new FileSystemResource(PROFILES.resolve(name)))
                    .forEach(environment.getPropertySources()::addLast);
            assertThat(AuditEnvironmentConfig.load(environment, Map.of()))
                    .as(name)
                    .isEqualTo(load(name));
        }
    }
}

package dev.auditline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.client.AuditConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

class AuditConfigFailureAnalyzerTest {

    @Test
    void isRegisteredAndReportsTheClientsMessageWithWhatToDo() {
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(
                        getClass().getClassLoader())
                .load(
                        FailureAnalyzer.class,
                        null,
                        // Spring Boot's own analyzers need a bean factory argument; only ours matters here
                        SpringFactoriesLoader.FailureHandler.logging(
                                org.apache.commons.logging.LogFactory.getLog(getClass())));
        FailureAnalyzer ours = analyzers.stream()
                .filter(a -> a instanceof AuditConfigFailureAnalyzer)
                .findFirst()
                .orElseThrow();
        AuditConfigException cause =
                new AuditConfigException(List.of("audit.buffer.batch_size: must be ≤ buffer_size (got 20000 > 10000)"));
        FailureAnalysis analysis = ours.analyze(new BeanCreationException("auditClientConfig", cause));
        assertThat(analysis.getDescription())
                .isEqualTo("invalid audit client configuration (1 problem):\n"
                        + "  - audit.buffer.batch_size: must be ≤ buffer_size (got 20000 > 10000)");
        assertThat(analysis.getAction()).startsWith("Correct the audit.* properties");
    }
}

package dev.auditline.examples.remediation;

import dev.auditline.client.AuditClientConfig;
import dev.auditline.client.BufferedAuditStore;
import dev.auditline.client.CloseReport;
import dev.auditline.client.FlushReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads {@code config/remediationorchestrator.yaml} (or the file named as first argument), builds
 * the audit store from its {@code audit:} section, runs one remediation and closes cleanly.
 *
 * <pre>AUDIT_DATASTORAGE_URL=http://127.0.0.1:8080 java -jar remediation-orchestrator.jar</pre>
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {}

    public static void main(String[] args) throws Exception {
        Path configFile = Path.of(args.length > 0 ? args[0] : "config/remediationorchestrator.yaml");
        AuditClientConfig config = AuditClientConfig.fromYaml(configFile);
        String requestName = "rr-" + UUID.randomUUID().toString().substring(0, 8);
        try (BufferedAuditStore audit = BufferedAuditStore.create(config)) {
            new RemediationOrchestrator(audit)
                    .remediate(requestName, "payments/api-7f9c", "oncall", Duration.ofSeconds(42));
            FlushReport flushed = audit.flush(Duration.ofSeconds(30));
            LOG.info("remediation {} recorded: {}", requestName, flushed);
            CloseReport closed = audit.close(Duration.ofSeconds(10));
            LOG.info("audit store closed: {}", closed);
        }
    }
}

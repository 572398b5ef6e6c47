package dev.auditline.spring;

import dev.auditline.client.AuditConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a bad {@code audit.*} configuration into Spring Boot's start-up failure report: the client's
 * own message (every problem with its path) and what to do, instead of a bean creation stack trace.
 */
final class AuditConfigFailureAnalyzer extends AbstractFailureAnalyzer<AuditConfigException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, AuditConfigException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Correct the audit.* properties (application.yaml, or the AUDIT_* environment variables);"
                        + " docs/configuration.md lists every key with its unit and limits.",
                cause);
    }
}

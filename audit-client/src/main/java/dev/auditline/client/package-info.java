/**
 * The audit client a service embeds.
 *
 * <p>Public API: {@link dev.auditline.client.AuditStore} and its implementation {@link
 * dev.auditline.client.BufferedAuditStore} (created from an {@link
 * dev.auditline.client.AuditClientConfig}, usually loaded from the {@code audit:} section of the
 * service's YAML file), the reports {@link dev.auditline.client.FlushReport} and {@link
 * dev.auditline.client.CloseReport}, the {@link dev.auditline.client.AuditClientStats} snapshot and
 * the optional Micrometer binder {@link dev.auditline.client.AuditClientMetrics}. {@link
 * dev.auditline.client.BatchSink} and {@link dev.auditline.client.SendOutcome} are public so tests
 * and tools can replace the HTTP sender; everything else is package-private.
 *
 * <pre>{@code
 * AuditClientConfig config = AuditClientConfig.fromYaml(Path.of("config/service.yaml"));
 * try (BufferedAuditStore audit = BufferedAuditStore.create(config)) {
 *     audit.store(AuditEvent.builder()
 *             .eventType("orchestrator.approval.requested")
 *             // ...
 *             .build());
 * }
 * }</pre>
 */
package dev.auditline.client;

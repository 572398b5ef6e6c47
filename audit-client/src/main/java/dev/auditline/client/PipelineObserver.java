package dev.auditline.client;

/**
 * Hooks for measurements that a counter snapshot cannot give (distributions), so that
 * {@link AuditClientMetrics} can feed Micrometer without the store depending on it.
 */
interface PipelineObserver {
    void batchCut(FlushTrigger trigger, int events);

    void sendFinished(String statusClass, long durationNanos);

    void delivered(long latencyNanos);
}

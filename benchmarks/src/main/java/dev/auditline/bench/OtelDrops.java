package dev.auditline.bench;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * Reads the count of log records OpenTelemetry's {@code BatchLogRecordProcessor} refused because
 * its queue was full ({@code processedLogs{dropped=true}}, cumulative), so the baseline's refused
 * emits are known and not mistaken for work.
 */
final class OtelDrops implements MetricReader {
    private static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");
    private volatile CollectionRegistration registration = CollectionRegistration.noop();

    @Override
    public void register(CollectionRegistration registration) {
        this.registration = registration;
    }

    long dropped() {
        long total = 0;
        for (MetricData metric : registration.collectAllMetrics()) {
            if (!metric.getName().equals("processedLogs")) {
                continue;
            }
            for (LongPointData point : metric.getLongSumData().getPoints()) {
                if (Boolean.TRUE.equals(point.getAttributes().get(DROPPED))) {
                    total += point.getValue();
                }
            }
        }
        return total;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}

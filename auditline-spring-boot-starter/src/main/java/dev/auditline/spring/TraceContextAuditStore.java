package dev.auditline.spring;

import dev.auditline.api.AuditEvent;
import dev.auditline.client.AuditStore;
import dev.auditline.client.CloseReport;
import dev.auditline.client.FlushReport;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Duration;

/**
 * Fills {@code trace_id} and {@code span_id} of events that carry neither from the current
 * OpenTelemetry span, so an audit event links to the trace of the request that caused it. Events
 * with their own trace context, and events stored outside any valid span, pass through unchanged.
 * Loaded only when the OpenTelemetry API is on the classpath.
 */
final class TraceContextAuditStore implements AuditStore {
    private final AuditStore delegate;

    TraceContextAuditStore(AuditStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean store(AuditEvent event) {
        return delegate.store(withTraceContext(event));
    }

    static AuditEvent withTraceContext(AuditEvent event) {
        if (event == null || event.traceId() != null || event.spanId() != null) {
            return event;
        }
        SpanContext context = Span.current().getSpanContext();
        if (!context.isValid()) {
            return event;
        }
        return event.toBuilder()
                .traceId(context.getTraceId())
                .spanId(context.getSpanId())
                .build();
    }

    @Override
    public FlushReport flush(Duration timeout) {
        return delegate.flush(timeout);
    }

    @Override
    public CloseReport close(Duration timeout) {
        return delegate.close(timeout);
    }
}

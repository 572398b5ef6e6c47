package dev.auditline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One audit event: who ({@code actor_*}) did what ({@code event_type}, {@code event_action}) to
 * which resource ({@code resource_*}), with which outcome, under which correlation id.
 *
 * <p>Built with {@link #builder()}, which assigns a UUIDv7 {@code event_id} and checks every rule
 * of the event model. Timestamps carry microsecond precision, the precision they are stored with.
 * {@code ingested_at}, {@code ingest_seq} and {@code ingested_by} are set by DataStorage on stored
 * events and are {@code null} on events a client builds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(
        UUID eventId,
        String version,
        String eventType,
        String eventCategory,
        String eventAction,
        EventOutcome eventOutcome,
        Instant eventTimestamp,
        String correlationId,
        String actorType,
        String actorId,
        String resourceType,
        String resourceId,
        EventData eventData,
        String actorIp,
        String resourceName,
        UUID parentEventId,
        String namespace,
        String clusterId,
        String severity,
        Long durationMs,
        String errorCode,
        String errorMessage,
        String traceId,
        String spanId,
        Instant ingestedAt,
        Long ingestSeq,
        String ingestedBy) {

    /** Fixed JSON overhead of one event: field names, quotes, the id and the timestamp. */
    private static final int JSON_OVERHEAD_BYTES = 420;

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this event's fields, for a modified copy. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The same event as stored by DataStorage. */
    public AuditEvent withIngestion(Instant ingestedAt, long ingestSeq, String ingestedBy) {
        return new AuditEvent(
                eventId,
                version,
                eventType,
                eventCategory,
                eventAction,
                eventOutcome,
                eventTimestamp,
                correlationId,
                actorType,
                actorId,
                resourceType,
                resourceId,
                eventData,
                actorIp,
                resourceName,
                parentEventId,
                namespace,
                clusterId,
                severity,
                durationMs,
                errorCode,
                errorMessage,
                traceId,
                spanId,
                ingestedAt,
                ingestSeq,
                ingestedBy);
    }

    /**
     * An upper estimate of this event's JSON size in bytes, without serializing it: used to bound
     * the client's buffer and batches by bytes.
     */
    public int estimatedJsonBytes() {
        return JSON_OVERHEAD_BYTES
                + eventData.jsonBytes()
                + utf8Upper(eventType)
                + utf8Upper(eventCategory)
                + utf8Upper(eventAction)
                + utf8Upper(correlationId)
                + utf8Upper(actorType)
                + utf8Upper(actorId)
                + utf8Upper(resourceType)
                + utf8Upper(resourceId)
                + utf8Upper(actorIp)
                + utf8Upper(resourceName)
                + utf8Upper(namespace)
                + utf8Upper(clusterId)
                + utf8Upper(severity)
                + utf8Upper(errorCode)
                + utf8Upper(errorMessage)
                + utf8Upper(traceId)
                + utf8Upper(spanId)
                + (parentEventId == null ? 0 : 60)
                + (durationMs == null ? 0 : 36)
                + (ingestedAt == null ? 0 : 50)
                + (ingestSeq == null ? 0 : 40)
                + utf8Upper(ingestedBy);
    }

    // Three bytes per char bound plain UTF-8 text, but Jackson's byte output escapes a control
    // character and each half of a surrogate pair (an emoji) as six bytes (a \\u escape), so
    // those are counted on top; 20 covers the quoted field name.
    private static int utf8Upper(String s) {
        if (s == null) {
            return 0;
        }
        int bytes = 3 * s.length() + 20;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || Character.isSurrogate(c)) {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Collects an event's fields and checks them all at once in {@link #build()}. Not thread-safe;
     * a builder may be reused after {@code build()}, but then set a new {@code event_id}.
     */
    public static final class Builder {
        UUID eventId;
        String version = EventRules.VERSION;
        String eventType;
        String eventCategory;
        String eventAction;
        EventOutcome eventOutcome;
        Instant eventTimestamp;
        String correlationId;
        String actorType;
        String actorId;
        String resourceType;
        String resourceId;
        EventData eventData = EventData.EMPTY;
        String actorIp;
        String resourceName;
        UUID parentEventId;
        String namespace;
        String clusterId;
        String severity;
        Long durationMs;
        String errorCode;
        String errorMessage;
        String traceId;
        String spanId;

        Builder() {}

        Builder(AuditEvent e) {
            eventId = e.eventId;
            version = e.version;
            eventType = e.eventType;
            eventCategory = e.eventCategory;
            eventAction = e.eventAction;
            eventOutcome = e.eventOutcome;
            eventTimestamp = e.eventTimestamp;
            correlationId = e.correlationId;
            actorType = e.actorType;
            actorId = e.actorId;
            resourceType = e.resourceType;
            resourceId = e.resourceId;
            eventData = e.eventData;
            actorIp = e.actorIp;
            resourceName = e.resourceName;
            parentEventId = e.parentEventId;
            namespace = e.namespace;
            clusterId = e.clusterId;
            severity = e.severity;
            durationMs = e.durationMs;
            errorCode = e.errorCode;
            errorMessage = e.errorMessage;
            traceId = e.traceId;
            spanId = e.spanId;
        }

        /** Defaults to a new UUIDv7 at {@link #build()}. Set it only to resend an event under its own id. */
        public Builder eventId(UUID eventId) {
            this.eventId = eventId;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /** {@code {service}.{domain}.{action}}, e.g. {@code orchestrator.approval.requested}. */
        public Builder eventType(String eventType) {
            this.eventType = eventType;
            return this;
        }

        public Builder eventCategory(String eventCategory) {
            this.eventCategory = eventCategory;
            return this;
        }

        public Builder eventAction(String eventAction) {
            this.eventAction = eventAction;
            return this;
        }

        public Builder eventOutcome(EventOutcome eventOutcome) {
            this.eventOutcome = eventOutcome;
            return this;
        }

        /** Defaults to the time of {@link #build()}; truncated to microseconds. */
        public Builder eventTimestamp(Instant eventTimestamp) {
            this.eventTimestamp = eventTimestamp;
            return this;
        }

        public Builder correlationId(String correlationId) {
            this.correlationId = correlationId;
            return this;
        }

        public Builder actor(String actorType, String actorId) {
            this.actorType = actorType;
            this.actorId = actorId;
            return this;
        }

        public Builder actorType(String actorType) {
            this.actorType = actorType;
            return this;
        }

        public Builder actorId(String actorId) {
            this.actorId = actorId;
            return this;
        }

        public Builder resource(String resourceType, String resourceId) {
            this.resourceType = resourceType;
            this.resourceId = resourceId;
            return this;
        }

        public Builder resourceType(String resourceType) {
            this.resourceType = resourceType;
            return this;
        }

        public Builder resourceId(String resourceId) {
            this.resourceId = resourceId;
            return this;
        }

        /** Defaults to {@code {}}. */
        public Builder eventData(EventData eventData) {
            this.eventData = eventData;
            return this;
        }

        public Builder eventData(Map<String, ?> eventData) {
            this.eventData = eventData == null ? null : EventData.of(eventData);
            return this;
        }

        public Builder actorIp(String actorIp) {
            this.actorIp = actorIp;
            return this;
        }

        public Builder resourceName(String resourceName) {
            this.resourceName = resourceName;
            return this;
        }

        public Builder parentEventId(UUID parentEventId) {
            this.parentEventId = parentEventId;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder clusterId(String clusterId) {
            this.clusterId = clusterId;
            return this;
        }

        public Builder severity(String severity) {
            this.severity = severity;
            return this;
        }

        public Builder durationMs(Long durationMs) {
            this.durationMs = durationMs;
            return this;
        }

        public Builder errorCode(String errorCode) {
            this.errorCode = errorCode;
            return this;
        }

        public Builder errorMessage(String errorMessage) {
            this.errorMessage = errorMessage;
            return this;
        }

        public Builder traceId(String traceId) {
            this.traceId = traceId;
            return this;
        }

        public Builder spanId(String spanId) {
            this.spanId = spanId;
            return this;
        }

        /** Every rule the current fields break, checked against {@code limits}; empty when valid. */
        public List<FieldViolation> violations(ValidationLimits limits) {
            EventRules.Found found = new EventRules.Found();
            EventRules.checkEvent(this, limits, found);
            return found.list();
        }

        /**
         * Checks every rule against {@link ValidationLimits#DEFAULTS} and builds the event.
         *
         * @throws AuditEventValidationException listing every broken rule
         */
        public AuditEvent build() {
            return build(ValidationLimits.DEFAULTS);
        }

        /** As {@link #build()}, against the given limits (DataStorage's configured ones). */
        public AuditEvent build(ValidationLimits limits) {
            Instant timestamp = eventTimestamp != null ? eventTimestamp : Instant.now();
            EventRules.Found violations = new EventRules.Found();
            Instant given = eventTimestamp;
            eventTimestamp = timestamp;
            try {
                EventRules.checkEvent(this, limits, violations);
            } finally {
                eventTimestamp = given;
            }
            if (!violations.isEmpty()) {
                throw new AuditEventValidationException(violations.list());
            }
            UUID id = eventId != null ? eventId : UuidV7.next();
            return new AuditEvent(
                    id,
                    version,
                    eventType,
                    eventCategory,
                    eventAction,
                    eventOutcome,
                    timestamp.truncatedTo(ChronoUnit.MICROS),
                    correlationId,
                    actorType,
                    actorId,
                    resourceType,
                    resourceId,
                    eventData,
                    actorIp,
                    resourceName,
                    parentEventId,
                    namespace,
                    clusterId,
                    severity,
                    durationMs,
                    errorCode,
                    errorMessage,
                    traceId,
                    spanId,
                    null,
                    null,
                    null);
        }
    }
}

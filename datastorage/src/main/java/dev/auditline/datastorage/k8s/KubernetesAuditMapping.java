package dev.auditline.datastorage.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventData;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.EventRules;
import dev.auditline.api.FieldViolation;
import dev.auditline.api.ValidationLimits;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Maps one item of kube-apiserver's audit webhook ({@code audit.k8s.io/v1 Event}) to an auditline
 * event, and says why when it cannot. Pure: no I/O, the clock is a parameter. The mapping is
 * documented as a table in {@code docs/kubernetes.md}; keep the two in step.
 *
 * <p>The outcome of one item is never an exception: a malformed item becomes {@link Malformed}
 * so that the route can keep it for inspection and still store the rest of the batch (the API
 * server would otherwise resend the whole batch).
 */
public final class KubernetesAuditMapping {
    /**
     * The namespace of the version-5 event ids: {@code event_id = v5(this, cluster + "/" + auditID
     * + "/" + stage)}. Fixed for ever; changing it would make every resend a new event.
     */
    public static final UUID EVENT_ID_NAMESPACE = UUID.fromString("4b8e4c1e-2f6a-5c43-9a0e-6f1d7c2b9a51");

    public static final String STAGE_REQUEST_RECEIVED = "RequestReceived";
    public static final String STAGE_RESPONSE_STARTED = "ResponseStarted";
    public static final String STAGE_RESPONSE_COMPLETE = "ResponseComplete";
    public static final String STAGE_PANIC = "Panic";
    /** Every stage of {@code audit.k8s.io/v1}. */
    public static final Set<String> STAGES =
            Set.of(STAGE_REQUEST_RECEIVED, STAGE_RESPONSE_STARTED, STAGE_RESPONSE_COMPLETE, STAGE_PANIC);
    /** The stages stored by default: one event per request (its answer, or its panic). */
    public static final Set<String> DEFAULT_STORED_STAGES = Set.of(STAGE_RESPONSE_COMPLETE, STAGE_PANIC);

    /** {@code {cluster}}: 1 to 63 of {@code [a-z0-9.-]}, starting and ending with a letter or digit. */
    public static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");

    static final String EVENT_CATEGORY = "kubernetes";
    static final String NON_RESOURCE = "nonresource";
    static final String COLLECTION = "*";
    private static final int MAX_EVENT_TYPE = 100;
    private static final int MAX_VERB_IN_TYPE = 30;
    private static final int MAX_ACTION = 50;
    private static final int MAX_RESOURCE_TYPE = 100;
    private static final int MAX_ID = 255;
    private static final int MAX_ERROR_CODE = 100;
    private static final int MAX_ERROR_MESSAGE = 4096;
    private static final Pattern NOT_TYPE_CHAR = Pattern.compile("[^a-z0-9_-]");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final ObjectMapper KUBE = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // a number or boolean where the schema has a string is a malformed item, not text
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private final Set<String> storedStages;
    private final ValidationLimits limits;

    /**
     * @param storedStages the stages that become events; the others are counted as skipped
     * @param limits DataStorage's validation limits (event_data size, timestamp window)
     */
    public KubernetesAuditMapping(Set<String> storedStages, ValidationLimits limits) {
        this.storedStages = Set.copyOf(storedStages);
        this.limits = Objects.requireNonNull(limits, "limits");
        for (String s : storedStages) {
            if (!STAGES.contains(s)) {
                throw new IllegalArgumentException("stored stage must be one of " + STAGES + " (got \"" + s + "\")");
            }
        }
    }

    /** What became of one item. */
    public sealed interface Result permits Stored, Skipped, Malformed {}

    /** A valid event, ready for the repository. */
    public record Stored(AuditEvent event) implements Result {}

    /** A well-formed item of a stage that is not stored. */
    public record Skipped(String stage) implements Result {}

    /**
     * An item that cannot be stored.
     *
     * @param auditId the item's {@code auditID} when it has a readable one, else {@code null}
     * @param field the Kubernetes field at fault, relative to the item ({@code stageTimestamp})
     */
    public record Malformed(String auditId, String field, String detail) implements Result {}

    /** The event id of an audit event: the same for every resend of the same stage of a request. */
    public static UUID eventId(String cluster, String auditId, String stage) {
        // the separator cannot occur in a cluster name nor in a stage, so the name is unambiguous
        return NameBasedUuid.v5(EVENT_ID_NAMESPACE, cluster + "/" + auditId + "/" + stage);
    }

    /**
     * Maps {@code item} sent for {@code cluster} (already checked against {@link #CLUSTER}),
     * checking the timestamp window against {@code now}.
     */
    public Result map(String cluster, JsonNode item, Instant now) {
        if (item == null || !item.isObject()) {
            return new Malformed(null, "", "must be a JSON object (an audit.k8s.io/v1 Event)");
        }
        String rawAuditId =
                item.path("auditID").isTextual() ? item.get("auditID").textValue() : null;
        KubeAuditEvent e;
        try {
            e = KUBE.treeToValue(item, KubeAuditEvent.class);
        } catch (JsonMappingException ex) {
            return new Malformed(rawAuditId, path(ex), "has the wrong JSON type: " + cut(ex.getOriginalMessage(), 300));
        } catch (JsonProcessingException ex) {
            return new Malformed(rawAuditId, "", "cannot be read: " + ex.getOriginalMessage());
        }
        if (blank(e.auditID())) {
            return new Malformed(null, "auditID", "is required");
        }
        if (blank(e.stage()) || !STAGES.contains(e.stage())) {
            return new Malformed(e.auditID(), "stage", "must be one of " + STAGES + " (got " + quote(e.stage()) + ")");
        }
        if (!storedStages.contains(e.stage())) {
            return new Skipped(e.stage());
        }
        if (blank(e.verb())) {
            return new Malformed(e.auditID(), "verb", "is required");
        }
        if (e.user() == null || blank(e.user().username())) {
            return new Malformed(e.auditID(), "user.username", "is required");
        }
        Instant stageTime = timestamp(e.stageTimestamp());
        if (stageTime == null) {
            return new Malformed(
                    e.auditID(),
                    "stageTimestamp",
                    "must be an RFC 3339 timestamp (got " + quote(e.stageTimestamp()) + ")");
        }
        Instant received = timestamp(e.requestReceivedTimestamp());
        if (e.requestReceivedTimestamp() != null && received == null) {
            return new Malformed(
                    e.auditID(),
                    "requestReceivedTimestamp",
                    "must be an RFC 3339 timestamp (got " + quote(e.requestReceivedTimestamp()) + ")");
        }

        AuditEvent.Builder b = AuditEvent.builder()
                .eventId(eventId(cluster, e.auditID(), e.stage()))
                .eventType(eventType(e))
                .eventCategory(EVENT_CATEGORY)
                .eventAction(cut(e.verb().toLowerCase(Locale.ROOT), MAX_ACTION))
                .eventOutcome(outcome(e))
                .eventTimestamp(stageTime)
                .correlationId(e.auditID())
                .actor(actorType(e.user().username()), fit(e.user().username()))
                .resource(resourceType(e), resourceId(e))
                .clusterId(cluster)
                .actorIp(actorIp(e.sourceIPs()));
        KubeAuditEvent.ObjectRef ref = e.objectRef();
        if (ref != null && !blank(ref.namespace())) {
            b.namespace(ref.namespace());
        }
        if (ref != null && !blank(ref.name())) {
            b.resourceName(fit(ref.name()));
        }
        if (received != null && !stageTime.isBefore(received)) {
            b.durationMs(Duration.between(received, stageTime).toMillis());
        }
        if (outcome(e) == EventOutcome.FAILURE) {
            b.errorCode(errorCode(e));
            KubeAuditEvent.ResponseStatus status = e.responseStatus();
            if (status != null && !blank(status.message())) {
                b.errorMessage(cut(status.message(), MAX_ERROR_MESSAGE));
            }
        }

        ObjectNode data = EventDataBuilder.base(item);
        EventDataBuilder.addObjects(data, item, limits);
        b.eventData(EventData.of(data));
        List<FieldViolation> problems = violations(b, stageTime, now);
        if (problems.stream().anyMatch(v -> v.field().startsWith("event_data"))) {
            // something inside the request or response object (a NUL character, an unpaired
            // surrogate) breaks the event_data rules: keep the event, mark the objects instead
            ObjectNode plain = EventDataBuilder.base(item);
            EventDataBuilder.markObjects(plain, item, "content");
            b.eventData(EventData.of(plain));
            problems = violations(b, stageTime, now);
        }
        if (!problems.isEmpty()) {
            FieldViolation first = problems.get(0);
            return new Malformed(e.auditID(), kubeField(first.field()), first.field() + " " + first.detail());
        }
        return new Stored(b.build(limits));
    }

    private List<FieldViolation> violations(AuditEvent.Builder b, Instant timestamp, Instant now) {
        List<FieldViolation> out = new ArrayList<>(b.violations(limits));
        EventRules.checkTimestampWindow(timestamp, now, limits, out);
        return out;
    }

    /**
     * {@code k8s.<resource>[.<subresource>].<verb>}, or {@code k8s.nonresource.<verb>}: lowercased,
     * every character outside {@code [a-z0-9_-]} replaced by {@code _}, the resource part cut so
     * the whole stays within 100 characters.
     */
    static String eventType(KubeAuditEvent e) {
        String verb = cut(sanitize(e.verb()), MAX_VERB_IN_TYPE);
        String middle;
        KubeAuditEvent.ObjectRef ref = e.objectRef();
        if (ref == null || blank(ref.resource())) {
            middle = NON_RESOURCE;
        } else {
            middle = sanitize(ref.resource()) + (blank(ref.subresource()) ? "" : "." + sanitize(ref.subresource()));
        }
        int room = MAX_EVENT_TYPE - "k8s.".length() - 1 - verb.length();
        String cutMiddle = cut(middle, room);
        if (cutMiddle.endsWith(".")) {
            // cut right after the resource: an empty part would break the event_type rule
            cutMiddle = cutMiddle.substring(0, cutMiddle.length() - 1);
        }
        return "k8s." + cutMiddle + "." + verb;
    }

    private static String sanitize(String s) {
        String lower = NOT_TYPE_CHAR.matcher(s.toLowerCase(Locale.ROOT)).replaceAll("_");
        return lower.isEmpty() ? "_" : lower;
    }

    /** {@code service_account}, {@code node} or {@code user}, from the form of the user name. */
    static String actorType(String username) {
        if (username.startsWith("system:serviceaccount:")) {
            return "service_account";
        }
        if (username.startsWith("system:node:")) {
            return "node";
        }
        return "user";
    }

    /**
     * {@code resource} for the core group, {@code resource.group} otherwise (as {@code kubectl get
     * deployments.apps} spells it), {@code /subresource} appended; {@code nonresource} for requests
     * without an object reference ({@code /healthz}, {@code /version}).
     */
    static String resourceType(KubeAuditEvent e) {
        KubeAuditEvent.ObjectRef ref = e.objectRef();
        if (ref == null || blank(ref.resource())) {
            return NON_RESOURCE;
        }
        String type = ref.resource() + (blank(ref.apiGroup()) ? "" : "." + ref.apiGroup());
        if (!blank(ref.subresource())) {
            type += "/" + ref.subresource();
        }
        return cut(type, MAX_RESOURCE_TYPE);
    }

    /**
     * {@code namespace/name}, or {@code name} for cluster-scoped objects; a request without a name
     * (list, watch, create before the name is generated, deletecollection) addresses the
     * collection: {@code namespace/*}, or {@code *} cluster-wide. Non-resource requests use the
     * request path without its query.
     */
    static String resourceId(KubeAuditEvent e) {
        KubeAuditEvent.ObjectRef ref = e.objectRef();
        if (ref == null || blank(ref.resource())) {
            String uri = blank(e.requestURI()) ? "/" : e.requestURI();
            int q = uri.indexOf('?');
            return fit(q >= 0 ? uri.substring(0, q) : uri);
        }
        String name = blank(ref.name()) ? COLLECTION : ref.name();
        return fit(blank(ref.namespace()) ? name : ref.namespace() + "/" + name);
    }

    /**
     * {@code failure} for a panic or a status code of 400 and above, {@code success} below 400,
     * {@code pending} while no status code is known ({@code RequestReceived}).
     */
    static EventOutcome outcome(KubeAuditEvent e) {
        if (STAGE_PANIC.equals(e.stage())) {
            return EventOutcome.FAILURE;
        }
        Integer code = e.responseStatus() == null ? null : e.responseStatus().code();
        if (code == null) {
            return EventOutcome.PENDING;
        }
        return code < 400 ? EventOutcome.SUCCESS : EventOutcome.FAILURE;
    }

    /** The status {@code reason} ({@code Forbidden}, {@code NotFound}), else the code, else {@code Panic}. */
    static String errorCode(KubeAuditEvent e) {
        KubeAuditEvent.ResponseStatus s = e.responseStatus();
        if (s != null && !blank(s.reason())) {
            return cut(s.reason(), MAX_ERROR_CODE);
        }
        if (s != null && s.code() != null) {
            return Integer.toString(s.code());
        }
        return STAGE_PANIC;
    }

    /**
     * The last entry of {@code sourceIPs}: the address that connected to the API server. The
     * earlier entries come from {@code X-Forwarded-For} and {@code X-Real-Ip}, which any client
     * can set. {@code null} (no actor_ip) when it is not an IP address literal.
     */
    static String actorIp(List<String> sourceIps) {
        if (sourceIps == null || sourceIps.isEmpty()) {
            return null;
        }
        String last = sourceIps.get(sourceIps.size() - 1);
        if (last == null) {
            return null;
        }
        return IPV4.matcher(last).matches() || (IPV6.matcher(last).matches() && isIpv6(last)) ? last : null;
    }

    private static boolean isIpv6(String text) {
        try {
            // only hex digits, colons and dots reach this point, so no name is ever resolved
            return java.net.InetAddress.getByName(text) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * An identifier within 255 characters: longer ones keep their first 190 characters, then
     * {@code ~} and the SHA-256 (hex) of the whole, so two long names never share an id.
     */
    static String fit(String id) {
        if (id.length() <= MAX_ID) {
            return id;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return cut(id, MAX_ID - 65) + "~" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /** The first {@code max} characters, never splitting a surrogate pair. */
    static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }

    private static Instant timestamp(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The Kubernetes field an event-model rule was broken by, for the quarantine entry. */
    private static String kubeField(String field) {
        return switch (field) {
            case "event_timestamp" -> "stageTimestamp";
            case "correlation_id" -> "auditID";
            case "actor_id", "actor_type" -> "user.username";
            case "event_action", "event_type" -> "verb";
            case "namespace" -> "objectRef.namespace";
            case "resource_name", "resource_id" -> "objectRef.name";
            case "resource_type" -> "objectRef.resource";
            case "error_code", "error_message" -> "responseStatus";
            default -> field;
        };
    }

    private static String path(JsonMappingException ex) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : ex.getPath()) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String quote(String s) {
        if (s == null) {
            return "nothing";
        }
        return "\"" + cut(s, 60).replace("\u0000", "\\u0000") + "\"";
    }
}

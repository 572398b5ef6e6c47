package dev.auditline.spring;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.UuidV7;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Maps an Actuator audit event ({@code AUTHENTICATION_SUCCESS}, {@code AUTHENTICATION_FAILURE},
 * {@code AUTHORIZATION_FAILURE}, or any type an application publishes) to an audit trail event:
 *
 * <ul>
 *   <li>{@code event_type} {@code {service}.security.{type in lower case}}, {@code event_category}
 *       {@code security}, {@code event_action} the type in lower case;
 *   <li>{@code event_outcome} {@code failure} when the type names a failure or a denial, else
 *       {@code success};
 *   <li>{@code actor} {@code user}/the principal ({@code anonymous} when blank); {@code resource}
 *       {@code service}/{@code service_name}; {@code correlation_id} the event's own id (an
 *       authentication is a flow of one event; its request is linked by {@code trace_id});
 *   <li>{@code event_data} the Actuator data, values that are not strings, numbers or booleans as
 *       their {@code toString()} (e.g. Spring Security's {@code WebAuthenticationDetails}).
 * </ul>
 *
 * Every value is cut to its field's limit and every name reduced to the allowed characters, so a
 * hostile user name can never make an event invalid (and the login path never fails on auditing).
 */
final class ActuatorAuditEvents {
    static final String CATEGORY = "security";

    private ActuatorAuditEvents() {}

    static AuditEvent toTrailEvent(org.springframework.boot.actuate.audit.AuditEvent source, String serviceName) {
        String action = actionOf(source.getType());
        String principal =
                source.getPrincipal() == null || source.getPrincipal().isBlank() ? "anonymous" : source.getPrincipal();
        Map<String, Object> data = new TreeMap<>();
        source.getData().forEach((key, value) -> {
            if (key != null && value != null) {
                data.put(
                        key,
                        value instanceof String || value instanceof Number || value instanceof Boolean
                                ? value
                                : value.toString());
            }
        });
        UUID id = UuidV7.next();
        return AuditEvent.builder()
                .eventId(id)
                .correlationId(id.toString())
                .eventType(eventTypeOf(serviceName, source.getType()))
                .eventCategory(CATEGORY)
                .eventAction(action)
                .eventOutcome(outcomeOf(source.getType()))
                .eventTimestamp(source.getTimestamp())
                .actor("user", cut(principal, 255))
                .resource("service", cut(serviceName, 255))
                .eventData(data)
                .build();
    }

    static String eventTypeOf(String serviceName, String actuatorType) {
        return cut(name(serviceName) + "." + CATEGORY + "." + actionOf(actuatorType), 100);
    }

    static String actionOf(String actuatorType) {
        return cut(name(actuatorType), 50);
    }

    static EventOutcome outcomeOf(String actuatorType) {
        String t = actuatorType == null ? "" : actuatorType.toUpperCase(Locale.ROOT);
        return t.contains("FAILURE") || t.contains("DENIED") ? EventOutcome.FAILURE : EventOutcome.SUCCESS;
    }

    /** Lower case, every character outside {@code [a-z0-9_-]} as {@code _}; never empty. */
    private static String name(String text) {
        String lower = text == null ? "" : text.toLowerCase(Locale.ROOT);
        String cleaned = lower.replaceAll("[^a-z0-9_-]", "_");
        return cleaned.isEmpty() ? "unknown" : cleaned;
    }

    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end);
    }
}

package dev.auditline.datastorage.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One item of an {@code audit.k8s.io/v1} {@code EventList}, the fields the mapping reads, named as
 * kube-apiserver writes them. Fields this record does not name are ignored here and kept anyway:
 * the mapping copies the raw {@code user}, {@code objectRef}, {@code responseStatus} and {@code
 * annotations} objects into {@code event_data}, so a field added by a later Kubernetes release is
 * not lost.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record KubeAuditEvent(
        String level,
        String auditID,
        String stage,
        String requestURI,
        String verb,
        User user,
        User impersonatedUser,
        List<String> sourceIPs,
        String userAgent,
        ObjectRef objectRef,
        ResponseStatus responseStatus,
        JsonNode requestObject,
        JsonNode responseObject,
        String requestReceivedTimestamp,
        String stageTimestamp,
        JsonNode annotations) {

    /** {@code authentication.k8s.io/v1 UserInfo}; {@code extra} is kept raw in event_data. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record User(String username, String uid, List<String> groups) {}

    /** {@code audit.k8s.io/v1 ObjectReference}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ObjectRef(
            String resource,
            String namespace,
            String name,
            String uid,
            String apiGroup,
            String apiVersion,
            String resourceVersion,
            String subresource) {}

    /** The {@code meta/v1 Status} of the answer (present from {@code ResponseStarted} on). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ResponseStatus(Integer code, String status, String reason, String message) {}
}

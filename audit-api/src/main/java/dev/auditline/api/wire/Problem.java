package dev.auditline.api.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 7807 problem detail ({@code application/problem+json}): {@code type}, {@code title},
 * {@code status}, {@code detail}, {@code instance}, plus extension members at the top level (for
 * example {@code field} and {@code limit}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        String instance,
        @JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        extensions = extensions == null ? new LinkedHashMap<>() : new LinkedHashMap<>(extensions);
    }

    public Problem(String type, String title, int status, String detail, String instance) {
        this(type, title, status, detail, instance, null);
    }

    /** A copy with one more extension member. */
    public Problem with(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(extensions);
        copy.put(name, value);
        return new Problem(type, title, status, detail, instance, copy);
    }

    @JsonAnyGetter
    Map<String, Object> extensionMembers() {
        return extensions;
    }

    @JsonAnySetter
    void putExtension(String name, Object value) {
        extensions.put(name, value);
    }
}

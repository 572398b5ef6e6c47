package dev.auditline.datastorage.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.auditline.api.json.AuditJson;
import io.javalin.http.Context;

/** Writes 2xx bodies with the wire format's mapper (snake_case, microsecond UTC timestamps). */
final class Json {
    static final String MEDIA_TYPE = "application/json";

    private Json() {}

    static void write(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType(MEDIA_TYPE).result(AuditJson.mapper().writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialize a " + body.getClass().getSimpleName(), e);
        }
    }
}

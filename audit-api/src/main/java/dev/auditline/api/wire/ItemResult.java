package dev.auditline.api.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.auditline.api.FieldViolation;
import java.util.UUID;

/**
 * The result for one event of a batch, by its position in the request.
 *
 * @param index zero-based position in the request's {@code events}
 * @param eventId the event's id when it had a readable one
 * @param status what happened to it
 * @param error the first broken rule, for {@code rejected} items
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ItemResult(int index, UUID eventId, ItemStatus status, FieldViolation error) {}

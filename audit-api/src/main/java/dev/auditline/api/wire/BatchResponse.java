package dev.auditline.api.wire;

import java.util.List;

/**
 * Body of a {@code 200} (stored) or {@code 202} (fsynced to the server's fallback spool) answer to
 * a batch.
 *
 * <p>{@code results} lists only the items that were <em>not</em> created, that is duplicates,
 * rejections and conflicts, in request order; every index not listed was created. This keeps the
 * answer to a healthy 1000-event batch a few bytes long.
 *
 * @param conflicts items whose {@code event_id} is already stored with other content
 */
public record BatchResponse(int created, int duplicates, int rejected, int conflicts, List<ItemResult> results) {
    public BatchResponse {
        results = results == null ? List.of() : List.copyOf(results);
    }

    /** A response without conflicts. */
    public BatchResponse(int created, int duplicates, int rejected, List<ItemResult> results) {
        this(created, duplicates, rejected, 0, results);
    }
}

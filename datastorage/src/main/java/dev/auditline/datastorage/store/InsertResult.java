package dev.auditline.datastorage.store;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * What one {@link EventRepository#insertBatch} did. An event of the batch that was neither
 * created nor a conflict was a duplicate: its id already stored (or first sent in the same batch)
 * with the same client content.
 *
 * @param created the ids of the batch that were stored now (by their first copy in the batch)
 * @param conflicts the positions in the batch of events whose id was already stored, or sent
 *     earlier in the batch, with other client content: not stored, the first event keeps the id
 * @param ingestedAt the server clock at commit, stored with each created event
 */
public record InsertResult(Set<UUID> created, Set<Integer> conflicts, Instant ingestedAt) {
    public InsertResult {
        created = Set.copyOf(created);
        conflicts = Set.copyOf(conflicts);
    }

    /** A result without conflicts. */
    public InsertResult(Set<UUID> created, Instant ingestedAt) {
        this(created, Set.of(), ingestedAt);
    }
}

package dev.auditline.datastorage.store;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * @param created the ids of the batch that were stored now; every other id was a duplicate
 * @param ingestedAt the server clock at commit, stored with each created event
 */
public record InsertResult(Set<UUID> created, Instant ingestedAt) {
    public InsertResult {
        created = Set.copyOf(created);
    }
}

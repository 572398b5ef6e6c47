package dev.auditline.datastorage.store;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Which events of a batch to store, given the leaves the log already holds for the batch's ids: the
 * one policy both stores use to keep each event id unique across the whole store.
 *
 * <ul>
 *   <li>an id the log holds: a duplicate when the client content is the same (same {@link
 *       LeafEncoding#contentDigest}), a conflict otherwise; never stored again;
 *   <li>an id repeated within the batch that the log does not hold: the first copy is stored; a
 *       later copy with the same content is a duplicate, with other content a conflict;
 *   <li>every other event is stored, in batch order.
 * </ul>
 *
 * Content digests are computed only for ids seen before, so a batch of new events costs nothing
 * here.
 */
final class BatchPlan {
    private final List<AuditEvent> toInsert;
    private final Set<Integer> conflicts;

    private BatchPlan(List<AuditEvent> toInsert, Set<Integer> conflicts) {
        this.toInsert = toInsert;
        this.conflicts = conflicts;
    }

    /** @param storedLeaves the log's leaf for each id of the batch it holds */
    static BatchPlan of(List<AuditEvent> events, Map<UUID, byte[]> storedLeaves) {
        List<AuditEvent> toInsert = new ArrayList<>(events.size());
        Set<Integer> conflicts = new HashSet<>();
        Map<UUID, AuditEvent> firstCopies = new HashMap<>();
        Map<UUID, byte[]> storedDigests = new HashMap<>();
        for (int position = 0; position < events.size(); position++) {
            AuditEvent e = events.get(position);
            UUID id = e.eventId();
            byte[] stored = storedLeaves.get(id);
            byte[] reference;
            if (stored != null) {
                reference = storedDigests.computeIfAbsent(id, k -> LeafEncoding.contentDigestOf(stored));
            } else {
                AuditEvent first = firstCopies.putIfAbsent(id, e);
                if (first == null) {
                    toInsert.add(e);
                    continue;
                }
                reference = LeafEncoding.contentDigest(first);
            }
            if (!Arrays.equals(reference, LeafEncoding.contentDigest(e))) {
                conflicts.add(position);
            }
        }
        return new BatchPlan(toInsert, conflicts);
    }

    /** The events to store now: first copies of ids the log does not hold, in batch order. */
    List<AuditEvent> toInsert() {
        return toInsert;
    }

    /** Positions in the batch of events sent with other content than the stored (or first) copy. */
    Set<Integer> conflicts() {
        return conflicts;
    }

    /** The distinct ids of a batch. */
    static List<UUID> distinctIds(List<AuditEvent> events) {
        Set<UUID> ids = new java.util.LinkedHashSet<>();
        for (AuditEvent e : events) {
            ids.add(e.eventId());
        }
        return new ArrayList<>(ids);
    }
}

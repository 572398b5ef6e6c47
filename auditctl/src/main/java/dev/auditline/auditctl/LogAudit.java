package dev.auditline.auditctl;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.log.LeafEncoding;
import dev.auditline.api.merkle.Checkpoint;
import dev.auditline.api.merkle.CompactRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The judgement of {@code auditctl verify}, free of I/O: fed every log index in order (what {@code
 * audit_log} holds, the leaf hash the signed tree was built over, the event the API serves), it
 * rebuilds the tree's root and sorts each entry into exactly one of verified, pruned, pending,
 * tampered or missing; events the API serves that the log never saw are inserted.
 *
 * <p>What it trusts: the signed checkpoint, and the tree's leaf hashes only once they reproduce
 * its root (then no one could have changed them without breaking SHA-256). What it never trusts:
 * the events and {@code audit_log} rows, which it recomputes and compares.
 */
final class LogAudit {
    /** Findings listed one per line at most; the counts stay exact. */
    static final int MAX_LISTED = 1000;

    private final Checkpoint checkpoint;
    private final Set<String> prunedMonths;
    private final Set<UUID> servedEvents;
    private final CompactRange tree = new CompactRange();
    private final List<Finding> findings = new ArrayList<>();
    private long verified;
    private long pruned;
    private long pending;
    private long tampered;
    private long missing;
    private long next;
    private boolean treeIncomplete;

    /**
     * @param prunedMonths months ({@code YYYY-MM}) a signed retention record says were removed
     * @param servedEvents ids of every event the query API served, walked BEFORE the log: an
     *     event stored then is in the log too, so whatever the log walk does not claim was inserted
     */
    LogAudit(Checkpoint checkpoint, Set<String> prunedMonths, Set<UUID> servedEvents) {
        this.checkpoint = checkpoint;
        this.prunedMonths = Set.copyOf(prunedMonths);
        this.servedEvents = new HashSet<>(servedEvents);
    }

    /** One log index as stored; {@code null} parts are absent. */
    record Row(long logIndex, String eventId, String eventDate, byte[] leaf, byte[] leafHash, byte[] treeLeafHash) {}

    enum Kind {
        TAMPERED,
        MISSING,
        INSERTED
    }

    /** A problem found, with the event and (for an edit) the fields that differ. */
    record Finding(Kind kind, Long logIndex, String eventId, String detail) {
        String line() {
            return kind + (logIndex == null ? "" : " log_index=" + logIndex)
                    + (eventId == null ? "" : " event_id=" + eventId) + ": " + detail;
        }
    }

    /**
     * The next log index, in order from 0 without gaps ({@code row} is {@code null} when nothing
     * is stored for it, {@code event} when the API served no event for it).
     */
    void accept(long logIndex, Row row, AuditEvent event) {
        if (logIndex != next) {
            throw new IllegalArgumentException(
                    "log indexes must come in order (expected " + next + ", got " + logIndex + ")");
        }
        next++;
        String eventId = event != null ? event.eventId().toString() : row == null ? null : row.eventId();
        if (event != null) {
            servedEvents.remove(event.eventId());
        }
        if (row != null && row.eventId() != null) {
            servedEvents.remove(UUID.fromString(row.eventId()));
        }
        boolean signed = logIndex < checkpoint.treeSize();
        byte[] trusted = null;
        if (signed) {
            if (row == null || row.treeLeafHash() == null) {
                treeIncomplete = true;
            } else {
                trusted = row.treeLeafHash();
                tree.append(trusted);
            }
        }
        if (event == null) {
            if (row != null
                    && row.eventDate() != null
                    && prunedMonths.contains(row.eventDate().substring(0, 7))) {
                pruned++;
            } else {
                missing++;
                list(new Finding(
                        Kind.MISSING,
                        logIndex,
                        eventId,
                        row == null || row.eventId() == null
                                ? "the log entry and its event are gone"
                                : "the event is gone (no signed retention record covers " + row.eventDate() + ")"));
            }
            return;
        }
        byte[] expected = signed ? trusted : row == null ? null : row.leafHash();
        byte[] leaf = LeafEncoding.encode(event, loggedVersion(row));
        if (expected != null && matchesInAnyVersion(event, leaf, expected)) {
            if (signed) {
                verified++;
            } else {
                pending++;
            }
            return;
        }
        tampered++;
        list(new Finding(Kind.TAMPERED, logIndex, eventId, describeEdit(row, leaf, expected)));
    }

    /**
     * The encoding version of the logged leaf, which the event's leaf is recomputed in; the current
     * one when the row holds no leaf of a known version. Only a hint: the leaf hash decides.
     */
    private static int loggedVersion(Row row) {
        byte[] logged = row == null ? null : row.leaf();
        return logged != null && logged.length > 0 && LeafEncoding.KNOWN_VERSIONS.contains((int) logged[0])
                ? logged[0]
                : LeafEncoding.VERSION;
    }

    /**
     * Whether the event's leaf in any known version hashes to {@code expected}: a log holds the
     * versions its stores wrote, and a rewritten version byte in the stored leaf must not turn an
     * intact event into a false alarm.
     */
    private static boolean matchesInAnyVersion(AuditEvent event, byte[] leaf, byte[] expected) {
        if (Arrays.equals(LeafEncoding.leafHash(leaf), expected)) {
            return true;
        }
        for (int version : LeafEncoding.KNOWN_VERSIONS) {
            if (version != leaf[0]
                    && Arrays.equals(LeafEncoding.leafHash(LeafEncoding.encode(event, version)), expected)) {
                return true;
            }
        }
        return false;
    }

    /** Names the fields when the stored leaf is the one the tree was built over (or, pending, the stored one). */
    private static String describeEdit(Row row, byte[] recomputed, byte[] expected) {
        if (expected == null) {
            return "no leaf hash was recorded for this log entry";
        }
        if (row != null && row.leaf() != null && Arrays.equals(LeafEncoding.leafHash(row.leaf()), expected)) {
            try {
                List<String> fields = LeafEncoding.differingFields(row.leaf(), recomputed);
                if (!fields.isEmpty()) {
                    return "field " + String.join(", ", fields) + " differs from what was logged";
                }
                // the logged leaf is authentic, yet no fingerprint differs: a change made to keep them
                boolean clientFields = !Arrays.equals(
                        LeafEncoding.contentDigestOf(row.leaf()), LeafEncoding.contentDigestOf(recomputed));
                return "the event differs from what was logged in "
                        + (clientFields ? "a field the client sent" : "ingested_at, ingest_seq or ingested_by")
                        + ", with every field's fingerprint kept (the field cannot be named)";
            } catch (IllegalArgumentException e) {
                return "the logged leaf cannot be read: " + e.getMessage();
            }
        }
        return "the event does not match the logged leaf, and the log entry itself was rewritten or moved"
                + " (the fields cannot be named)";
    }

    private void list(Finding f) {
        if (findings.size() < MAX_LISTED) {
            findings.add(f);
        }
    }

    /** The counts once every index was fed; {@code logSize} is how many indexes were fed. */
    Report finish() {
        List<Finding> all = new ArrayList<>(findings);
        boolean rootMatches =
                !treeIncomplete && next >= checkpoint.treeSize() && Arrays.equals(tree.root(), checkpoint.rootHash());
        for (UUID id : servedEvents) {
            if (all.size() < MAX_LISTED) {
                all.add(new Finding(Kind.INSERTED, null, id.toString(), "served by the API but not in the log"));
            }
        }
        return new Report(
                checkpoint, verified, pruned, pending, tampered, missing, servedEvents.size(), rootMatches, all);
    }

    /** What verify found. {@code rootMatches} says the stored tree reproduces the signed root. */
    record Report(
            Checkpoint checkpoint,
            long verified,
            long pruned,
            long pending,
            long tampered,
            long missing,
            long inserted,
            boolean rootMatches,
            List<Finding> findings) {
        boolean intact() {
            return rootMatches && tampered == 0 && missing == 0 && inserted == 0;
        }
    }
}

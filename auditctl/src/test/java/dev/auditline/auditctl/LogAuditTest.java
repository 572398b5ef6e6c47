package dev.auditline.auditctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.auditline.api.AuditEvent;
import dev.auditline.api.EventOutcome;
import dev.auditline.api.log.LeafEncoding;
import dev.auditline.api.merkle.Checkpoint;
import dev.auditline.api.merkle.CompactRange;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LogAuditTest {
    private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

    private static AuditEvent stored(int i) {
        AuditEvent e = AuditEvent.builder()
                .eventType("orchestrator.approval.requested")
                .eventCategory("orchestration")
                .eventAction("requested")
                .eventOutcome(EventOutcome.PENDING)
                .eventTimestamp(NOW.minus(i, ChronoUnit.MINUTES))
                .correlationId("rr-" + i)
                .actor("service", "orchestrator")
                .resource("remediation_request", "rr-" + i)
                .eventData(Map.of("n", i))
                .build();
        return withActor(e, e.actorId());
    }

    private static AuditEvent withActor(AuditEvent e, String actorId) {
        return new AuditEvent(
                e.eventId(),
                e.version(),
                e.eventType(),
                e.eventCategory(),
                e.eventAction(),
                e.eventOutcome(),
                e.eventTimestamp(),
                e.correlationId(),
                e.actorType(),
                actorId,
                e.resourceType(),
                e.resourceId(),
                e.eventData(),
                e.actorIp(),
                e.resourceName(),
                e.parentEventId(),
                e.namespace(),
                e.clusterId(),
                e.severity(),
                e.durationMs(),
                e.errorCode(),
                e.errorMessage(),
                e.traceId(),
                e.spanId(),
                NOW,
                1L,
                "writer");
    }

    /** A log of n events, all signed by a checkpoint of {@code signed} entries. */
    private static final class Log {
        final List<AuditEvent> events = new ArrayList<>();
        final List<LogAudit.Row> rows = new ArrayList<>();
        Checkpoint checkpoint;

        Log(int n, int signed) {
            this(n, signed, 0);
        }

        /** The first {@code version1} entries with leaves of encoding version 1, as an older store wrote them. */
        Log(int n, int signed, int version1) {
            CompactRange tree = new CompactRange();
            for (int i = 0; i < n; i++) {
                AuditEvent e = stored(i);
                byte[] leaf = LeafEncoding.encode(e, i < version1 ? 1 : LeafEncoding.VERSION);
                byte[] hash = LeafEncoding.leafHash(leaf);
                events.add(e);
                rows.add(new LogAudit.Row(
                        i,
                        e.eventId().toString(),
                        "2026-" + (i < 3 ? "09" : "11") + "-14",
                        leaf,
                        hash,
                        i < signed ? hash : null));
                if (i < signed) {
                    tree.append(hash);
                }
            }
            checkpoint = new Checkpoint("test/log", signed, tree.root());
        }

        /** Signs the tree the rows now hold, as a checkpoint of the same size. */
        void resign() {
            CompactRange tree = new CompactRange();
            for (int i = 0; i < checkpoint.treeSize(); i++) {
                tree.append(rows.get(i).treeLeafHash());
            }
            checkpoint = new Checkpoint("test/log", checkpoint.treeSize(), tree.root());
        }

        Set<UUID> ids() {
            Set<UUID> ids = new HashSet<>();
            events.forEach(e -> {
                if (e != null) ids.add(e.eventId());
            });
            return ids;
        }

        LogAudit.Report audit(Set<String> pruned, Set<UUID> served) {
            LogAudit audit = new LogAudit(checkpoint, pruned, served);
            for (int i = 0; i < rows.size(); i++) {
                audit.accept(i, rows.get(i), events.get(i));
            }
            return audit.finish();
        }
    }

    @Test
    void anUntouchedLogIsIntactWithItsUnsignedTailPending() {
        Log log = new Log(10, 8);
        LogAudit.Report r = log.audit(Set.of(), log.ids());
        assertThat(r.intact()).isTrue();
        assertThat(List.of(r.verified(), r.pending(), r.pruned(), r.tampered(), r.missing(), r.inserted()))
                .containsExactly(8L, 2L, 0L, 0L, 0L, 0L);
        assertThat(r.findings()).isEmpty();
    }

    @Test
    void aLogOfVersion1LeavesThenVersion2LeavesIsIntactAndAnEditIsNamedInEither() {
        Log log = new Log(10, 8, 5);
        assertThat(log.rows.get(4).leaf()).hasSize(865);
        assertThat(log.rows.get(5).leaf()).hasSize(281);
        LogAudit.Report r = log.audit(Set.of(), log.ids());
        assertThat(r.intact()).isTrue();
        assertThat(List.of(r.verified(), r.pending(), r.tampered())).containsExactly(8L, 2L, 0L);

        AuditEvent old = log.events.get(2);
        AuditEvent recent = log.events.get(6);
        log.events.set(2, withActor(old, "mallory"));
        log.events.set(6, withActor(recent, "mallory"));
        r = log.audit(Set.of(), log.ids());
        assertThat(r.tampered()).isEqualTo(2);
        assertThat(r.findings())
                .extracting(LogAudit.Finding::line)
                .containsExactly(
                        "TAMPERED log_index=2 event_id=" + old.eventId()
                                + ": field actor_id differs from what was logged",
                        "TAMPERED log_index=6 event_id=" + recent.eventId()
                                + ": field actor_id differs from what was logged");
    }

    @Test
    void aRewrittenVersionByteInTheStoredLeafRaisesNoFalseAlarm() {
        Log log = new Log(6, 6, 3);
        for (int i : new int[] {1, 4}) {
            LogAudit.Row row = log.rows.get(i);
            byte[] leaf = row.leaf().clone();
            leaf[0] = (byte) (leaf[0] == 1 ? 2 : 1);
            log.rows.set(
                    i, new LogAudit.Row(i, row.eventId(), row.eventDate(), leaf, row.leafHash(), row.treeLeafHash()));
        }
        LogAudit.Report r = log.audit(Set.of(), log.ids());
        assertThat(r.intact()).isTrue();
        assertThat(r.verified()).isEqualTo(6);
    }

    @Test
    void anEditThatKeepsEveryFingerprintIsTamperedWithoutAName() {
        // An attacker who found an actor_id with the original's 8-byte fingerprint (~2^64 work):
        // modelled by logging a leaf that holds the edited event's fingerprints and the original's
        // client hash, i.e. whose client hash alone tells the two apart.
        Log log = new Log(4, 4);
        AuditEvent original = log.events.get(1);
        AuditEvent edited = withActor(original, "mallory");
        byte[] logged = LeafEncoding.encode(edited);
        byte[] originalLeaf = LeafEncoding.encode(original);
        System.arraycopy(originalLeaf, 1 + 27 * 8, logged, 1 + 27 * 8, 32);
        log.events.set(1, edited);
        byte[] hash = LeafEncoding.leafHash(logged);
        log.rows.set(1, new LogAudit.Row(1, original.eventId().toString(), "2026-09-14", logged, hash, hash));
        log.resign();
        LogAudit.Report r = log.audit(Set.of(), log.ids());

        assertThat(r.tampered()).isEqualTo(1);
        assertThat(r.findings())
                .extracting(LogAudit.Finding::line)
                .containsExactly("TAMPERED log_index=1 event_id=" + original.eventId()
                        + ": the event differs from what was logged in a field the client sent, with every field's"
                        + " fingerprint kept (the field cannot be named)");
    }

    @Test
    void anEditedFieldIsNamedWithItsEvent() {
        Log log = new Log(10, 10);
        AuditEvent original = log.events.get(4);
        log.events.set(4, withActor(original, "mallory"));
        LogAudit.Report r = log.audit(Set.of(), log.ids());
        assertThat(r.intact()).isFalse();
        assertThat(r.tampered()).isEqualTo(1);
        assertThat(r.findings())
                .extracting(LogAudit.Finding::line)
                .containsExactly("TAMPERED log_index=4 event_id=" + original.eventId()
                        + ": field actor_id differs from what was logged");
    }

    @Test
    void aSwappedPairOfLogEntriesIsNamedAtBothIndexesAndTheRootStillMatches() {
        Log log = new Log(10, 10);
        // the owner swaps two audit_log rows with their events: each row still matches its event
        LogAudit.Row a = log.rows.get(2);
        LogAudit.Row b = log.rows.get(7);
        log.rows.set(2, new LogAudit.Row(2, b.eventId(), b.eventDate(), b.leaf(), b.leafHash(), a.treeLeafHash()));
        log.rows.set(7, new LogAudit.Row(7, a.eventId(), a.eventDate(), a.leaf(), a.leafHash(), b.treeLeafHash()));
        AuditEvent ea = log.events.get(2);
        log.events.set(2, log.events.get(7));
        log.events.set(7, ea);
        LogAudit.Report r = log.audit(Set.of(), log.ids());
        assertThat(r.rootMatches()).isTrue();
        assertThat(r.tampered()).isEqualTo(2);
        assertThat(r.findings()).extracting(LogAudit.Finding::logIndex).containsExactly(2L, 7L);
    }

    @Test
    void aDeletedEventIsMissingUnlessASignedRetentionRecordCoversItsMonth() {
        Log log = new Log(10, 10);
        UUID gone = log.events.get(1).eventId();
        UUID alsoGone = log.events.get(5).eventId();
        log.events.set(1, null);
        log.events.set(5, null);
        LogAudit.Report r = log.audit(Set.of("2026-09"), log.ids());
        assertThat(r.pruned()).isEqualTo(1);
        assertThat(r.missing()).isEqualTo(1);
        assertThat(r.findings()).extracting(LogAudit.Finding::eventId).containsExactly(alsoGone.toString());
        assertThat(r.findings().get(0).line()).contains("no signed retention record covers 2026-11-14");
        assertThat(gone).isNotNull();
    }

    @Test
    void anEventTheLogNeverSawIsInserted() {
        Log log = new Log(6, 6);
        Set<UUID> served = log.ids();
        UUID extra = UUID.randomUUID();
        served.add(extra);
        LogAudit.Report r = log.audit(Set.of(), served);
        assertThat(r.inserted()).isEqualTo(1);
        assertThat(r.findings())
                .extracting(LogAudit.Finding::line)
                .containsExactly("INSERTED event_id=" + extra + ": served by the API but not in the log");
    }

    @Test
    void aRewrittenTreeNoLongerReproducesTheSignedRoot() {
        Log log = new Log(6, 6);
        LogAudit.Row r3 = log.rows.get(3);
        log.rows.set(3, new LogAudit.Row(3, r3.eventId(), r3.eventDate(), r3.leaf(), r3.leafHash(), new byte[32]));
        LogAudit.Report r = log.audit(Set.of(), log.ids());
        assertThat(r.rootMatches()).isFalse();
        assertThat(r.intact()).isFalse();
    }

    @Test
    void aLogCutBelowTheCheckpointIsNotIntact() {
        Log log = new Log(6, 6);
        LogAudit audit = new LogAudit(log.checkpoint, Set.of(), log.ids());
        for (int i = 0; i < 4; i++) {
            audit.accept(i, log.rows.get(i), log.events.get(i));
        }
        LogAudit.Report r = audit.finish();
        assertThat(r.rootMatches()).isFalse();
        assertThat(r.inserted()).isEqualTo(2);
    }
}

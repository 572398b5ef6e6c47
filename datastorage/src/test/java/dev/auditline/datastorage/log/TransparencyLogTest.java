package dev.auditline.datastorage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.auditline.api.merkle.Checkpoint;
import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.MerkleHash;
import dev.auditline.api.merkle.MerkleProofs;
import dev.auditline.api.merkle.NodeId;
import dev.auditline.api.merkle.SignedNote;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransparencyLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T05:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static void addLeaves(InMemoryTreeStore store, int n) {
        for (int i = 0; i < n; i++) {
            store.leafHashes.add(MerkleHash.leaf(("leaf " + store.leafHashes.size()).getBytes()));
        }
    }

    private static byte[] rootOf(List<byte[]> hashes) {
        CompactRange r = new CompactRange();
        hashes.forEach(r::append);
        return r.root();
    }

    @Test
    void signsACheckpointOfEveryLeafThatVerifiesWithThePublishedKey() {
        InMemoryTreeStore store = new InMemoryTreeStore();
        addLeaves(store, 10_000);
        TransparencyLog log = new TransparencyLog(store, SigningKey.loadOrCreate(dir.resolve("k")), "test/log", CLOCK);

        TransparencyLog.SignedCheckpoint cp = log.publish();

        Checkpoint opened =
                Checkpoint.parse(SignedNote.open(cp.note(), log.keys().get(0)));
        assertThat(opened.treeSize()).isEqualTo(10_000);
        assertThat(opened.rootHash()).isEqualTo(rootOf(store.leafHashes));
        assertThat(opened.origin()).isEqualTo("test/log");
        // leaves + interior nodes, a page of leaves per transaction
        assertThat(store.nodes).hasSize(10_000 + 10_000 - Long.bitCount(10_000));
        assertThat(store.nodeWrites).isEqualTo(3);
    }

    @Test
    void signsOnlyWhenTheTreeGrew() {
        InMemoryTreeStore store = new InMemoryTreeStore();
        addLeaves(store, 3);
        TransparencyLog log = new TransparencyLog(store, SigningKey.loadOrCreate(dir.resolve("k")), "test/log", CLOCK);
        log.publish();
        log.publish();
        assertThat(store.checkpoints).hasSize(1);
        addLeaves(store, 1);
        log.publish();
        assertThat(store.checkpoints)
                .extracting(TreeStore.StoredCheckpoint::treeSize)
                .containsExactly(3L, 4L);
    }

    @Test
    void proofsFromTheStoredTreeVerifyAgainstSignedCheckpoints() {
        InMemoryTreeStore store = new InMemoryTreeStore();
        addLeaves(store, 1000);
        TransparencyLog log = new TransparencyLog(store, SigningKey.loadOrCreate(dir.resolve("k")), "test/log", CLOCK);
        Checkpoint old = log.publish().checkpoint();
        addLeaves(store, 337);
        Checkpoint now = log.publish().checkpoint();

        for (long index : new long[] {0, 1, 511, 999, 1000, 1336}) {
            List<byte[]> proof = log.inclusionProof(index, now.treeSize());
            assertThat(MerkleProofs.verifyInclusion(
                            index, now.treeSize(), store.leafHashes.get((int) index), proof, now.rootHash()))
                    .as("leaf %d", index)
                    .isTrue();
        }
        assertThat(MerkleProofs.verifyConsistency(
                        old.treeSize(),
                        now.treeSize(),
                        old.rootHash(),
                        now.rootHash(),
                        log.consistencyProof(old.treeSize(), now.treeSize())))
                .isTrue();
        assertThatThrownBy(() -> log.inclusionProof(0, 1338))
                .hasMessage("tree_size must be ≤ the latest checkpoint's tree size 1337 (got 1338)");
    }

    @Test
    void aRestartResumesFromTheLastSignedCheckpointWithoutRescanningTheLog() {
        InMemoryTreeStore store = new InMemoryTreeStore();
        addLeaves(store, 5000);
        SigningKey key = SigningKey.loadOrCreate(dir.resolve("k"));
        new TransparencyLog(store, key, "test/log", CLOCK).publish();
        addLeaves(store, 123);
        int writesBefore = store.nodeWrites;

        TransparencyLog restarted = new TransparencyLog(store, key, "test/log", CLOCK);
        Checkpoint cp = restarted.publish().checkpoint();

        assertThat(cp.treeSize()).isEqualTo(5123);
        assertThat(cp.rootHash()).isEqualTo(rootOf(store.leafHashes));
        assertThat(store.nodeWrites - writesBefore).isEqualTo(1); // only the 123 new leaves
    }

    @Test
    void refusesToResumeOverATreeThatNoLongerMatchesItsSignedCheckpoint() {
        InMemoryTreeStore store = new InMemoryTreeStore();
        addLeaves(store, 6);
        SigningKey key = SigningKey.loadOrCreate(dir.resolve("k"));
        new TransparencyLog(store, key, "test/log", CLOCK).publish();
        store.nodes.put(new NodeId(1, 2), new byte[32]);

        addLeaves(store, 1);
        TransparencyLog restarted = new TransparencyLog(store, key, "test/log", CLOCK);

        assertThat(restarted.broken()).isTrue();
        assertThatThrownBy(restarted::publish).hasMessageContaining("does not match its signed checkpoint");
        assertThat(store.checkpoints).hasSize(1);
    }

    @Test
    void theEmbeddedDefaultCreatesItsKeyFileOwnerOnlyAndReadsItBack() throws Exception {
        Path file = dir.resolve("data/log-signing.key");
        SigningKey created = SigningKey.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("-----BEGIN PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----");
        SigningKey read = SigningKey.loadOrCreate(file);
        assertThat(read.noteKey("x")).isEqualTo(created.noteKey("x"));
        assertThat(read.defaultOrigin()).matches("auditline/[0-9a-f]{16}");
    }

    @Test
    void aKeyFileWithoutAKeyPairIsRefusedNamingTheSetting() throws Exception {
        Path file = dir.resolve("bad.key");
        Files.writeString(file, "not a key\n");
        assertThatThrownBy(() -> SigningKey.loadOrCreate(file))
                .hasMessageStartingWith("log.signing_key_file: " + file + " must hold a PEM PRIVATE KEY");
    }

    @Test
    void aRemovedMonthGetsASignedRetentionRecordWithItsEntryCount() {
        InMemoryTreeStore store = new InMemoryTreeStore();
        addLeaves(store, 4);
        SigningKey key = SigningKey.loadOrCreate(dir.resolve("k"));
        TransparencyLog log = new TransparencyLog(store, key, "test/log", CLOCK);
        log.publish();

        log.recordRetention(List.of(java.time.YearMonth.of(2026, 9)));

        assertThat(store.records).hasSize(1);
        TreeStore.RetentionRecord record = store.records.get(0);
        assertThat(record.month()).isEqualTo("2026-09");
        assertThat(SignedNote.open(record.note(), log.keys().get(0)))
                .isEqualTo("test/log\nretention\nmonth 2026-09\nentries 0\ntree_size 4\n");
    }
}

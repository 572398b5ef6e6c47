package dev.auditline.datastorage.log;

import dev.auditline.api.merkle.CompactRange;
import dev.auditline.api.merkle.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link TreeStore} in memory, with {@code audit_log}'s leaf hashes appended by the test. */
final class InMemoryTreeStore implements TreeStore {
    final List<byte[]> leafHashes = new CopyOnWriteArrayList<>();
    final Map<NodeId, byte[]> nodes = new ConcurrentHashMap<>();
    final List<StoredCheckpoint> checkpoints = new CopyOnWriteArrayList<>();
    final List<RetentionRecord> records = new CopyOnWriteArrayList<>();
    int nodeWrites;

    @Override
    public List<byte[]> leafHashes(long from, int max) {
        int end = (int) Math.min(leafHashes.size(), from + max);
        return from >= end ? List.of() : new ArrayList<>(leafHashes.subList((int) from, end));
    }

    @Override
    public Map<NodeId, byte[]> nodes(Collection<NodeId> ids) {
        Map<NodeId, byte[]> out = new HashMap<>();
        for (NodeId id : ids) {
            if (nodes.containsKey(id)) {
                out.put(id, nodes.get(id));
            }
        }
        return out;
    }

    @Override
    public synchronized void addNodes(List<CompactRange.Node> added) {
        nodeWrites++;
        for (CompactRange.Node n : added) {
            nodes.putIfAbsent(n.id(), n.hash());
        }
    }

    @Override
    public void addCheckpoint(StoredCheckpoint checkpoint) {
        checkpoints.add(checkpoint);
    }

    @Override
    public Optional<StoredCheckpoint> latestCheckpoint() {
        return checkpoints.stream().max(Comparator.comparingLong(StoredCheckpoint::treeSize));
    }

    @Override
    public void addRetentionRecord(RetentionRecord record) {
        records.add(record);
    }

    @Override
    public List<RetentionRecord> retentionRecords() {
        return List.copyOf(records);
    }

    @Override
    public Map<String, Long> entriesPerMonth(Collection<String> months) {
        Map<String, Long> out = new TreeMap<>();
        months.forEach(m -> out.put(m, 0L));
        return out;
    }

    @Override
    public java.util.OptionalLong logIndexOf(java.util.UUID eventId) {
        return java.util.OptionalLong.empty();
    }

    @Override
    public List<LogLeafRow> leaves(long from, int max) {
        return List.of();
    }

    @Override
    public void close() {}
}

package dev.auditline.datastorage.config;

import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code kubernetes} section: the Kubernetes audit webhook ({@code POST /api/v1/k8s/{cluster}/audit}).
 *
 * @param storedStages the audit stages stored as events; the others are answered and counted as skipped
 * @param quarantineFile where items that cannot be mapped are kept for inspection (created on first use)
 * @param quarantineMaxBytes bound of that file; items past it are only counted and logged
 */
public record KubernetesConfig(Set<String> storedStages, Path quarantineFile, long quarantineMaxBytes) {
    /** Default {@code kubernetes.quarantine.file}, beside the default SQLite database. */
    public static final Path DEFAULT_QUARANTINE_FILE = Path.of("./data/k8s-quarantine.jsonl");
    /** Default {@code kubernetes.quarantine.max_bytes}: {@value} (64 MiB). */
    public static final long DEFAULT_QUARANTINE_MAX_BYTES = 64L * 1024 * 1024;

    public static final KubernetesConfig DEFAULT = new KubernetesConfig(
            KubernetesAuditMapping.DEFAULT_STORED_STAGES, DEFAULT_QUARANTINE_FILE, DEFAULT_QUARANTINE_MAX_BYTES);

    public KubernetesConfig {
        storedStages = Set.copyOf(storedStages);
        Objects.requireNonNull(quarantineFile, "quarantineFile");
        for (String s : storedStages) {
            if (!KubernetesAuditMapping.STAGES.contains(s)) {
                throw new IllegalArgumentException("kubernetes.stored_stages: unknown stage \"" + s + "\"");
            }
        }
        if (quarantineMaxBytes < 1) {
            throw new IllegalArgumentException(
                    "kubernetes.quarantine.max_bytes must be ≥ 1 (got " + quarantineMaxBytes + ")");
        }
    }

    List<String> storedStagesSorted() {
        return storedStages.stream().sorted().toList();
    }

    public KubernetesConfig withQuarantineFile(Path file) {
        return new KubernetesConfig(storedStages, file, quarantineMaxBytes);
    }

    public KubernetesConfig withStoredStages(Set<String> stages) {
        return new KubernetesConfig(stages, quarantineFile, quarantineMaxBytes);
    }
}

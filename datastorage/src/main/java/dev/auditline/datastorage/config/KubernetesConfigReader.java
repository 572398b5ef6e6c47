package dev.auditline.datastorage.config;

import dev.auditline.datastorage.k8s.KubernetesAuditMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads and checks the {@code kubernetes} section (the audit webhook). */
final class KubernetesConfigReader {
    private KubernetesConfigReader() {}

    static KubernetesConfig read(ConfigSection k8s, Path baseDir, List<String> problems) {
        KubernetesConfig dk = KubernetesConfig.DEFAULT;
        List<String> stages = k8s.texts("stored_stages", dk.storedStagesSorted());
        Set<String> stored = new HashSet<>();
        for (String stage : stages) {
            if (!KubernetesAuditMapping.STAGES.contains(stage)) {
                problems.add("kubernetes.stored_stages: unknown stage \"" + ConfigValues.shorten(stage)
                        + "\" (known: Panic, RequestReceived, ResponseComplete, ResponseStarted)");
            } else {
                stored.add(stage);
            }
        }
        if (stages.isEmpty()) {
            problems.add("kubernetes.stored_stages: must name at least one stage (got an empty list)");
        }
        ConfigSection quarantine = k8s.section("quarantine");
        Path file = quarantine.file("file", baseDir, false);
        if (file != null && Files.isDirectory(file)) {
            problems.add("kubernetes.quarantine.file: must name a file, not a directory (got " + file + ")");
        }
        long maxBytes = quarantine.size("max_bytes", dk.quarantineMaxBytes(), 1024, 1L << 40);
        quarantine.rejectUnknown();
        k8s.rejectUnknown();
        return new KubernetesConfig(
                stored.isEmpty() ? dk.storedStages() : stored, file == null ? dk.quarantineFile() : file, maxBytes);
    }
}

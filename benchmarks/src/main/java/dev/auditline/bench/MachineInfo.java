package dev.auditline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The machine a load run ran on, printed at its start so results carry their context. */
final class MachineInfo {
    private MachineInfo() {}

    /** @param postgres the benchmark server, or {@code null} when the run does not use one */
    static String describe(BenchPostgres postgres) {
        return String.format(
                Locale.ROOT,
                "start: %s%nmachine: %d CPUs (%s), %s memory; JDK %s (%s); PostgreSQL %s; load average %.2f",
                Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                cpuModel(),
                memory(),
                System.getProperty("java.vm.version"),
                System.getProperty("java.vm.name"),
                postgres == null ? "-" : postgres.serverVersion(),
                CpuMeter.loadAverage());
    }

    private static String cpuModel() {
        return firstValue(Path.of("/proc/cpuinfo"), "model name");
    }

    private static String memory() {
        String kb = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        try {
            long k = Long.parseLong(kb.replace("kB", "").trim());
            return String.format(Locale.ROOT, "%.1f GiB", k / 1024.0 / 1024.0);
        } catch (NumberFormatException e) {
            return kb;
        }
    }

    private static String firstValue(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: say so below
        }
        return "unknown";
    }
}

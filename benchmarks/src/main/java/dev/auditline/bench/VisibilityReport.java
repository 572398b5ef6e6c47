package dev.auditline.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What {@link VisibilityRun} prints at the end: one Markdown row per sender and window (as in
 * BENCHMARKS.md), the naive baseline's ratios to the client, and whether the client met its goals.
 */
final class VisibilityReport {
    /** The client's goal for the probe p99 while healthy, as stated in BENCHMARKS.md. */
    static final Duration HEALTHY_GOAL = Duration.ofMillis(1150);
    /** The client's goal for the probe p99 while one request is held, as stated in BENCHMARKS.md. */
    static final Duration STALL_GOAL = Duration.ofSeconds(2);

    /** One sender's run: its two windows, how long the proxy really held the request, and its counters. */
    record Scenario(String sender, VisibilityFigures healthy, VisibilityFigures stall, Duration held, String notes) {}

    private VisibilityReport() {}

    /** The table of every scenario and window, then the ratios and the goals' verdicts. */
    static void print(List<Scenario> scenarios, double maxRate, double offered, VisibilityRun.Options o) {
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "max sustained ingest rate %.0f events/s; offered %.0f events/s (%.0f%%); probe every %d ms;"
                        + " stall %d s%n%n",
                maxRate,
                offered,
                o.rateFraction() * 100,
                o.probeEveryMillis(),
                o.stallSeconds());
        System.out.println("| sender | window | probes (unseen) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms)"
                + " | events | lag p50 (ms) | lag p90 (ms) | lag p99 (ms) | lag max (ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Scenario s : scenarios) {
            row(s.sender(), "healthy", s.healthy());
            row(s.sender(), "stall " + o.stallSeconds() + " s (held " + s.held().toMillis() + " ms)", s.stall());
        }
        Scenario client = find(scenarios, "client");
        Scenario naive = find(scenarios, "naive");
        System.out.println();
        if (client != null && naive != null) {
            System.out.printf(
                    Locale.ROOT,
                    "ratio naive ÷ client, probe p99: healthy %.2f, stall %.2f; commit-lag p99: healthy %.2f, stall"
                            + " %.2f%n",
                    naive.healthy().p99() / client.healthy().p99(),
                    naive.stall().p99() / client.stall().p99(),
                    naive.healthy().lagP99() / client.healthy().lagP99(),
                    naive.stall().lagP99() / client.stall().lagP99());
        }
        if (client != null) {
            System.out.printf(
                    Locale.ROOT,
                    "goal healthy p99 ≤ %d ms: %s (%.0f ms); goal stall p99 ≤ %d ms: %s (%.0f ms)%n",
                    HEALTHY_GOAL.toMillis(),
                    verdict(client.healthy(), HEALTHY_GOAL),
                    client.healthy().p99(),
                    STALL_GOAL.toMillis(),
                    verdict(client.stall(), STALL_GOAL),
                    client.stall().p99());
        }
    }

    private static String verdict(VisibilityFigures f, Duration goal) {
        return f.unseen() == 0 && f.p99() <= goal.toMillis() ? "met" : "NOT met";
    }

    private static void row(String sender, String window, VisibilityFigures f) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %d (%d) | %.0f | %.0f | %.0f | %.0f | %d | %.0f | %.0f | %.0f | %.0f |%n",
                sender,
                window,
                f.probes(),
                f.unseen(),
                f.p50(),
                f.p90(),
                f.p99(),
                f.max(),
                f.events(),
                f.lagP50(),
                f.lagP90(),
                f.lagP99(),
                f.lagMax());
    }

    private static Scenario find(List<Scenario> scenarios, String sender) {
        return scenarios.stream()
                .filter(s -> s.sender().equals(sender))
                .findFirst()
                .orElse(null);
    }
}

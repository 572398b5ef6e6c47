package dev.auditline.bench;

import dev.auditline.bench.IngestLoadRun.Phase;
import dev.auditline.bench.IngestLoadRun.Side;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The tables {@link IngestLoadRun} prints: every phase, then per store and side the median and
 * spread of the rounds, CPU per 1,000 events (the JVM's, DataStorage's own without the benchmark's
 * senders, the senders', PostgreSQL's), events per CPU-second (events/s per fully used core),
 * and the ratios against the strongest raw baseline, computed round by round (the phases of one
 * round run back to back, so they share the machine's weather).
 */
final class IngestReport {
    private IngestReport() {}

    static String table(List<Phase> phases) {
        StringBuilder t = new StringBuilder(
                "| store | side | round | events | seconds | events/s | JVM CPU s | DataStorage CPU s | not in live Java threads CPU s"
                        + " | PostgreSQL CPU s | machine busy |\n"
                        + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Phase p : phases) {
            t.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %,d | %.2f | %,.0f | %.1f | %s | %.1f | %s | %.0f %% |%n",
                    p.store(),
                    p.side(),
                    p.round(),
                    p.events(),
                    p.seconds(),
                    p.eventsPerSecond(),
                    p.cpu().jvmSeconds(),
                    orDash(p.dataStorageCpuSeconds(), 1),
                    p.cpu().vmSeconds(),
                    p.store().equals("sqlite")
                            ? "-"
                            : String.format(Locale.ROOT, "%.1f", p.cpu().postgresSeconds()),
                    p.cpu().machineBusy() * 100));
        }
        return t.toString();
    }

    static String summary(List<Phase> phases, List<String> stores) {
        StringBuilder s = new StringBuilder();
        for (String store : stores) {
            List<Side> sides = phases.stream()
                    .filter(p -> p.store().equals(store))
                    .map(Phase::side)
                    .distinct()
                    .toList();
            s.append(String.format(
                    Locale.ROOT,
                    "%n%s: median (min-max) of %d rounds%n"
                            + "| side | events/s | JVM CPU ms / 1k events | DataStorage CPU ms / 1k events (min-max)"
                            + " | of the JVM's: not in live Java threads (GC, JIT, VM) | senders' CPU ms / 1k events | PostgreSQL CPU ms / 1k events |"
                            + " events per CPU-second | machine busy |%n|---|---:|---:|---:|---:|---:|---:|---:|---:|%n",
                    store,
                    rounds(phases, store)));
            Side strongest = null;
            double strongestMedian = 0;
            for (Side side : sides) {
                double[] rates = perRound(phases, store, side, Phase::eventsPerSecond);
                double median = median(rates);
                if (side.isBaseline() && median > strongestMedian) {
                    strongest = side;
                    strongestMedian = median;
                }
                double[] own = perRound(phases, store, side, p -> p.dataStorageCpuSeconds() * 1e6 / p.events());
                s.append(String.format(
                        Locale.ROOT,
                        "| %s | %,.0f (%,.0f-%,.0f) | %.1f | %s | %.1f | %s | %s | %,.0f | %.0f %% |%n",
                        side,
                        median,
                        min(rates),
                        max(rates),
                        median(perRound(phases, store, side, p -> p.cpu().jvmSeconds() * 1e6 / p.events())),
                        side.isBaseline()
                                ? "-"
                                : String.format(Locale.ROOT, "%.1f (%.1f-%.1f)", median(own), min(own), max(own)),
                        median(perRound(phases, store, side, p -> p.cpu().vmSeconds() * 1e6 / p.events())),
                        side == Side.HTTP
                                ? String.format(
                                        Locale.ROOT,
                                        "%.1f",
                                        median(perRound(
                                                phases, store, side, p -> p.senderCpuSeconds() * 1e6 / p.events())))
                                : "-",
                        store.equals("sqlite")
                                ? "-"
                                : String.format(
                                        Locale.ROOT,
                                        "%.1f",
                                        median(perRound(
                                                phases,
                                                store,
                                                side,
                                                p -> p.cpu().postgresSeconds() * 1e6 / p.events()))),
                        median(perRound(
                                phases,
                                store,
                                side,
                                p -> p.events()
                                        / (p.cpu().jvmSeconds() + p.cpu().postgresSeconds()))),
                        median(perRound(phases, store, side, p -> p.cpu().machineBusy() * 100))));
            }
            if (sides.contains(Side.UNLOGGED) && sides.contains(Side.REPOSITORY)) {
                s.append("log + whole-store unique ids (the repository's insert with and without them): ")
                        .append(ratioLine(phases, store, Side.REPOSITORY, Side.UNLOGGED));
            }
            if (strongest == null) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "strongest raw baseline (by median): %s%n", strongest));
            for (Side side : sides) {
                if (side != strongest) {
                    s.append(ratioLine(phases, store, side, strongest));
                }
            }
        }
        return s.toString();
    }

    private static String ratioLine(List<Phase> phases, String store, Side side, Side against) {
        double[] a = perRound(phases, store, side, Phase::eventsPerSecond);
        double[] b = perRound(phases, store, against, Phase::eventsPerSecond);
        double[] ratios = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            ratios[i] = a[i] / b[i];
        }
        return String.format(
                Locale.ROOT,
                "%s / %s: median %.2f (min %.2f, max %.2f; rounds %s)%n",
                side,
                against,
                median(ratios),
                min(ratios),
                max(ratios),
                Arrays.stream(ratios)
                        .mapToObj(r -> String.format(Locale.ROOT, "%.2f", r))
                        .collect(Collectors.joining(", ")));
    }

    private static int rounds(List<Phase> phases, String store) {
        return (int) phases.stream()
                .filter(p -> p.store().equals(store))
                .mapToInt(Phase::round)
                .distinct()
                .count();
    }

    /** A figure of each round's phase of one side, in round order. */
    private static double[] perRound(
            List<Phase> phases, String store, Side side, java.util.function.ToDoubleFunction<Phase> figure) {
        List<Phase> mine = new ArrayList<>();
        for (Phase p : phases) {
            if (p.store().equals(store) && p.side() == side) {
                mine.add(p);
            }
        }
        mine.sort((x, y) -> Integer.compare(x.round(), y.round()));
        return mine.stream().mapToDouble(figure).toArray();
    }

    private static String orDash(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}

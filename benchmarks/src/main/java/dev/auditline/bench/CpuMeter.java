package dev.auditline.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the CPU went during a phase, from {@code /proc} and the JVM: this JVM (server and senders),
 * the benchmark's own threads in it (see {@link #BENCH_THREAD_PREFIXES}), the
 * benchmark's PostgreSQL server (its postmaster and every child: backends, WAL writer, checkpointer,
 * autovacuum; not other PostgreSQL servers on the machine, such as the tests' embedded ones), and
 * the whole machine. On a small shared box the ingest ratio is mostly a question of CPU per event,
 * so the load runs print these next to events/s. Off Linux, or when PostgreSQL runs on another
 * host, the {@code /proc} figures read as zero.
 */
final class CpuMeter {
    /** USER_HZ: the unit of the times in {@code /proc/PID/stat}; 100 on every Linux we run on. */
    private static final double TICKS_PER_SECOND = 100.0;

    /**
     * Names of the threads that belong to the benchmark, not to the DataStorage it runs in the same
     * JVM: its sender pools and raw-JDBC pools ({@code bench-…}) and the JDK {@code HttpClient}'s
     * selector and worker threads ({@code HttpClient-N-…}), which send the request bodies and read
     * the answers. DataStorage itself starts no thread with these prefixes.
     */
    static final List<String> BENCH_THREAD_PREFIXES = List.of("bench-", "HttpClient-");

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A reading; subtract two with {@link #since(Sample)}. */
    record Sample(
            long jvmNanos,
            Map<Long, Long> javaThreadNanos,
            long benchThreadNanos,
            double postgresSeconds,
            long machineBusyTicks,
            long machineTotalTicks) {
        Usage since(Sample earlier) {
            long total = machineTotalTicks - earlier.machineTotalTicks;
            return new Usage(
                    (jvmNanos - earlier.jvmNanos) / 1e9,
                    javaThreadsSince(earlier) / 1e9,
                    (benchThreadNanos - earlier.benchThreadNanos) / 1e9,
                    postgresSeconds - earlier.postgresSeconds,
                    total == 0 ? Double.NaN : (double) (machineBusyTicks - earlier.machineBusyTicks) / total);
        }

        /** What the Java threads alive now spent since {@code earlier}; one started since then counts whole. */
        private long javaThreadsSince(Sample earlier) {
            long nanos = 0;
            for (Map.Entry<Long, Long> t : javaThreadNanos.entrySet()) {
                nanos += t.getValue() - earlier.javaThreadNanos.getOrDefault(t.getKey(), 0L);
            }
            return nanos;
        }
    }

    /**
     * CPU seconds of this JVM (every thread, GC and JIT compiler included), of its live Java
     * threads, of the benchmark's own threads among them, and of PostgreSQL, and the machine's busy
     * fraction over all cores.
     */
    record Usage(
            double jvmSeconds,
            double javaThreadSeconds,
            double benchThreadSeconds,
            double postgresSeconds,
            double machineBusy) {
        /**
         * This JVM without the benchmark's threads: what the DataStorage in it spent, its Jetty
         * threads, log writer, pools, GC and JIT compiler. GC and JIT work caused by the
         * benchmark's threads stays in (a small over-count, never an under-count), and so does a
         * benchmark thread that ended during the phase (none does: the pools are fixed).
         */
        double serverSeconds() {
            return jvmSeconds - benchThreadSeconds;
        }

        /**
         * What the Java threads alive at the end did not spend: the garbage collector, the JIT
         * compilers, the VM's own threads, and the threads that ended in between (Jetty shrinks its
         * pool after a minute idle), so it is an upper bound of GC and JIT, not their measure.
         */
        double vmSeconds() {
            return jvmSeconds - javaThreadSeconds;
        }
    }

    private CpuMeter() {}

    /** @param postmasterPid the benchmark PostgreSQL server's postmaster, or -1 for none */
    static Sample sample(long postmasterPid) {
        long[] machine = machineTicks();
        Map<Long, Long> threads = new HashMap<>();
        long bench = threadNanos(threads);
        return new Sample(
                OS.getProcessCpuTime(),
                threads,
                bench,
                postmasterPid < 0 ? 0 : postgresSeconds(postmasterPid),
                machine[0],
                machine[1]);
    }

    /**
     * Puts each live Java thread's CPU nanoseconds into {@code byId}; returns the sum of those named
     * with one of {@link #BENCH_THREAD_PREFIXES}.
     */
    private static long threadNanos(Map<Long, Long> byId) {
        long bench = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 0)) {
            long n = t == null ? -1 : THREADS.getThreadCpuTime(t.getThreadId());
            if (n < 0) {
                continue; // -1 when the thread ended in between
            }
            byId.put(t.getThreadId(), n);
            if (BENCH_THREAD_PREFIXES.stream().anyMatch(t.getThreadName()::startsWith)) {
                bench += n;
            }
        }
        return bench;
    }

    /** The parent of a local process, -1 when it is not visible here. */
    static long parentPid(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double postgresSeconds(long postmasterPid) {
        long ticks = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the process ended between listing and reading
                }
                int close = stat.lastIndexOf(')');
                String[] f = stat.substring(close + 2).split(" ");
                // after "(comm) ": state is field 0, ppid field 1, utime field 11, stime field 12
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == postmasterPid || Long.parseLong(f[1]) == postmasterPid) {
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** {busy, total} jiffies of all cores from the first line of {@code /proc/stat}. */
    private static long[] machineTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** {@code uptime}'s 1-minute load average, or -1 when unknown. */
    static double loadAverage() {
        return OS.getSystemLoadAverage();
    }
}

#!/usr/bin/env bash
# Visibility benchmark: store → queryable latency of the real client at 20% of
# the measured maximum ingest rate, healthy and with one request stalled 30 s, against the naive
# single-writer baseline. Results go to stdout and to benchmarks/target/visibility-bench-<time>.log;
# BENCHMARKS.md quotes them. About 3 minutes with the defaults.
#
#   benchmarks/run-visibility-bench.sh [VisibilityRun flags, e.g. --rate-fraction 0.2 --healthy-seconds 25]
#
# PostgreSQL: the server named by AUDIT_BENCH_PG_URL (JDBC URL; credentials in it or in
# AUDIT_BENCH_PG_USER / AUDIT_BENCH_PG_PASSWORD). Without it, the same local setup as
# run-datastorage-bench.sh: the Debian cluster 15/main (started if down, and then stopped again at
# the end), role and database "auditbench" created if missing. The run works in its own schema,
# visibility_bench, which it drops and recreates.
#
# Environment:
#   BENCH_BUILD      module (default: only the benchmarks module; the others must be installed in
#                    ~/.m2), all (build the modules it needs too), none
#   BENCH_JAVA_OPTS  JVM options (default -Xmx3g)
set -euo pipefail

# shellcheck source=bench-env.sh
source "$(dirname "$0")/bench-env.sh"
bench_build module
read -r -a java_opts <<<"${BENCH_JAVA_OPTS:--Xmx3g}"

log="$root/benchmarks/target/visibility-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
{
    echo "== $(date -u +%FT%TZ) $(uptime)"
    java "${java_opts[@]}" -cp "$root/benchmarks/target/benchmarks.jar" dev.auditline.bench.VisibilityRun "$@"
    echo "== $(date -u +%FT%TZ) $(uptime)"
} 2>&1 | grep --line-buffered -v -E '^[0-9:.]+ (INFO|DEBUG) |^  (server|storage|validation|retention)\.' | tee "$log"
echo "log: $log"

#!/usr/bin/env bash
# DataStorage benchmarks: HTTP ingest against the strongest raw inserts (PostgreSQL:
# reWriteBatchedInserts, unnest arrays, binary COPY; SQLite: batched JDBC), the cost of each
# PostgreSQL index, and the correlation trail query over a 10M-row PostgreSQL table. Results go to stdout and to
# benchmarks/target/datastorage-bench-<time>.log; BENCHMARKS.md quotes them.
#
#   benchmarks/run-datastorage-bench.sh [all|ingest|indexes|query]
#
# PostgreSQL: the server named by AUDIT_BENCH_PG_URL (JDBC URL; credentials in it or in
# AUDIT_BENCH_PG_USER / AUDIT_BENCH_PG_PASSWORD). Without it, the local Debian cluster 15/main is
# used: started if it is down (and stopped again at the end), with role and database "auditbench"
# created if missing. The cluster's configuration is never changed.
#
# Environment:
#   BENCH_BUILD   all (default: build benchmarks and the modules it needs), module (only the
#                 benchmarks module; the others must be installed in ~/.m2), none
#   QUICK=1       a quick run: 1M rows for the query benchmark, fewer ingest batches
#   INGEST_ARGS   extra flags for IngestLoadRun (e.g. "--stores postgresql --senders 8")
#   INDEX_ARGS    extra flags for IndexCostRun (e.g. "--rounds 7")
#   QUERY_ARGS    extra flags for TrailQueryRun (e.g. "--rows 1000000 --reload true")
#   BENCH_JAVA_OPTS  JVM options (default -Xmx3g)
#   BENCH_JAR     the benchmarks jar to run (default benchmarks/target/benchmarks.jar), e.g. a copy
#                 that a concurrent build cannot replace mid-run
set -euo pipefail

what="${1:-all}"
case "$what" in all | ingest | indexes | query) ;; *) echo "usage: $0 [all|ingest|indexes|query]" >&2; exit 2 ;; esac
# shellcheck source=bench-env.sh
source "$(dirname "$0")/bench-env.sh"
bench_build all
jar="${BENCH_JAR:-$root/benchmarks/target/benchmarks.jar}"

ingest_args=()
query_args=()
if [[ "${QUICK:-}" == 1 ]]; then
    ingest_args+=(--batches 10 --rounds 2)
    query_args+=(--rows 1000000 --queries 3000 --warmup 1000)
fi
read -r -a extra_ingest <<<"${INGEST_ARGS:-}"
read -r -a extra_query <<<"${QUERY_ARGS:-}"
read -r -a extra_index <<<"${INDEX_ARGS:-}"
read -r -a java_opts <<<"${BENCH_JAVA_OPTS:--Xmx3g}"

log="$root/benchmarks/target/datastorage-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
{
    echo "== $(date -u +%FT%TZ) $(uptime)"
    if [[ "$what" == all || "$what" == ingest ]]; then
        java "${java_opts[@]}" -cp "$jar" dev.auditline.bench.IngestLoadRun "${ingest_args[@]}" "${extra_ingest[@]}"
        echo "== $(date -u +%FT%TZ) $(uptime)"
    fi
    if [[ "$what" == all || "$what" == indexes ]]; then
        java "${java_opts[@]}" -cp "$jar" dev.auditline.bench.IndexCostRun "${extra_index[@]}"
        echo "== $(date -u +%FT%TZ) $(uptime)"
    fi
    if [[ "$what" == all || "$what" == query ]]; then
        java "${java_opts[@]}" -cp "$jar" dev.auditline.bench.TrailQueryRun "${query_args[@]}" "${extra_query[@]}"
        echo "== $(date -u +%FT%TZ) $(uptime)"
    fi
} 2>&1 | grep --line-buffered -v -E '^[0-9:.]+ (INFO|DEBUG) |^  (server|storage|validation|retention)\.' | tee "$log"
echo "log: $log"

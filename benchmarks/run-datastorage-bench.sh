#!/usr/bin/env bash
# DataStorage benchmarks of issue 3: HTTP ingest vs raw JDBC (PostgreSQL and SQLite) and the
# correlation trail query over a 10M-row PostgreSQL table. Results go to stdout and to
# benchmarks/target/datastorage-bench-<time>.log; BENCHMARKS.md quotes them.
#
#   benchmarks/run-datastorage-bench.sh [all|ingest|query]
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
#   INGEST_ARGS   extra flags for IngestLoadRun (e.g. "--rounds 5 --senders 8")
#   QUERY_ARGS    extra flags for TrailQueryRun (e.g. "--rows 1000000 --reload true")
#   BENCH_JAVA_OPTS  JVM options (default -Xmx3g)
#   BENCH_JAR     the benchmarks jar to run (default benchmarks/target/benchmarks.jar), e.g. a copy
#                 that a concurrent build cannot replace mid-run
set -euo pipefail

what="${1:-all}"
case "$what" in all | ingest | query) ;; *) echo "usage: $0 [all|ingest|query]" >&2; exit 2 ;; esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

started_cluster=""
cleanup() {
    if [[ -n "$started_cluster" ]]; then
        echo "stopping the PostgreSQL cluster 15/main this script started"
        pg_ctlcluster 15 main stop || true
    fi
}
trap cleanup EXIT

if [[ -z "${AUDIT_BENCH_PG_URL:-}" ]]; then
    if ! command -v pg_ctlcluster >/dev/null; then
        echo "AUDIT_BENCH_PG_URL is not set and there is no local Debian PostgreSQL cluster to use" >&2
        exit 2
    fi
    if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main" && $4 == "online" { found = 1 } END { exit !found }'; then
        echo "starting the PostgreSQL cluster 15/main"
        pg_ctlcluster 15 main start
        started_cluster=1
    fi
    as_postgres() { if [[ "$(id -un)" == postgres ]]; then "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi; }
    as_postgres psql -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'auditbench') THEN
            CREATE ROLE auditbench LOGIN PASSWORD 'auditbench';
        END IF; END \$\$;"
    if [[ "$(as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'auditbench'")" != 1 ]]; then
        as_postgres createdb -O auditbench auditbench
    fi
    export AUDIT_BENCH_PG_URL="jdbc:postgresql://127.0.0.1:5432/auditbench"
    export AUDIT_BENCH_PG_USER=auditbench AUDIT_BENCH_PG_PASSWORD=auditbench
fi

case "${BENCH_BUILD:-all}" in
    all) mvn -B -q -DskipTests -pl benchmarks -am package ;;
    module) mvn -o -B -q -DskipTests -pl benchmarks package ;;
    none) ;;
    *) echo "BENCH_BUILD must be all, module or none" >&2; exit 2 ;;
esac
jar="${BENCH_JAR:-$root/benchmarks/target/benchmarks.jar}"

ingest_args=()
query_args=()
if [[ "${QUICK:-}" == 1 ]]; then
    ingest_args+=(--batches 10 --rounds 2)
    query_args+=(--rows 1000000 --queries 3000 --warmup 1000)
fi
read -r -a extra_ingest <<<"${INGEST_ARGS:-}"
read -r -a extra_query <<<"${QUERY_ARGS:-}"
read -r -a java_opts <<<"${BENCH_JAVA_OPTS:--Xmx3g}"

log="$root/benchmarks/target/datastorage-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
{
    echo "== $(date -u +%FT%TZ) $(uptime)"
    if [[ "$what" != query ]]; then
        java "${java_opts[@]}" -cp "$jar" dev.auditline.bench.IngestLoadRun "${ingest_args[@]}" "${extra_ingest[@]}"
        echo "== $(date -u +%FT%TZ) $(uptime)"
    fi
    if [[ "$what" != ingest ]]; then
        java "${java_opts[@]}" -cp "$jar" dev.auditline.bench.TrailQueryRun "${query_args[@]}" "${extra_query[@]}"
        echo "== $(date -u +%FT%TZ) $(uptime)"
    fi
} 2>&1 | grep --line-buffered -v -E '^[0-9:.]+ (INFO|DEBUG) |^  (server|storage|validation|retention)\.' | tee "$log"
echo "log: $log"

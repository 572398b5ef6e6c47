#!/usr/bin/env bash
# Visibility benchmark of issue 4 (item 7): store → queryable latency of the real client at 20% of
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

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

started_cluster=""
cleanup() {
    if [[ -n "$started_cluster" ]]; then
        if pgrep -f 'dev\.auditline\.bench\.' >/dev/null; then
            echo "leaving the PostgreSQL cluster 15/main running: another benchmark is using it"
        else
            echo "stopping the PostgreSQL cluster 15/main this script started"
            pg_ctlcluster 15 main stop || true
        fi
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

case "${BENCH_BUILD:-module}" in
    all) mvn -B -q -DskipTests -pl benchmarks -am package ;;
    module) mvn -o -B -q -DskipTests -pl benchmarks package ;;
    none) ;;
    *) echo "BENCH_BUILD must be all, module or none" >&2; exit 2 ;;
esac
read -r -a java_opts <<<"${BENCH_JAVA_OPTS:--Xmx3g}"

log="$root/benchmarks/target/visibility-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
{
    echo "== $(date -u +%FT%TZ) $(uptime)"
    java "${java_opts[@]}" -cp "$root/benchmarks/target/benchmarks.jar" dev.auditline.bench.VisibilityRun "$@"
    echo "== $(date -u +%FT%TZ) $(uptime)"
} 2>&1 | grep --line-buffered -v -E '^[0-9:.]+ (INFO|DEBUG) |^  (server|storage|validation|retention)\.' | tee "$log"
echo "log: $log"

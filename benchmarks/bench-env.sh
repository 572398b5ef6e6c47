# Shared set-up of the benchmark scripts; source it, don't run it.
#
# PostgreSQL: the server named by AUDIT_BENCH_PG_URL (JDBC URL; credentials in it or in
# AUDIT_BENCH_PG_USER / AUDIT_BENCH_PG_PASSWORD). Without it, the local Debian cluster 15/main is
# used: started if it is down (and stopped again at exit unless another benchmark still uses it),
# with role and database "auditbench" created if missing. The cluster's configuration is never
# changed.
#
# bench_build DEFAULT builds what BENCH_BUILD (or DEFAULT) names: all (benchmarks and the modules
# it needs), module (only benchmarks; the others must be installed in ~/.m2) or none.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

started_cluster=""
bench_cleanup() {
    if [[ -n "$started_cluster" ]]; then
        if pgrep -f 'dev\.auditline\.bench\.' >/dev/null; then
            echo "leaving the PostgreSQL cluster 15/main running: another benchmark is using it"
        else
            echo "stopping the PostgreSQL cluster 15/main this script started"
            pg_ctlcluster 15 main stop || true
        fi
    fi
}
trap bench_cleanup EXIT

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

bench_build() {
    case "${BENCH_BUILD:-$1}" in
        all) mvn -B -q -DskipTests -pl benchmarks -am package ;;
        module) mvn -o -B -q -DskipTests -pl benchmarks package ;;
        none) ;;
        *) echo "BENCH_BUILD must be all, module or none" >&2; exit 2 ;;
    esac
}

#!/usr/bin/env bash
# Kubernetes audit webhook benchmark: events/s DataStorage accepts as 400-event EventLists (the
# kube-apiserver webhook's default batch), against the webhook's default ceiling of
# 10 QPS x 400 = 4,000 events/s, with the plain batch route on the same events as the baseline;
# SQLite (the default store) and PostgreSQL, DataStorage at its defaults. Results go to stdout
# and to benchmarks/target/k8s-webhook-bench-<time>.log; BENCHMARKS.md and docs/kubernetes.md
# quote them. Run it under the machine-wide lock:
#
#   flock /tmp/auditline-heavy.lock benchmarks/run-k8s-webhook-bench.sh
#
# PostgreSQL: as in run-datastorage-bench.sh (AUDIT_BENCH_PG_URL, or the local Debian cluster 15/main).
#
# Environment:
#   BENCH_BUILD   all (default), module or none; see bench-env.sh
#   QUICK=1       a quick run: 2 EventLists per sender, 2 rounds
#   K8S_ARGS      extra flags for KubernetesWebhookRun (e.g. "--rounds 7 --objects true")
#   BENCH_JAVA_OPTS  JVM options (default -Xmx3g)
#   BENCH_JAR     the benchmarks jar to run (default benchmarks/target/benchmarks.jar)
set -euo pipefail

# shellcheck source=bench-env.sh
source "$(dirname "$0")/bench-env.sh"
bench_build all
jar="${BENCH_JAR:-$root/benchmarks/target/benchmarks.jar}"

args=()
if [[ "${QUICK:-}" == 1 ]]; then
    args+=(--batches 2 --rounds 2)
fi
read -r -a extra <<<"${K8S_ARGS:-}"
read -r -a java_opts <<<"${BENCH_JAVA_OPTS:--Xmx3g}"

log="$root/benchmarks/target/k8s-webhook-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
{
    echo "== $(date -u +%FT%TZ) $(uptime)"
    java "${java_opts[@]}" -cp "$jar" dev.auditline.bench.KubernetesWebhookRun "${args[@]}" "${extra[@]}"
    echo "== $(date -u +%FT%TZ) $(uptime)"
} 2>&1 | grep --line-buffered -v -E '^[0-9:.]+ (INFO|DEBUG) |^  (server|storage|validation|retention|kubernetes)\.' | tee "$log"
echo "log: $log"

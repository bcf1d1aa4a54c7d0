#!/usr/bin/env bash
# The benchmark (`npm run bench`): (1) translate + diff of 2,000 Ingresses / 10,000 paths in
# 200 groups, time and peak memory; (2) apply of 100 Ingresses in 10 groups against the
# emulator, twice, wall time and AWS calls; (3) the reads of a no-op group reconcile in an
# empty account and beside 500 foreign load balancers and target groups and 100 foreign
# certificates; (4) controller mode against a kube-apiserver + etcd started here (skipped, saying
# how to get them, without the binaries of scripts/k8s-binaries.sh): memory of the caches with
# 2,000 Ingresses / 5,000 Services / 50,000 endpoints, the event-loop block while listing 5,000
# Ingresses, restart and change latency with 200
# converged groups, Lease requests of two replicas; (5, run right after 1, as it needs no AWS) the
# Gateway front's translate + diff of 25 Gateways with 1,000 HTTPRoutes. Results:
# docs/performance.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh
export PATH="$repo/node_modules/.bin:$PATH"
rm -rf dist-bench
tsc -p tsconfig.bench.json
echo "node $(node --version), $(nproc) cores"

echo "== 1. translate + diff: 2,000 Ingresses, 10,000 paths, 200 groups"
node dist-bench/bench/translate-diff.js

echo "== 5. Gateway translate + diff: 25 Gateways, 1,000 HTTPRoutes"
node dist-bench/bench/gateway-translate.js

echo "== 2. apply against the emulator: 100 Ingresses, 10 groups, first and second run"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
  export EMULATOR_STATE_DIR="$repo/.emulator/bench"
  export "$(bash scripts/emulator.sh start)"
  trap 'bash scripts/emulator.sh stop >/dev/null 2>&1 || true' EXIT
fi
node dist-bench/bench/apply.js

echo "== 3. account size: reads of a no-op group reconcile, empty account vs 500 + 500 + 100 foreign resources"
node dist-bench/bench/account-size.js

echo "== 4. controller mode against kube-apiserver + etcd: memory, restart, latency, leader election"
node dist-bench/bench/controller.js

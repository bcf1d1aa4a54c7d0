#!/usr/bin/env bash
# The test command (`npm test`): sets everything up, type-checks and lints, then runs every
# Jest project: unit, integration (against moto, started by the tests themselves) and, where
# kube-apiserver and etcd are available, k8s.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh
export PATH="$repo/node_modules/.bin:$PATH"
# kube-apiserver and etcd for the k8s tier: KUBEBUILDER_ASSETS if given, else built once from
# the Go module proxy and cached (about 6 minutes cold, instant after; docs/k8s-test-tier.md).
if [[ -z "${KUBEBUILDER_ASSETS:-}" ]] && command -v go >/dev/null 2>&1; then
  KUBEBUILDER_ASSETS="$(bash scripts/k8s-binaries.sh)"
  export KUBEBUILDER_ASSETS
fi
# helm for the chart tests (test/k8s/chart.test.ts): HELM if given, else built once from the Go
# module proxy and cached (a few minutes cold, instant after). Without it those tests fail.
if [[ -z "${HELM:-}" ]] && command -v go >/dev/null 2>&1; then
  HELM="$(bash scripts/helm-binary.sh)"
  export HELM
fi
# The standard-channel Gateway API CRDs for the Gateway tests (test/k8s/gateway-api.ts):
# GATEWAY_API_CRDS if given, else fetched once from the Go module proxy and cached (seconds).
if [[ -z "${GATEWAY_API_CRDS:-}" ]] && command -v go >/dev/null 2>&1; then
  GATEWAY_API_CRDS="$(bash scripts/gateway-api-crds.sh)"
  export GATEWAY_API_CRDS
fi
node --version >&2
npm run --silent typecheck
npm run --silent lint
exec node --experimental-vm-modules node_modules/jest/bin/jest.js "$@"

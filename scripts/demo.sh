#!/usr/bin/env bash
# The demo (`npm run demo`): `albatross controller` against a local Kubernetes API server
# (kube-apiserver and etcd, built and cached as for the k8s tests) and the AWS emulator (moto).
# Applies examples/*.yaml through the API, prints the ALBs as routing tables, scales a Service's
# endpoints, changes a path, deletes every Ingress and shows AWS is empty; each step prints
# the controller's Events and the AWS calls it made. Stops everything at the end, on failure
# and on Ctrl-C, and exits non-zero when a step fails. The CLI demo is `npm run demo:cli`.
set -euo pipefail
# shellcheck source=scripts/demo-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo-env.sh" albatross-demo

echo "== Kubernetes binaries: kube-apiserver and etcd"
demo_k8s_binaries

echo
echo "== Kubernetes API server: kube-apiserver and etcd on loopback, IngressClassParams CRD installed"
# shellcheck disable=SC2119 # no flags: no Gateway API CRDs
demo_api_server

echo
echo "== AWS emulator (moto) and a network: VPC and subnets tagged for load balancers"
demo_aws

echo
echo "== albatross controller (log: $controller_log)"
demo_controller

# The Ingress examples: the files of examples/ itself (examples/gateway/ is the Gateway API demo's).
examples=()
for file in examples/*.yaml; do examples+=(-f "$file"); done

echo
echo "== Apply examples/*.yaml through the API (plus a generated TLS Secret and Ingress)"
bash scripts/demo-tls.sh "$work"
node scripts/demo-k8s.ts apply "${k8s[@]}" "${examples[@]}" -f "$work/secure.yaml"

echo
echo "== What AWS now routes"
node scripts/show-alb.ts --cluster-name "$cluster"

echo
echo "== Scale: two more pods for Service shop/web"
node scripts/demo-k8s.ts scale "${k8s[@]}"

echo
echo "== Rolling update of shop/web with the readiness gate albatross.dev/target-health (the demo plays the kubelet)"
node scripts/demo-k8s.ts rollout "${k8s[@]}"

echo
echo "== Change a path"
node scripts/demo-k8s.ts change-path "${k8s[@]}"

echo
echo "== Delete every Ingress"
node scripts/demo-k8s.ts delete "${k8s[@]}"

echo
echo "== AWS afterwards"
node scripts/demo-k8s.ts aws-empty --cluster-name "$cluster"
alive "$controller_pid" "the controller"

#!/usr/bin/env bash
# The Gateway API demo (`npm run demo:gateway`): `albatross controller` against a local
# Kubernetes API server with the Gateway API CRDs (kube-apiserver and etcd built and cached as
# for the k8s tests, the CRDs fetched and cached by scripts/gateway-api-crds.sh) and the AWS
# emulator (moto). Shows `albatross plan -f examples/gateway`, applies examples/gateway through
# the API, waits for the Gateway to be programmed, prints its status and its routes', the ALB as
# a routing table and where a few requests go; then edits a route (its rule changes in place),
# applies a route ALB cannot serve (refused, the Gateway stays programmed), deletes everything
# and shows AWS is empty. Each step prints the controller's Events and the AWS calls it made.
# Stops everything at the end, on failure and on Ctrl-C, and exits non-zero when a step fails.
set -euo pipefail
# shellcheck source=scripts/demo-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/demo-env.sh" albatross-demo-gateway

echo "== Kubernetes binaries: kube-apiserver and etcd"
demo_k8s_binaries

echo
echo "== Gateway API CRDs (standard channel)"
# GATEWAY_API_CRDS if given, else fetched once from the Go module proxy and cached (seconds).
GATEWAY_API_CRDS="$(bash scripts/gateway-api-crds.sh)"
export GATEWAY_API_CRDS
echo "$GATEWAY_API_CRDS: $(head -n 1 "$GATEWAY_API_CRDS/BUILD-INFO" 2>/dev/null || echo "given by GATEWAY_API_CRDS")"

echo
echo "== Kubernetes API server: kube-apiserver and etcd on loopback, IngressClassParams and Gateway API CRDs installed"
demo_api_server --gateway-api

echo
echo "== AWS emulator (moto) and a network: VPC and subnets tagged for load balancers"
demo_aws

# The HTTPS listener's certificate: a self-signed one made now, in the Secret infra/shop-tls.
bash scripts/demo-tls.sh "$work" infra/shop-tls '*.shop.example.com'
manifests=(-f examples/gateway -f "$work/shop-tls.yaml")

echo
echo "== albatross plan -f examples/gateway (plus the generated Secret infra/shop-tls): what the Gateway would make"
set +e
LOG_LEVEL="${LOG_LEVEL:-warn}" node dist/cli/main.js plan "${manifests[@]}" --cluster-name "$cluster" --vpc-id "$vpc"
code=$?
set -e
echo "(exit code $code: 2 means there are changes to make)"
((code == 2)) || { echo "demo: albatross plan should have found changes to make (exit code 2)" >&2; exit 1; }

echo
echo "== albatross controller (log: $controller_log)"
demo_controller

echo
echo "== Apply examples/gateway through the API (plus the generated Secret)"
node scripts/demo-gateway.ts apply "${k8s[@]}" "${manifests[@]}"

echo
echo "== Status written by the controller"
node scripts/demo-gateway.ts status "${k8s[@]}"

echo
echo "== What AWS now routes"
node scripts/show-alb.ts --cluster-name "$cluster"

echo
echo "== A few requests: the rules AWS holds, evaluated as ALB does (the emulator serves no traffic)"
node scripts/demo-gateway.ts requests --cluster-name "$cluster"

echo
echo "== Edit a route: payments/payments serves /catalog instead of /products"
node scripts/demo-gateway.ts edit-route "${k8s[@]}"

echo
echo "== A route ALB cannot serve: a RegularExpression path"
node scripts/demo-gateway.ts broken-route "${k8s[@]}"

echo
echo "== Delete everything but the Namespaces (this API server runs no controller that would remove them)"
node scripts/demo-gateway.ts delete "${k8s[@]}" "${manifests[@]}"

echo
echo "== AWS afterwards"
node scripts/demo-k8s.ts aws-empty --cluster-name "$cluster"
alive "$controller_pid" "the controller"

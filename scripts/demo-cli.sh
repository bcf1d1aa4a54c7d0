#!/usr/bin/env bash
# The CLI demo (`npm run demo:cli`): starts the AWS emulator, creates a VPC with tagged subnets,
# applies examples/*.yaml with albatross, applies again to show nothing changes, and prints the
# resulting load balancers as routing tables. Stops the emulator at the end.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh
export PATH="$repo/node_modules/.bin:$PATH"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
cluster=demo

tls_dir="$(mktemp -d)"
started=""
cleanup() {
  rm -rf "$tls_dir"
  if [[ -n "$started" ]]; then bash scripts/emulator.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
  export "$(bash scripts/emulator.sh start)"
  started=1
fi
echo "== AWS endpoint: $AWS_ENDPOINT_URL"

echo "== Network: VPC and subnets tagged for load balancers"
network="$(node localstack/bootstrap-cli.ts --cluster-name "$cluster")"
echo "$network"
vpc="$(node -e 'console.log(JSON.parse(process.argv[1]).vpcId)' "$network")"

# TLS: a certificate made here with openssl, in a Secret, served by an Ingress of group shop.
bash scripts/demo-tls.sh "$tls_dir"
# The Ingress examples: the files of examples/ itself (examples/gateway/ is the Gateway API demo's).
manifests=()
for file in examples/*.yaml; do manifests+=(-f "$file"); done
manifests+=(-f "$tls_dir/secure.yaml")

echo
echo "== albatross plan -f examples/*.yaml (plus a generated TLS Secret and Ingress)"
set +e
node dist/cli/main.js plan "${manifests[@]}" --cluster-name "$cluster" --vpc-id "$vpc"
echo "(exit code $?: 2 means there are changes to make)"
set -e

echo
echo "== albatross apply"
LOG_LEVEL="${LOG_LEVEL:-warn}" node dist/cli/main.js apply "${manifests[@]}" --cluster-name "$cluster" --vpc-id "$vpc"

echo
echo "== albatross apply again: nothing to change"
LOG_LEVEL="${LOG_LEVEL:-warn}" node dist/cli/main.js apply "${manifests[@]}" --cluster-name "$cluster" --vpc-id "$vpc"

echo
echo "== What AWS now routes"
node scripts/show-alb.ts --cluster-name "$cluster"

#!/usr/bin/env bash
# The demo (`npm run demo`): `albatross controller` against a local Kubernetes API server
# (kube-apiserver and etcd, built and cached as for the k8s tests) and the AWS emulator (moto).
# Applies examples/ through the API, prints the ALBs as routing tables, scales a Service's
# endpoints, changes a path, deletes every Ingress and shows AWS is empty; each step prints
# the controller's Events and the AWS calls it made. Stops everything at the end, on failure
# and on Ctrl-C, and exits non-zero when a step fails. The CLI demo is `npm run demo:cli`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
started_at=$SECONDS
bash scripts/setup.sh
export PATH="$repo/node_modules/.bin:$PATH"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
cluster=demo

work="$(mktemp -d "${TMPDIR:-/tmp}/albatross-demo.XXXXXX")"
controller_log="$work/controller.log"
binaries_pid="" apiserver_pid="" controller_pid="" moto_started=""

# Sends SIGTERM to a process we started and waits up to $2 seconds for it, then kills it.
stop_pid() {
  local pid="$1" limit="$2"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  echo
  if ((code == 130 || code == 143)); then
    echo "== Interrupted; stopping everything"
  elif ((code != 0)); then
    echo "== Failed (exit code $code); stopping everything"
    if [[ -s $controller_log ]]; then
      echo "-- last lines of the controller's log ($controller_log):"
      tail -n 15 "$controller_log"
    fi
  else
    echo "== Stopping the controller, the API server and moto"
  fi
  stop_pid "$controller_pid" 30
  stop_pid "$apiserver_pid" 20
  if [[ -n $binaries_pid ]]; then kill -TERM -- "-$binaries_pid" 2>/dev/null || true; fi
  if [[ -n $moto_started ]]; then bash scripts/emulator.sh stop >/dev/null 2>&1 || true; fi
  if ((code == 0)); then rm -rf "$work"; else echo "(logs kept in $work)"; fi
  echo "done after $((SECONDS - started_at)) s"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Fails the demo unless process $1 is still running; $2 names it.
alive() { kill -0 "$1" 2>/dev/null || { echo "demo: $2 exited early" >&2; exit 1; }; }

echo "== Kubernetes binaries: kube-apiserver and etcd"
if [[ -n ${KUBEBUILDER_ASSETS:-} ]]; then
  assets="$KUBEBUILDER_ASSETS"
else
  # The first run builds them from source (about 6 minutes on 2 cores) and caches them, as the
  # k8s tests do; a line every 30 s shows the build is still going.
  # In a process group of its own, so that stopping it also stops the Go compilers it runs.
  setsid bash scripts/k8s-binaries.sh >"$work/assets" &
  binaries_pid=$!
  waited=0
  while kill -0 "$binaries_pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    if ((waited % 30 == 0)); then echo "   still building kube-apiserver and etcd: ${waited} s so far (about 6 minutes the first time)"; fi
  done
  wait "$binaries_pid" || { echo "demo: building kube-apiserver and etcd failed" >&2; exit 1; }
  binaries_pid=""
  assets="$(<"$work/assets")"
fi
echo "$assets: $(tr '\n' ' ' <"$assets/BUILD-INFO" 2>/dev/null | sed 's/ built .*//')"
export KUBEBUILDER_ASSETS="$assets"

echo
echo "== Kubernetes API server: kube-apiserver and etcd on loopback, IngressClassParams CRD installed"
node scripts/demo-k8s.ts serve --dir "$work" >"$work/apiserver.out" 2>"$work/apiserver.err" &
apiserver_pid=$!
deadline=$((SECONDS + 150))
until [[ -s $work/kubeconfig ]]; do
  alive "$apiserver_pid" "the API server ($(tail -n 5 "$work/apiserver.err"))"
  ((SECONDS < deadline)) || { echo "demo: timed out after 150 s waiting for kube-apiserver and etcd to start" >&2; exit 1; }
  sleep 0.5
done
kubeconfig="$work/kubeconfig"
echo "$(<"$work/apiserver.out") (kubeconfig $kubeconfig)"

echo
echo "== AWS emulator (moto) and a network: VPC and subnets tagged for load balancers"
if [[ -z ${AWS_ENDPOINT_URL:-} ]]; then
  # A server someone else started (`emulator.sh start` hands it back) is left running at the end.
  bash scripts/emulator.sh status >/dev/null 2>&1 || moto_started=1
  export "$(bash scripts/emulator.sh start 2>/dev/null)"
fi
network="$(node localstack/bootstrap-cli.ts --cluster-name "$cluster")"
vpc="$(node -e 'console.log(JSON.parse(process.argv[1]).vpcId)' "$network")"
echo "$AWS_ENDPOINT_URL, $(node -e 'const n = JSON.parse(process.argv[1]); console.log(`${n.vpcId}, subnets ${[...(n.publicSubnetIds ?? []), ...(n.privateSubnetIds ?? [])].join(" ")}`)' "$network")"

echo
echo "== albatross controller (log: $controller_log)"
free_port() { node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
metrics_port="$(free_port)"
health_port="$(free_port)"
controller_args=(controller --cluster-name "$cluster" --vpc-id "$vpc" --kubeconfig "$kubeconfig" --leader-elect false
  --metrics-bind-address "127.0.0.1:$metrics_port" --health-probe-bind-address "127.0.0.1:$health_port")
echo "albatross ${controller_args[*]}"
LOG_LEVEL="${LOG_LEVEL:-info}" node dist/cli/main.js "${controller_args[@]}" >"$controller_log" 2>&1 &
controller_pid=$!
node scripts/demo-k8s.ts ready --url "http://127.0.0.1:$health_port/readyz"
alive "$controller_pid" "the controller"
echo "ready: caches synced (/readyz on :$health_port, /metrics on :$metrics_port)"
metrics="http://127.0.0.1:$metrics_port/metrics"
k8s=(--kubeconfig "$kubeconfig" --metrics "$metrics" --cluster-name "$cluster")

echo
echo "== Apply examples/ through the API (plus a generated TLS Secret and Ingress)"
bash scripts/demo-tls.sh "$work"
node scripts/demo-k8s.ts apply "${k8s[@]}" -f examples/ -f "$work/secure.yaml"

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

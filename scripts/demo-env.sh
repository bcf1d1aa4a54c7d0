# What the controller demos share (scripts/demo.sh, scripts/demo-gateway.sh), sourced by them
# after `set -euo pipefail`:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/demo-env.sh" albatross-demo
#
# Runs the set-up (scripts/setup.sh), puts node_modules/.bin first on PATH, sets the emulator's
# AWS_* defaults, makes the work folder $work (named after the argument) and installs the trap
# that stops everything the demo started, on success, failure and Ctrl-C, and keeps $work when a
# step failed. Then the demo calls, in this order, each after its own `== heading`:
#
#   demo_k8s_binaries                 kube-apiserver and etcd (KUBEBUILDER_ASSETS, else built and cached)
#   demo_api_server [SERVE FLAGS...]  starts them (scripts/demo-k8s.ts serve); sets $kubeconfig
#   demo_aws                          moto and a VPC with tagged subnets; sets $vpc
#   demo_controller                   `albatross controller`, waited for until ready; sets $k8s,
#                                     the flags every later step of scripts/demo-*.ts takes
# shellcheck shell=bash
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo" || exit 1
started_at=$SECONDS
bash scripts/setup.sh
export PATH="$repo/node_modules/.bin:$PATH"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
cluster=demo

work="$(mktemp -d "${TMPDIR:-/tmp}/${1:-albatross-demo}.XXXXXX")"
controller_log="$work/controller.log"
binaries_pid="" apiserver_pid="" controller_pid="" moto_started=""
kubeconfig="" vpc="" k8s=()

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

demo_k8s_binaries() {
  local assets
  if [[ -n ${KUBEBUILDER_ASSETS:-} ]]; then
    assets="$KUBEBUILDER_ASSETS"
  else
    # The first run builds them from source (about 6 minutes on 2 cores) and caches them, as the
    # k8s tests do; a line every 30 s shows the build is still going.
    # In a process group of its own, so that stopping it also stops the Go compilers it runs.
    setsid bash scripts/k8s-binaries.sh >"$work/assets" &
    binaries_pid=$!
    local waited=0
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
}

# Flags are passed to `scripts/demo-k8s.ts serve` (`--gateway-api`).
# shellcheck disable=SC2120 # called without flags by demo.sh
demo_api_server() {
  node scripts/demo-k8s.ts serve --dir "$work" "$@" >"$work/apiserver.out" 2>"$work/apiserver.err" &
  apiserver_pid=$!
  local deadline=$((SECONDS + 150))
  until [[ -s $work/kubeconfig ]]; do
    alive "$apiserver_pid" "the API server ($(tail -n 5 "$work/apiserver.err" 2>/dev/null))"
    ((SECONDS < deadline)) || { echo "demo: timed out after 150 s waiting for kube-apiserver and etcd to start" >&2; exit 1; }
    sleep 0.5
  done
  kubeconfig="$work/kubeconfig"
  echo "$(<"$work/apiserver.out") (kubeconfig $kubeconfig)"
}

demo_aws() {
  if [[ -z ${AWS_ENDPOINT_URL:-} ]]; then
    # A server someone else started (`emulator.sh start` hands it back) is left running at the end.
    bash scripts/emulator.sh status >/dev/null 2>&1 || moto_started=1
    export "$(bash scripts/emulator.sh start 2>/dev/null)"
  fi
  local network
  network="$(node localstack/bootstrap-cli.ts --cluster-name "$cluster")"
  vpc="$(node -e 'console.log(JSON.parse(process.argv[1]).vpcId)' "$network")"
  # shellcheck disable=SC2016 # JavaScript in single quotes
  echo "$AWS_ENDPOINT_URL, $(node -e 'const n = JSON.parse(process.argv[1]); console.log(`${n.vpcId}, subnets ${[...(n.publicSubnetIds ?? []), ...(n.privateSubnetIds ?? [])].join(" ")}`)' "$network")"
}

demo_controller() {
  local metrics_port health_port
  metrics_port="$(free_port)"
  health_port="$(free_port)"
  local args=(controller --cluster-name "$cluster" --vpc-id "$vpc" --kubeconfig "$kubeconfig" --leader-elect false
    --metrics-bind-address "127.0.0.1:$metrics_port" --health-probe-bind-address "127.0.0.1:$health_port")
  echo "albatross ${args[*]}"
  LOG_LEVEL="${LOG_LEVEL:-info}" node dist/cli/main.js "${args[@]}" >"$controller_log" 2>&1 &
  controller_pid=$!
  node scripts/demo-k8s.ts ready --url "http://127.0.0.1:$health_port/readyz"
  alive "$controller_pid" "the controller"
  echo "ready: caches synced (/readyz on :$health_port, /metrics on :$metrics_port)"
  # shellcheck disable=SC2034 # read by the demos that source this file
  k8s=(--kubeconfig "$kubeconfig" --metrics "http://127.0.0.1:$metrics_port/metrics" --cluster-name "$cluster")
}

free_port() { node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

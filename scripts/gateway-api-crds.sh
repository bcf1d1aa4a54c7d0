#!/usr/bin/env bash
# Obtains the standard-channel Gateway API CRDs for the tests (test/k8s/gateway-api.ts installs
# them into the test API server) from the Go module proxy: the module sigs.k8s.io/gateway-api
# carries them in config/crd/standard/. Caches that folder's YAML under
# ~/.cache/albatross/gateway-api/<version>/ and prints that folder.
#
# Usage: GATEWAY_API_CRDS="$(bash scripts/gateway-api-crds.sh)"
# Only the folder goes to stdout; progress goes to stderr. If GATEWAY_API_CRDS is set (to a
# folder), the script prints it and fetches nothing. A second run with the cache in place
# returns at once. Nothing is written inside the repository: the download happens in a temporary
# folder and Go's module cache stays where `go env` puts it (under $HOME).
set -euo pipefail

# The newest release of Gateway API v1.x on the Go module proxy when this was written (the
# proxy's list ended v1.6.2, v1.6.3, v1.7.0). test/k8s/gateway-api.ts reads this line to find
# the cache folder. Why this version and what it serves: docs/k8s-test-tier.md.
GATEWAY_API_VERSION_DEFAULT=v1.7.0

if [[ -n ${GATEWAY_API_CRDS:-} ]]; then
  if [[ ! -d $GATEWAY_API_CRDS ]]; then
    echo "gateway-api-crds: GATEWAY_API_CRDS=$GATEWAY_API_CRDS is not a folder" >&2
    exit 1
  fi
  echo "$GATEWAY_API_CRDS"
  exit 0
fi

gateway_api_version="${ALBATROSS_GATEWAY_API_VERSION:-$GATEWAY_API_VERSION_DEFAULT}"
module=sigs.k8s.io/gateway-api
tool=gateway-api-crds
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/albatross/gateway-api"
dest="$cache_root/$gateway_api_version"
result="$dest"
go_hint="Go is needed to fetch the Gateway API CRDs from the Go module proxy (or set GATEWAY_API_CRDS to a folder holding them)"
cached() { [[ -f $dest/BUILD-INFO ]]; }
# Nothing is built, but the steps are those of the build scripts: the cache check, the lock,
# the temporary folders and the move into place in one step.
# shellcheck source=scripts/go-build-cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build-cache.sh"
build_begin

# Outside any module: a go.work or GOFLAGS elsewhere must not take over.
export GOWORK=off GOFLAGS=

# `go mod download -json` prints the module's place in the module cache (`Dir`), or an `Error`
# and no `Dir`. It exits non-zero on an error but still prints the JSON.
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p"; }
download() { (cd "$work" && go mod download -json "$module@$gateway_api_version") || true; }

log "fetching $module@$gateway_api_version from the Go module proxy"
json="$(download)"
dir="$(json_field Dir <<<"$json")"
toolchain=""
if [[ -z $dir ]]; then
  # From v1.7.0 the module's go.mod says `go 1.27.0`, and a Go older than that refuses to unpack
  # it ("requires go >= 1.27.0"), although nothing is compiled. GOTOOLCHAIN then fetches the Go
  # release the module names, itself a module on the same proxy (checksum-verified, cached in
  # the module cache), and that one unpacks it.
  gomod="$(json_field GoMod <<<"$json")"
  required=""
  [[ -n $gomod && -f $gomod ]] && required="$(awk '$1 == "go" { print $2; exit }' "$gomod")"
  if [[ -n $required ]] && grep -q 'requires go ' <<<"$json"; then
    toolchain="go$required"
    log "$module@$gateway_api_version requires Go $required (this is $(go env GOVERSION)); unpacking it with GOTOOLCHAIN=$toolchain"
    json="$(GOTOOLCHAIN="$toolchain" download)"
    dir="$(json_field Dir <<<"$json")"
  fi
fi
if [[ -z $dir ]]; then
  log "go mod download did not unpack $module@$gateway_api_version:"
  echo "$json" >&2
  exit 1
fi

crds="$dir/config/crd/standard"
if ! compgen -G "$crds/*.yaml" >/dev/null; then
  log "$crds holds no YAML files"
  exit 1
fi
cp "$crds"/*.yaml "$out/"
# Files in the module cache are read-only; the cached copies need not be.
chmod u+w "$out"/*.yaml
log "$(find "$out" -name '*.yaml' | wc -l) files from $crds"

build_end <<EOF
$module $gateway_api_version config/crd/standard
unpacked with ${toolchain:-the local Go}
EOF

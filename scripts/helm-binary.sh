#!/usr/bin/env bash
# Obtains helm for the chart tests (test/k8s/chart.test.ts) by building it from the Go module
# proxy, caches it under ~/.cache/albatross/helm/<version>/helm and prints that path.
#
# Usage: HELM="$(bash scripts/helm-binary.sh)"
# Only the path goes to stdout; progress goes to stderr. If HELM is set (to an executable), the
# script prints it and builds nothing. A second run with the cache in place returns at once.
# Nothing is written inside the repository: the build happens in a temporary folder and Go's
# module and build caches stay where `go env` puts them (under $HOME).
set -euo pipefail

# test/k8s/chart.test.ts and jest.config.js read this line to find the cached binary.
HELM_VERSION_DEFAULT=v3.22.0

if [[ -n ${HELM:-} ]]; then
  if [[ ! -x $HELM ]]; then
    echo "helm-binary: HELM=$HELM is not an executable file" >&2
    exit 1
  fi
  echo "$HELM"
  exit 0
fi

helm_version="${ALBATROSS_HELM_VERSION:-$HELM_VERSION_DEFAULT}"
tool=helm-binary
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/albatross/helm"
dest="$cache_root/$helm_version"
result="$dest/helm"
go_hint="Go is needed to build helm (or set HELM to a helm binary)"
cached() { [[ -x $dest/helm ]]; }
# shellcheck source=scripts/go-build-cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build-cache.sh"
build_begin

# helm's go.mod has no local replace directives, so `go install module@version` works; GOBIN
# sends the binary to our folder. A go.work elsewhere must not take over.
export GOWORK=off GOFLAGS=

log "building helm $helm_version (a cold build takes a few minutes on 2 cores)"
major="${helm_version#v}"
major="${major%%.*}"
module="helm.sh/helm/v$major"
# Helm's own release builds stamp the version the same way; without it `helm version` reports
# the module's placeholder.
ldflags="-s -w -X $module/internal/version.version=$helm_version"
(cd "$work" && GOBIN="$out" go install -trimpath -ldflags="$ldflags" "$module/cmd/helm@$helm_version")
log "helm built after $((SECONDS - started)) s"

build_end <<EOF
helm $helm_version
EOF

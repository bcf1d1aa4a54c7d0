#!/usr/bin/env bash
# Obtains kube-apiserver and etcd for the k8s test tier (envtest layout) by building them from the
# Go module proxy, caches them under ~/.cache/albatross/k8s/<version>/ and prints that folder.
#
# Usage: KUBEBUILDER_ASSETS="$(bash scripts/k8s-binaries.sh)"
# Only the folder goes to stdout; progress goes to stderr. A second run with the cache in place
# returns at once. Nothing is written inside the repository: the build happens in a temporary
# folder and Go's module and build caches stay where `go env` puts them (under $HOME).
set -euo pipefail

# Newest Kubernetes release on the Go module proxy when the tier was set up; test/k8s/envtest.ts
# and jest.config.js read this line to find the cache folder. Why this version:
# docs/k8s-test-tier.md.
K8S_VERSION_DEFAULT=v1.36.3

k8s_version="${ALBATROSS_K8S_VERSION:-$K8S_VERSION_DEFAULT}"
tool=k8s-binaries
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/albatross/k8s"
dest="$cache_root/$k8s_version"
result="$dest"
go_hint="Go is needed to build kube-apiserver and etcd (or set KUBEBUILDER_ASSETS to a folder holding them)"
cached() { [[ -x $dest/kube-apiserver && -x $dest/etcd ]]; }
# shellcheck source=scripts/go-build-cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build-cache.sh"
build_begin

# Our go.mod files live in $work; a go.work elsewhere must not take over. -mod=mod lets
# `go build` fill in go.sum and any missing requirement from the module graph.
export GOWORK=off GOFLAGS=-mod=mod

# Prints the path of a module's go.mod in the module cache, downloading the module.
module_gomod() {
  (cd "$work" && go mod download -json "$1") | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# Writes "$dir/go.mod" for a throwaway main module that requires $module@$version and turns the
# upstream go.mod's local `replace X => ./path` lines into `replace X => X <released version>`:
# `go install module@version` refuses modules whose go.mod has replace directives, but replace
# lines of a dependency are ignored, so our own main module can pin the siblings instead.
write_gomod() {
  local dir="$1" module="$2" version="$3" upstream="$4" sibling_version="$5"
  mkdir -p "$dir"
  {
    echo "module albatross.invalid/k8s-test-binaries"
    echo
    # Same language version and GODEBUG defaults as upstream's own builds.
    grep -E '^(go|godebug) ' "$upstream"
    echo
    echo "require $module $version"
    echo
    echo "replace ("
    local sibling v
    for sibling in $(sed -n 's/^[[:space:]]*\([^[:space:]]*\)[[:space:]]*=>[[:space:]]*\.\{1,2\}\/.*/\1/p' "$upstream"); do
      if [[ -n $sibling_version ]]; then
        v="$sibling_version"
      else
        v="$(awk -v m="$sibling" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$upstream")"
      fi
      if [[ -z $v ]]; then
        log "no version for $sibling in $upstream"
        exit 1
      fi
      echo "	$sibling => $sibling $v"
    done
    echo ")"
  } >"$dir/go.mod"
}

log "preparing Kubernetes $k8s_version (a cold build takes about 6 minutes on 2 cores)"
k8s_gomod="$(module_gomod "k8s.io/kubernetes@$k8s_version")"
# Staging modules (k8s.io/api, apimachinery, apiserver, ...) are released as v0.<minor>.<patch>.
staging_version="v0.${k8s_version#v1.}"
# etcd at the version whose client this Kubernetes release was tested against.
etcd_version="${ALBATROSS_ETCD_VERSION:-$(awk '$1 == "go.etcd.io/etcd/client/v3" { print $2; exit }' "$k8s_gomod")}"
if [[ -z $etcd_version ]]; then
  log "cannot tell the etcd version from $k8s_gomod"
  exit 1
fi

log "building etcd $etcd_version"
etcd_gomod="$(module_gomod "go.etcd.io/etcd/server/v3@$etcd_version")"
write_gomod "$work/etcd" go.etcd.io/etcd/server/v3 "$etcd_version" "$etcd_gomod" ""
(cd "$work/etcd" && go build -trimpath -ldflags="-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
log "etcd built after $((SECONDS - started)) s"

log "building kube-apiserver $k8s_version"
write_gomod "$work/kube-apiserver" k8s.io/kubernetes "$k8s_version" "$k8s_gomod" "$staging_version"
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
# Kubernetes' own release builds stamp the version the same way; without it the server reports
# v0.0.0-master to clients.
version_pkg=k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=$k8s_version -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean"
(cd "$work/kube-apiserver" && go build -trimpath -ldflags="$ldflags" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
log "kube-apiserver built after $((SECONDS - started)) s"

build_end <<EOF
kubernetes $k8s_version
etcd $etcd_version
EOF

#!/usr/bin/env bash
# The test command (`npm test`): sets everything up, then runs every Jest project:
# unit, integration (against moto, started by the tests themselves) and, where kube-apiserver
# and etcd are available, k8s.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh
export PATH="$repo/node_modules/.bin:$PATH"
node --version >&2
npm run --silent typecheck
exec node --experimental-vm-modules node_modules/jest/bin/jest.js "$@"

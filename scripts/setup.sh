#!/usr/bin/env bash
# Shared set-up for the demo, tests and benchmark on a fresh machine: npm packages (which
# bring Node 24 into node_modules/.bin), the compiled command, and the AWS emulator (moto).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [[ ! -x node_modules/.bin/node || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages" >&2
  # `npm install` rather than `npm ci`: npm 11 records only this platform's optional
  # binaries of some packages in the lock file, and `npm ci` then refuses it as out of sync.
  # With the lock file present, `npm install` installs exactly its versions.
  npm install --no-audit --no-fund --loglevel=error >&2
fi
echo "setup: building dist/" >&2
npm run --silent build >&2
bash scripts/emulator.sh ensure-installed >/dev/null
bash scripts/hadolint.sh ensure-installed >/dev/null

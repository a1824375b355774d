#!/usr/bin/env bash
# Every test tier with every real part: installs what is missing (idempotently; apt needs root),
# lints (installing lint/node_modules if missing), type-checks, builds, then runs unit, integration and end-to-end tests. The last line is
# "N passed, N failed" summed over the tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n--- %s (%ss)\n' "$*" "$SECONDS"; }

step "Docker engine for the sandbox tests"
scripts/ensure-docker.sh
step "default sandbox image"
npm run --silent sandbox:image
step "code-server and Chromium for the end-to-end tests"
scripts/ensure-e2e.sh
step "folder boundaries, lint, type-check and build"
npm run --silent lint:deps
npm run --silent lint
npm run --silent check
npm run --silent build
step "tests"
npm test

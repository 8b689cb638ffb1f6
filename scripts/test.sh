#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, generated types up to date, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_PODMAN_SOCKET="$(bash scripts/setup.sh)"
export MCP_PODMAN_SOCKET
npm run --silent gen:check
npm run --silent lint
npm test

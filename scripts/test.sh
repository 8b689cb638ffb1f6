#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, generated types up to date, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_PODMAN_SOCKET="$(bash scripts/setup.sh)"
export MCP_PODMAN_SOCKET
# The CLI reference (docs/reference/cli.md) is made from the built commands' help.
npm run --silent build
npm run --silent gen:check
npm run --silent lint

# Every test names its containers, nodes, VMs and namespaces uniquely per run and removes its
# own, even on failure, and an agent sees only its own node's instances: what else runs on
# this podman or host (another node's containers, a VM holding a port) does not change a
# result, so no container is removed here. Only the QEMUs (found by the tests' temporary
# directories) and network namespaces an interrupted earlier run left are cleared.
pkill -KILL -f 'qemu-system.*/mcp-(qemu|agent)-' || true
for ns in $(ip netns list 2>/dev/null | awk '/^mcp-test-br-/ {print $1}'); do ip netns del "$ns"; done

# A hung test must fail the run, not outlast CI's limit: each test gets 5 minutes, the suite 25.
# On a quiet machine the suite takes about 10; with both cores busy, about 15 (883 s once).
timeout --kill-after=30 25m npm test

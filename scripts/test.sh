#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, generated types up to date, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_PODMAN_SOCKET="$(bash scripts/setup.sh)"
export MCP_PODMAN_SOCKET
npm run --silent gen:check
npm run --silent lint

# Every test names its containers, nodes, VMs and namespaces uniquely per run and removes its
# own, even on failure, and an agent sees only its own node's instances: what else runs on
# this podman or host (another node's containers, a VM holding a port) does not change a result.
# Housekeeping only: the test-named leftovers of an interrupted earlier run are removed, never
# anything else (no MCP-labelled container of a real node, no QEMU but the tests' own).
leftovers() {
  podman --url "unix://$MCP_PODMAN_SOCKET" ps -aq --filter 'name=^(agt|itr|crash|mcpt-prt)[0-9a-z]*-' | sort -u
}
mapfile -t stale < <(leftovers)
if [ "${#stale[@]}" -gt 0 ]; then
  echo "test.sh: removing ${#stale[@]} test containers an interrupted earlier run left" >&2
  podman --url "unix://$MCP_PODMAN_SOCKET" rm -f -t 0 "${stale[@]}" >/dev/null
fi
pkill -KILL -f 'qemu-system.*/mcp-(qemu|agent)-' || true
for ns in $(ip netns list 2>/dev/null | awk '/^mcp-test-br-/ {print $1}'); do ip netns del "$ns"; done

# A hung test must fail the run, not outlast CI's limit: each test gets 5 minutes, the suite 15.
timeout --kill-after=30 15m npm test

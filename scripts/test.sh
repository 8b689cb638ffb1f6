#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, generated types up to date, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MCP_PODMAN_SOCKET="$(bash scripts/setup.sh)"
export MCP_PODMAN_SOCKET
npm run --silent gen:check
npm run --silent lint

# Start from a test podman without the leftovers of an earlier, interrupted run: an agent
# counts every MCP-labelled container it finds, so a stale one would change what a pass reports.
# Removed: MCP-managed containers, and the unmanaged ones the tests make (names agt-, itr-, ...).
leftovers() {
  {
    podman --url "unix://$MCP_PODMAN_SOCKET" ps -aq --filter label=mcp.managed=true
    podman --url "unix://$MCP_PODMAN_SOCKET" ps -aq --filter 'name=^(agt|itr|crash|mcpt)-'
  } | sort -u
}
mapfile -t stale < <(leftovers)
if [ "${#stale[@]}" -gt 0 ]; then
  echo "test.sh: removing ${#stale[@]} containers left on the test podman by an earlier run" >&2
  podman --url "unix://$MCP_PODMAN_SOCKET" rm -f -t 0 "${stale[@]}" >/dev/null
fi

# VMs run detached from the agent that started them: stop those an interrupted run left.
pkill -KILL -f 'qemu-system.*/mcp-(qemu|agent)-' || true
# ... and the network namespaces the bridge tests made.
for ns in $(ip netns list 2>/dev/null | awk '/^mcp-test-br-/ {print $1}'); do ip netns del "$ns"; done

# A hung test must fail the run, not outlast CI's limit: each test gets 5 minutes, the suite 40.
timeout --kill-after=30 40m npm test

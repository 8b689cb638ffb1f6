#!/usr/bin/env bash
# Sets up the isolated host-only bridge for unikernel VMs (DESIGN.md), idempotently, as root:
#   - the bridge (default mcp-br0) with the gateway address (default 10.99.0.1/24), no uplink
#     and no NAT;
#   - nftables table inet mcp_bridge: the host routes nothing to or from the bridge, so a VM
#     reaches the host's gateway address and nothing beyond it.
# The agent adds each VM's TAP as an isolated bridge port, so VMs cannot reach one another.
# Run it at boot (or in a network namespace, as the tests do); the agent uses the bridge for
# VMs it creates while the bridge exists.
set -euo pipefail
BRIDGE="${MCP_BRIDGE:-mcp-br0}"
GATEWAY="${MCP_BRIDGE_GATEWAY:-10.99.0.1/24}"

ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
ip addr replace "$GATEWAY" dev "$BRIDGE"
ip link set "$BRIDGE" up
ip link set lo up
nft -f - <<NFT
table inet mcp_bridge
delete table inet mcp_bridge
table inet mcp_bridge {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "$BRIDGE" drop
    oifname "$BRIDGE" drop
  }
}
NFT
echo "bridge-up: $BRIDGE $GATEWAY, forwarding to and from it dropped" >&2

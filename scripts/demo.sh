#!/usr/bin/env bash
# The main job: the agent reconciling the demo services (examples/demo) on this machine's
# podman, then staying up to heal drift. Stop it with Ctrl-C; its containers stay running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec env MALLOC_ARENA_MAX=1 node --max-semi-space-size=1 --liftoff-only dist/src/agent/main.js run --config examples/demo/mcp-agent.toml

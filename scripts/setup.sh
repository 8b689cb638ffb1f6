#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) for MCP's demo and tests: apt packages, npm
# dependencies, a podman API service with its local test images, QEMU with a guest image to
# boot, and the build.
# Idempotent. Prints the podman socket path on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

# git (and its http-backend) for the git tests, curl, openssl for the API's TLS test,
# docker-compose (the peer of the convergence benchmark and of the compose renderer's test),
# iproute2 and nftables for the VM bridge (and its tests' network namespaces), procps (ps, pkill),
# chromium for the status page's browser tests, age and gnupg for real keys in the secrets and
# signature tests, docker-registry for a real image registry, systemd for `systemd-analyze verify`
# and `security` of deploy/mcp-agent.service (they work offline, without systemd as PID 1).
# shellcheck source=test/support/apt.sh
. test/support/apt.sh
apt_install git curl ca-certificates openssl docker-compose iproute2 nftables procps \
  chromium fonts-dejavu-core age gnupg docker-registry systemd

# `npm install`, not `npm ci`: the registry reachable here serves only the Linux builds of
# biome's per-platform packages, so the lock file cannot list the others and `npm ci` calls it
# out of sync. With the lock present, `npm install` installs exactly the locked versions.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm install --no-audit --no-fund >&2
  touch node_modules
fi

socket="$(bash test/support/podman-up.sh)"
# QEMU and the stand-in unikernel guest (kernel + busybox initramfs) the VM tests boot.
bash test/support/guest-image.sh >/dev/null
npm run --silent build >&2
echo "$socket"

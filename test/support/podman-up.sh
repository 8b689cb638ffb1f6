#!/usr/bin/env bash
# Brings up the podman the integration tests and benchmarks run against, on a fresh Debian 12
# machine or an already prepared one (idempotent; run as root):
#   - installs podman and its helpers from apt when missing,
#   - writes the containers.conf settings without which no container starts here (DESIGN.md),
#   - starts `podman system service` on a socket of its own when the socket does not answer,
#   - builds local test images without any registry: localhost/mcp-test/busybox:v1 and :v2.
# Prints the socket path on stdout (everything else goes to stderr), so callers can do
#   export MCP_PODMAN_SOCKET="$(test/support/podman-up.sh)"
# The tests read MCP_PODMAN_SOCKET and default to /run/mcp-test/podman.sock.
set -euo pipefail
# shellcheck source=test/support/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

SOCKET="${MCP_PODMAN_SOCKET:-/run/mcp-test/podman.sock}"
RUN_DIR="$(dirname "$SOCKET")"
LOG="$RUN_DIR/podman.log"
PID_FILE="$RUN_DIR/podman.pid"
CONF=/etc/containers/containers.conf
DROP_IN=/etc/containers/containers.conf.d/50-mcp-test.conf
MARKER='# written by mcp test/support/podman-up.sh'
IMAGE=localhost/mcp-test/busybox
START_TIMEOUT="${MCP_PODMAN_START_TIMEOUT:-30}"

say() { echo "podman-up: $*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (podman runs rootful here)"

PACKAGES=(podman runc conmon catatonit netavark aardvark-dns iptables nftables busybox-static curl ca-certificates)

# busybox-static specifically: the images copy /bin/busybox, which must not need a libc.

conf_body() {
  cat <<EOF
$MARKER
# Without these no container starts on these machines: rlimits above the default are not
# permitted, and crun rejects the hybrid cgroup layout.
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
}

# Our own file (or none yet) is written whole; someone else's is left alone and overridden by a
# drop-in, which containers.conf.d files do (they are read after containers.conf).
write_conf() {
  if [ ! -e "$CONF" ] || grep -qF "$MARKER" "$CONF"; then
    local want
    want="$(conf_body)"
    [ -e "$CONF" ] && [ "$(cat "$CONF")" = "$want" ] && return
    mkdir -p "$(dirname "$CONF")"
    printf '%s\n' "$want" >"$CONF"
    say "wrote $CONF"
    return
  fi
  mkdir -p "$(dirname "$DROP_IN")"
  conf_body >"$DROP_IN.tmp" && mv "$DROP_IN.tmp" "$DROP_IN"
  say "$CONF is not ours: wrote the settings to $DROP_IN"
}

socket_answers() {
  [ -S "$SOCKET" ] && curl -fsS --max-time 3 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1
}

# A service whose working directory was deleted (started from a clone since removed) answers
# /_ping but starts no container: conmon inherits that directory and fails to get it.
cwd_gone() {
  [ -f "$PID_FILE" ] && [[ "$(readlink "/proc/$(cat "$PID_FILE")/cwd" 2>/dev/null)" == *" (deleted)" ]]
}

start_service() {
  local why="runs but the socket does not answer"
  if cwd_gone; then
    why="runs in a deleted directory"
  else
    socket_answers && return
  fi
  mkdir -p "$RUN_DIR"
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    say "podman service $(cat "$PID_FILE") $why: restarting it"
    kill "$(cat "$PID_FILE")" || true
    sleep 1
  fi
  rm -f "$SOCKET"
  say "starting podman system service on $SOCKET (log: $LOG)"
  # From /: the service and its conmons must not hold the caller's directory, which may go.
  local here="$PWD"
  cd /
  setsid nohup podman system service --time=0 "unix://$SOCKET" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  cd "$here"
  local deadline=$((SECONDS + START_TIMEOUT))
  until socket_answers; do
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      tail -n 20 "$LOG" >&2 || true
      die "podman system service exited; see $LOG"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "socket $SOCKET did not answer /_ping within ${START_TIMEOUT}s; see $LOG"
    sleep 0.2
  done
}

# A busybox-static rootfs with every applet linked, a passwd file and /VERSION = the tag, so
# each tag has its own content and therefore its own image id.
build_image() {
  local tag="$1"
  if podman image exists "$IMAGE:$tag"; then return; fi
  local root
  root="$(mktemp -d)"
  mkdir -p "$root"/{bin,sbin,etc,tmp,proc,sys,dev,var/www,root}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf '%s\n' "$tag" >"$root/VERSION"
  printf 'mcp-test %s\n' "$tag" >"$root/var/www/index.html"
  tar -C "$root" -cf - . | podman import \
    --change 'CMD ["sh"]' --change 'ENV PATH=/bin:/sbin' --change 'WORKDIR /' \
    - "$IMAGE:$tag" >&2
  rm -rf "$root"
  say "built $IMAGE:$tag"
}

apt_install "${PACKAGES[@]}"
write_conf
start_service
build_image v1
build_image v2
echo "$SOCKET"

#!/usr/bin/env bash
# Builds the "stand-in unikernel" QEMU guest the VM tests and benchmarks boot, on a fresh Debian 12
# machine or an already prepared one (idempotent; run as root). No unikernel toolchain is packaged
# for Debian (DESIGN.md), so the guest is the smallest thing that behaves like one:
#   - installs qemu-system-x86, cpio, busybox-static and kmod from apt when missing,
#   - downloads the Debian cloud kernel package (the one linux-image-cloud-amd64 depends on) and
#     takes its vmlinuz plus the virtio-net modules,
#   - packs a busybox initramfs whose /init reads mcp.ip=ADDR/PREFIX, mcp.gw=GATEWAY and
#     mcp.name=NAME from the kernel command line (all optional; without mcp.ip it asks DHCP, which
#     QEMU user-mode networking answers with 10.0.2.15), serves "mcp-guest NAME" over HTTP on port
#     8080, prints the line "mcp-guest ready" on the console and powers off on the ACPI power button;
#     a second NIC, when there is one, gets its address by DHCP (the ports published from the host
#     when the first NIC is on the isolated bridge).
# The result is DIR/vmlinuz and DIR/initrd.img; DIR is MCP_GUEST_DIR, default /var/lib/mcp-test/guest.
# Nothing is rebuilt while both files are newer than this script. Prints DIR on stdout (everything
# else goes to stderr), so callers can do
#   export MCP_GUEST_DIR="$(test/support/guest-image.sh)"
# and boot it with
#   qemu-system-x86_64 -machine q35 -accel tcg -m 128 -smp 1 -nodefaults -display none \
#     -serial file:console.log -kernel "$MCP_GUEST_DIR/vmlinuz" -initrd "$MCP_GUEST_DIR/initrd.img" \
#     -append "console=ttyS0 quiet mcp.name=demo" \
#     -netdev user,id=n0,hostfwd=tcp:127.0.0.1:18080-:8080 -device virtio-net-pci,netdev=n0
set -euo pipefail
# shellcheck source=test/support/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

OUT_DIR="${MCP_GUEST_DIR:-/var/lib/mcp-test/guest}"
SELF="$(readlink -f "${BASH_SOURCE[0]}")"
META_PACKAGE=linux-image-cloud-amd64
PACKAGES=(qemu-system-x86 cpio busybox-static kmod)
# insmod order matters: each module only needs those before it. A module built into the kernel
# has no .ko and is skipped. button + evdev are extras for the power-button watcher.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net)
EXTRA_MODULES=(button evdev)

say() { echo "guest-image: $*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages from apt)"

is_fresh() {
  [ -s "$OUT_DIR/vmlinuz" ] && [ -s "$OUT_DIR/initrd.img" ] &&
    [ "$OUT_DIR/vmlinuz" -nt "$SELF" ] && [ "$OUT_DIR/initrd.img" -nt "$SELF" ]
}

# The concrete kernel package, e.g. linux-image-6.1.0-56-cloud-amd64.
kernel_package() {
  local name
  name="$(apt-cache depends "$META_PACKAGE" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')"
  if [ -z "$name" ]; then
    apt_update
    name="$(apt-cache depends "$META_PACKAGE" | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')"
  fi
  [ -n "$name" ] || die "cannot tell which kernel package $META_PACKAGE depends on"
  echo "$name"
}

# apt-get download drops to the _apt user, which cannot write to a root-only directory: keep it root.
download_kernel() {
  local pkg="$1" dir="$2"
  if ! (cd "$dir" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2); then
    apt_update
    (cd "$dir" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2) || die "apt-get download $pkg failed"
  fi
}

# Copies module $1 from the extracted kernel tree $2 to $3/$1.ko, decompressed.
copy_module() {
  local name="$1" tree="$2" dest="$3" file
  file="$(find "$tree/kernel" -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.gz" -o -name "$name.ko.zst" | head -n 1)"
  if [ -z "$file" ]; then
    if grep -qE "/$name\.ko\$" "$tree/modules.builtin" 2>/dev/null; then
      say "module $name is built into the kernel"
    else
      say "WARNING: module $name is neither a file nor built in; the guest goes without it"
    fi
    return 1
  fi
  # busybox insmod is not sure to read compressed modules: store them plain.
  case "$file" in
    *.ko) cp "$file" "$dest/$name.ko" ;;
    *.xz) busybox xz -dc "$file" >"$dest/$name.ko" ;;
    *.gz) gzip -dc "$file" >"$dest/$name.ko" ;;
    *.zst)
      command -v zstd >/dev/null || die "$file is zstd-compressed and zstd is not installed"
      zstd -qdc "$file" >"$dest/$name.ko"
      ;;
  esac
  local dep deps
  deps="$(modinfo -F depends "$dest/$name.ko" 2>/dev/null || true)"
  for dep in ${deps//,/ }; do
    [ -f "$dest/$dep.ko" ] || grep -qE "/$dep\.ko\$" "$tree/modules.builtin" ||
      say "WARNING: module $name depends on $dep, which is not loaded before it"
  done
}

write_init() {
  cat >"$1/init" <<'EOF'
#!/bin/sh
# PID 1 of the mcp stand-in guest, written by test/support/guest-image.sh. Must never exit.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

while read -r mod; do
  [ -f "/lib/modules/$mod.ko" ] && insmod "/lib/modules/$mod.ko"
done </etc/mcp-modules

IP= GW= NAME=
set -f
read -r cmdline </proc/cmdline
for arg in $cmdline; do
  case "$arg" in
    mcp.ip=*) IP="${arg#mcp.ip=}" ;;
    mcp.gw=*) GW="${arg#mcp.gw=}" ;;
    mcp.name=*) NAME="${arg#mcp.name=}" ;;
  esac
done
set +f
[ -n "$NAME" ] || NAME=guest
hostname "$NAME"

ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ "$i" -lt 50 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  if [ -n "$IP" ]; then
    ip addr add "$IP" dev eth0
    [ -z "$GW" ] || ip route add default via "$GW" dev eth0
  else
    # Goes to the background once it has a lease (and keeps renewing it), or after 10 tries.
    udhcpc -i eth0 -s /usr/share/udhcpc/default.script -t 10 -T 1 -b
  fi
else
  echo "mcp-guest: no eth0"
fi
# A second NIC (QEMU user mode, restricted) carries the ports the host publishes when eth0 is
# on the isolated bridge: DHCP gives it an address; the default route stays on eth0.
if [ -e /sys/class/net/eth1 ]; then
  ip link set eth1 up
  udhcpc -i eth1 -s /usr/share/udhcpc/default.script -t 10 -T 1 -b
fi

mkdir -p /www
echo "mcp-guest $NAME" >/www/index.html
httpd -f -p 8080 -h /www &

# ACPI power button (QMP system_powerdown): any event from it powers off.
sleep 0.1
for dev in /sys/class/input/event*; do
  [ "$(cat "$dev/device/name" 2>/dev/null)" = "Power Button" ] || continue
  (head -c 1 "/dev/input/${dev##*/}" >/dev/null && poweroff -f) &
done

echo "mcp-guest ready"
while :; do
  sleep 2147483647 &
  wait $!
done
EOF
  chmod 755 "$1/init"

  mkdir -p "$1/usr/share/udhcpc"
  cat >"$1/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc hook: apply the lease to $interface (busybox udhcpc sets nothing itself).
case "$1" in
  deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound | renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ] && [ -z "$(ip route show default)" ]; then
      for r in $router; do
        ip route add default via "$r" dev "$interface" && break
      done
    fi
    : >/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    ;;
esac
exit 0
EOF
  chmod 755 "$1/usr/share/udhcpc/default.script"
}

build() {
  mkdir -p "$OUT_DIR"
  local work
  work="$(mktemp -d "$OUT_DIR/.build.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  chmod 755 "$work"

  local pkg
  pkg="$(kernel_package)"
  say "downloading $pkg"
  mkdir "$work/deb"
  download_kernel "$pkg" "$work/deb"
  dpkg-deb -x "$work/deb/"*.deb "$work/kernel"

  local vmlinuz tree
  vmlinuz="$(find "$work/kernel/boot" -name 'vmlinuz-*' | head -n 1)"
  [ -n "$vmlinuz" ] || die "$pkg has no boot/vmlinuz-*"
  tree="$(find "$work/kernel/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
  [ -n "$tree" ] || die "$pkg has no lib/modules/<version>"
  say "kernel ${vmlinuz##*/vmlinuz-}"

  local root="$work/root"
  mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,www,lib/modules}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  # The kernel opens /dev/console for /init before devtmpfs is mounted.
  mknod -m 600 "$root/dev/console" c 5 1
  mknod -m 666 "$root/dev/null" c 1 3
  printf 'root:x:0:0:root:/:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"

  local mod
  : >"$root/etc/mcp-modules"
  for mod in "${MODULES[@]}" "${EXTRA_MODULES[@]}"; do
    if copy_module "$mod" "$tree" "$root/lib/modules"; then
      echo "$mod" >>"$root/etc/mcp-modules"
    fi
  done
  write_init "$root"

  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -9 >"$work/initrd.img"
  cp "$vmlinuz" "$work/vmlinuz"
  # Each rename is atomic, and vmlinuz goes away first: a run cut off in between leaves no
  # vmlinuz, so the next run rebuilds instead of pairing an old kernel with a new initrd.
  rm -f "$OUT_DIR/vmlinuz"
  mv -f "$work/initrd.img" "$OUT_DIR/initrd.img"
  mv -f "$work/vmlinuz" "$OUT_DIR/vmlinuz"
  say "built $OUT_DIR/vmlinuz ($(stat -c %s "$OUT_DIR/vmlinuz") bytes) and $OUT_DIR/initrd.img ($(stat -c %s "$OUT_DIR/initrd.img") bytes)"
}

apt_install "${PACKAGES[@]}"
if is_fresh; then
  say "$OUT_DIR is up to date"
else
  mkdir -p "$OUT_DIR"
  # One builder at a time; a waiting one finds the image built.
  exec 9>"$OUT_DIR/.lock"
  flock 9
  if ! is_fresh; then
    rm -rf "$OUT_DIR"/.build.* # left by a run that was killed
    build
  fi
fi
echo "$OUT_DIR"

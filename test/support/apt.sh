# shellcheck shell=bash
# Sourced by the set-up scripts: `apt_install PKG...` installs, with apt and without
# recommended packages, those of the named Debian packages that are not installed yet.
# `apt-get update` runs once per shell, and only when something is missing.

APT_UPDATED=
apt_update() {
  [ -n "$APT_UPDATED" ] && return
  apt-get update >&2
  APT_UPDATED=1
}

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return
  echo "apt: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_update
  apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

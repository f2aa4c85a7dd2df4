#!/usr/bin/env bash
# Debian/Ubuntu packages the tests and the lab use. Installs only what is missing; needs root.
set -euo pipefail
PACKAGES=(nmap fping dnsmasq-base openssh-server iproute2 chromium postgresql procps)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "system packages missing: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  echo "continuing: tests that need them will skip and say so" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian packages must not leave services running on this machine.
systemctl disable --now ssh postgresql >/dev/null 2>&1 || true
echo "system packages: installed ${missing[*]}"

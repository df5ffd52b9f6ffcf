#!/usr/bin/env bash
# Installs the Debian packages SocialOmm needs to build and run, if any are
# missing: a C compiler and the OpenGL/X11 headers Fyne builds against.
# Asks for sudo only when not root, and only when something is missing.
set -euo pipefail
packages=(gcc pkg-config libgl1-mesa-dev xorg-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs the Debian packages the integration tests (e2e/, internal/testbed)
# and the Fyne build need, and the en_US.UTF-8 locale the tests run under.
# A machine that has everything already is left alone: each package is
# checked with dpkg-query first, and apt-get runs only for missing ones.
# Uses sudo only when not root.
set -euo pipefail

pkgs=(
  xvfb               # the X server the app's window runs on
  dbus-x11           # dbus-run-session, dbus-monitor (session bus per test run)
  gnome-keyring      # the Secret Service the keyring code talks to
  libglib2.0-bin     # gdbus (waits for services on the bus)
  libsecret-tools    # secret-tool (checks what really landed in the keyring)
  dunst              # a notification server for desktop notifications
  imagemagick        # import (screenshots)
  chromium           # the browser the connect flow runs in (chromedp)
  xdotool            # finds windows by title
  x11-utils          # xwininfo
  fonts-dejavu-core  # a font for dunst and chromium to draw text with
  locales            # localedef, to generate en_US.UTF-8
  unzip              # unpacks the GoToSocial module (scripts/testbed-deps.sh)
  libgl1-mesa-dev    # Fyne's OpenGL build and software rendering under Xvfb
  xorg-dev           # X11 headers for GLFW (Fyne's cgo build)
  python3            # node-gyp, to build better-sqlite3 for the Bluesky server
  make               # the same
  g++                # the same
  desktop-file-utils # desktop-file-validate (the package's and the autostart entry)
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# npm installs the Bluesky reference server (scripts/pds-deps.sh), which
# brings its own Node 22 from the npm registry. Machines whose nodejs comes
# from NodeSource already have npm, and Debian's npm package conflicts with
# it, so npm is installed only where there is none.
if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-deps: installing nodejs and npm"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
fi

# Fyne reads LANG itself and logs a locale error for C.UTF-8, so the tests
# run with LANG=en_US.UTF-8. Fyne is happy with that even when the C library
# lacks the locale, but GLFW asks the C library for it (UTF-8 text input),
# so generate it once.
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf8'; then
  echo "install-test-deps: generating the en_US.UTF-8 locale"
  as_root localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8
fi

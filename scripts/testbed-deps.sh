#!/usr/bin/env bash
# Builds the test bed's real servers once into .cache/ (git ignores it) and
# reuses them afterwards: GoToSocial (a Mastodon-compatible server) and Mailpit
# (an SMTP server with an HTTP API). Only the Go module proxy is used.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
mkdir -p "$cache/bin"

GTS_MODULE=github.com/superseriousbusiness/gotosocial
GTS_VERSION=v0.18.3
MAILPIT_VERSION=v1.33.1

if [ ! -x "$cache/bin/mailpit" ]; then
  echo "testbed: building Mailpit $MAILPIT_VERSION (once)"
  GOBIN="$cache/bin" go install "github.com/axllent/mailpit@$MAILPIT_VERSION"
fi

gts_src="$cache/gotosocial-src"
if [ ! -x "$cache/bin/gotosocial" ] || [ ! -d "$gts_src/web/template" ]; then
  echo "testbed: building GoToSocial $GTS_VERSION (once, about 3 minutes)"
  # The module zip is not in the checksum database under this path, so skip
  # the sum check for this one module only.
  zip=$(cd "$cache" && GOFLAGS=-mod=mod GONOSUMDB="$GTS_MODULE" \
        go mod download -json "$GTS_MODULE@$GTS_VERSION" | sed -n 's/.*"Zip": "\(.*\)".*/\1/p')
  [ -f "$zip" ] || { echo "testbed: could not download $GTS_MODULE@$GTS_VERSION" >&2; exit 1; }
  rm -rf "$gts_src" "$cache/gts-unzip"
  mkdir -p "$cache/gts-unzip"
  (cd "$cache/gts-unzip" && unzip -q "$zip")
  mv "$cache/gts-unzip/$GTS_MODULE@$GTS_VERSION" "$gts_src"
  rm -rf "$cache/gts-unzip"
  chmod -R u+w "$gts_src"
  rm -rf "$gts_src/vendor"
  (cd "$gts_src" && CGO_ENABLED=0 GOFLAGS=-mod=mod GONOSUMDB="$GTS_MODULE" \
     go build -trimpath -tags "netgo osusergo static_build kvformat timetzdata" \
     -o "$cache/bin/gotosocial" ./cmd/gotosocial)
fi
echo "testbed: GoToSocial and Mailpit ready in $cache/bin"

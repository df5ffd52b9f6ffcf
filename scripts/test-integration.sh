#!/usr/bin/env bash
# Runs the integration tests (e2e/) against real services: installs missing
# Debian packages, builds GoToSocial and Mailpit once into .cache/, then runs
# `go test` inside a private D-Bus session bus (dbus-run-session), so the
# keyring, dunst and the app never touch the desktop's own bus.
#
#   scripts/test-integration.sh                 # all of ./e2e/...
#   scripts/test-integration.sh -run Keyring -v # extra go test arguments
#
# Screenshots land in artifacts/ (ignored by git).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-test-deps.sh
bash scripts/testbed-deps.sh
bash scripts/pds-deps.sh

# Fyne logs "Error parsing user locale C" under LANG=C.UTF-8; en_US.UTF-8
# works (install-test-deps.sh generates it for the C library too).
export LANG=en_US.UTF-8
unset LC_ALL LC_MESSAGES LANGUAGE

mkdir -p artifacts

# A private session bus without service activation (why: scripts/test-bus.conf).
dbus-run-session --config-file="$root/scripts/test-bus.conf" -- go test ./e2e/... -count=1 -timeout 30m "$@"

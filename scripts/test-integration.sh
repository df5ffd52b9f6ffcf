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

# The test bus is Debian's session bus without service activation: every
# service a test needs (gnome-keyring, dunst) is started by internal/testbed
# under a temp HOME. With activation on, a call to a service the test did
# not start would launch the real one with the real HOME (a stray keyring
# daemon writing into ~/.local/share/keyrings); without it the call fails at
# once with ServiceUnknown, which is what a test should see.
busconf=$(mktemp --tmpdir socialomm-test-bus.XXXXXX.conf)
trap 'rm -f "$busconf"' EXIT
cat >"$busconf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
CONF

dbus-run-session --config-file="$busconf" -- go test ./e2e/... -count=1 -timeout 30m "$@"

package testbed

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Keyring is a gnome-keyring-daemon serving org.freedesktop.secrets on the
// test's session bus, with an unlocked "login" keyring kept under its own
// temp HOME (so each test starts with an empty keyring).
type Keyring struct {
	// Home is the daemon's HOME; the keyring file is under
	// Home/.local/share/keyrings.
	Home string
	proc *Process
}

// KeyringPassword unlocks the test keyring.
const KeyringPassword = "pw"

// StartKeyring starts gnome-keyring-daemon (secrets component only) in the
// foreground, unlocked with KeyringPassword, and waits with
// `gdbus wait --session org.freedesktop.secrets` until it owns the
// Secret Service name. It is stopped when the test ends.
func StartKeyring(t testing.TB) *Keyring {
	t.Helper()
	RequireSessionBus(t)
	Home(t)
	bin := LookTool(t, "gnome-keyring-daemon")
	gdbus := LookTool(t, "gdbus")
	waitNameFree(t, "org.freedesktop.secrets", 10*time.Second)

	home := t.TempDir()
	runtimeDir := filepath.Join(home, "run")
	if err := os.MkdirAll(runtimeDir, 0o700); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	cmd := exec.Command(bin, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = Env(t,
		"HOME="+home,
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_RUNTIME_DIR="+runtimeDir,
	)
	// --unlock reads the password from stdin until EOF.
	cmd.Stdin = strings.NewReader(KeyringPassword)
	p := StartProcess(t, "gnome-keyring-daemon", cmd)

	wait := exec.Command(gdbus, "wait", "--session", "--timeout", "30", "org.freedesktop.secrets")
	var werr bytes.Buffer
	wait.Stderr = &werr
	if err := wait.Run(); err != nil {
		p.Stop()
		t.Fatalf("testbed: gnome-keyring-daemon did not take org.freedesktop.secrets on the session bus: gdbus wait: %v %s\n%s", err, werr.String(), p.Output())
	}
	if p.Exited() {
		t.Fatalf("testbed: gnome-keyring-daemon exited (%s)\n%s", p.exitText(), p.Output())
	}
	return &Keyring{Home: home, proc: p}
}

// Lookup asks the Secret Service directly (secret-tool, not go-keyring) for
// the secret stored with these attributes (go-keyring stores "service" and
// "username"). found is false when there is none.
func (k *Keyring) Lookup(t testing.TB, service, username string) (secret string, found bool) {
	t.Helper()
	cmd := exec.Command(LookTool(t, "secret-tool"), "lookup", "service", service, "username", username)
	cmd.Env = Env(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), true
	case errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0 && stderr.Len() == 0:
		return "", false
	default:
		t.Fatalf("testbed: secret-tool lookup: %v: %s", err, stderr.String())
		return "", false
	}
}

// Stop ends the daemon (the test's cleanup does it too).
func (k *Keyring) Stop() { k.proc.Stop() }

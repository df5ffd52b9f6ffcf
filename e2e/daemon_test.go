package e2e

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// TestDaemonRunsUntilSignalledAndIsAlone starts `socialomm daemon`, checks a
// second engine on the same data folder is refused, and that SIGTERM stops
// the first cleanly.
func TestDaemonRunsUntilSignalledAndIsAlone(t *testing.T) {
	testbed.RequireSessionBus(t)
	testbed.StartKeyring(t)
	bin := testbed.BuildBinary(t)
	dir := t.TempDir()
	start := func(name string) *testbed.Process {
		cmd := exec.Command(bin, "daemon", "--data-dir", dir)
		cmd.Env = testbed.Env(t, testbed.TempHome(t)...)
		return testbed.StartProcess(t, name, cmd)
	}
	first := start("daemon-first")
	first.WaitOutput(t, "engine running", 30*time.Second)

	second := start("daemon-second")
	if code := second.WaitExit(t, 30*time.Second); code == 0 || !strings.Contains(second.Stderr(), "already running") {
		t.Fatalf("a second engine on the same folder: exit %d\n%s", code, second.Output())
	}

	first.Signal(t, syscall.SIGTERM)
	if code := first.WaitExit(t, 15*time.Second); code != 0 || !strings.Contains(first.Stderr(), "engine stopped") {
		t.Fatalf("after SIGTERM: exit %d\n%s", code, first.Output())
	}
}

package e2e

import (
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// appDesktop is what the real app needs around it: a display, an unlocked
// keyring and a notification server, all on the test's session bus.
type appDesktop struct {
	display *testbed.Display
	keyring *testbed.Keyring
	notify  *testbed.Notifications
	bin     string
}

func newAppDesktop(t *testing.T) *appDesktop {
	t.Helper()
	testbed.RequireSessionBus(t)
	bin := testbed.BuildBinary(t)
	d := testbed.StartXvfb(t)
	return &appDesktop{
		display: d,
		keyring: testbed.StartKeyring(t),
		notify:  testbed.StartNotifications(t, d),
		bin:     bin,
	}
}

// start runs the app binary on the display with args.
func (a *appDesktop) start(t *testing.T, name string, args ...string) *testbed.Process {
	t.Helper()
	cmd := exec.Command(a.bin, args...)
	cmd.Env = a.display.Env(t, testbed.TempHome(t)...)
	return testbed.StartProcess(t, name, cmd)
}

const windowTitle = "SocialOmm"

// TestSmokeAccountsWindow starts the real binary on an empty data folder,
// finds its window, saves a screenshot (artifacts/smoke-accounts-empty.png)
// and checks that a SIGTERM ends it cleanly.
func TestSmokeAccountsWindow(t *testing.T) {
	a := newAppDesktop(t)
	app := a.start(t, "socialomm", "--data-dir", t.TempDir())

	win := a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)
	t.Logf("window %s: %q", win, a.display.WindowName(t, win))
	shot := a.display.ScreenshotPainted(t, "smoke-accounts-empty", 30*time.Second)
	testbed.AssertNotBlank(t, shot)

	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("after SIGTERM the app exited with %d, want 0\n%s", code, app.Output())
	}
}

// TestSecondInstance starts the app twice on one data folder: the second
// start must not run a second engine; it tells the first to bring its
// window forward, says "already running" and exits 0, while the first keeps
// running.
func TestSecondInstance(t *testing.T) {
	a := newAppDesktop(t)
	dataDir := t.TempDir()
	first := a.start(t, "socialomm-first", "--data-dir", dataDir)
	a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)

	second := a.start(t, "socialomm-second", "--data-dir", dataDir)
	if code := second.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("second instance exited with %d, want 0\n%s", code, second.Output())
	}
	if out := second.Stdout() + second.Stderr(); !strings.Contains(out, "already running") {
		t.Fatalf("second instance did not say it is already running:\n%s", second.Output())
	}
	if first.Exited() {
		t.Fatalf("the first instance exited when the second started (%d)\n%s", first.ExitCode(), first.Output())
	}
	if wins := a.display.FindWindows(t, regexp.QuoteMeta(windowTitle)); len(wins) != 1 {
		t.Fatalf("%d SocialOmm windows after the second start, want 1:\n%s", len(wins), a.display.WindowTree(t))
	}

	first.Signal(t, syscall.SIGTERM)
	if code := first.WaitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("after SIGTERM the first instance exited with %d, want 0\n%s", code, first.Output())
	}
}

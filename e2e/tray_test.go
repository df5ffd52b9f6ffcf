package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

// TestTrayMenu runs the real app with a StatusNotifierWatcher on the test
// bus, reads its tray menu and icon as a tray host would, closes the window
// to the tray and brings it back from the menu, quits from the menu, then
// starts it again with a lost connection and sees the attention state.
func TestTrayMenu(t *testing.T) {
	a := newAppDesktop(t)
	watcher := testbed.StartTrayWatcher(t) // before the app: it looks once, at start
	dataDir := t.TempDir()
	app := a.start(t, "socialomm", "--data-dir", dataDir)
	app.WaitOutput(t, "system tray ready", time.Minute)

	item := watcher.WaitItem(t, 30*time.Second)
	menu := item.WaitMenuLabel(t, "No profiles connected yet", 30*time.Second)
	if got, want := strings.Join(testbed.MenuLabels(menu), "|"), "No profiles connected yet|Open SocialOmm|---|Quit"; got != want {
		t.Fatalf("tray menu %q, want %q", got, want)
	}
	normal := trayIconOf(t, item)
	if n := trayOrangePixels(normal); n != 0 {
		t.Fatalf("the normal tray icon has %d orange pixels (the attention badge)", n)
	}

	win := a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)

	t.Run("closing hides to the tray; the menu and the icon bring it back", func(t *testing.T) {
		trayCloseWindow(t, a.display, win)
		trayWaitNoWindow(t, a.display, 30*time.Second)
		a.notify.Wait(t, 30*time.Second, func(n testbed.Notification) bool {
			return n.Summary == "SocialOmm is still running"
		})
		if app.Exited() {
			t.Fatalf("closing the window ended the app (%d)\n%s", app.ExitCode(), app.Output())
		}
		item.Click(t, "Open SocialOmm")
		a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), 30*time.Second)

		// A click on the icon itself (Activate) brings it back too.
		trayCloseWindow(t, a.display, win)
		trayWaitNoWindow(t, a.display, 30*time.Second)
		item.Activate(t)
		a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), 30*time.Second)

		// The count item opens the Accounts window too.
		trayCloseWindow(t, a.display, win)
		trayWaitNoWindow(t, a.display, 30*time.Second)
		item.Click(t, "No profiles connected yet")
		a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), 30*time.Second)
		// The note that SocialOmm keeps running is said once, not on
		// every close.
		notes := 0
		for _, n := range a.notify.All() {
			if n.Summary == "SocialOmm is still running" {
				notes++
			}
		}
		if notes != 1 {
			t.Fatalf("%d notes that SocialOmm keeps running, want 1", notes)
		}
		if app.Exited() {
			t.Fatalf("the app exited (%d)\n%s", app.ExitCode(), app.Output())
		}
	})

	item.Click(t, "Quit")
	if code := app.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("Quit in the tray menu: exit %d, want 0\n%s", code, app.Output())
	}

	t.Run("a lost connection shows in the icon and the count", func(t *testing.T) {
		traySeedLost(t, dataDir)
		again := a.start(t, "socialomm-attention", "--data-dir", dataDir)
		again.WaitOutput(t, `msg="tray shows attention" count=1`, time.Minute)
		item2 := watcher.WaitNewItem(t, item, 30*time.Second)
		menu := item2.WaitMenuLabel(t, "1 profile needs attention", 30*time.Second)
		if got, want := strings.Join(testbed.MenuLabels(menu), "|"), "1 profile needs attention|Open SocialOmm|---|Quit"; got != want {
			t.Fatalf("tray menu %q, want %q", got, want)
		}
		attention := trayIconOf(t, item2)
		if bytes.Equal(attention.ARGB, normal.ARGB) {
			t.Fatal("the tray icon is the same with a profile needing attention")
		}
		if n := trayOrangePixels(attention); n < 100 {
			t.Fatalf("the attention icon has only %d orange pixels", n)
		}
		item2.Click(t, "Quit")
		if code := again.WaitExit(t, 30*time.Second); code != 0 {
			t.Fatalf("Quit in the tray menu: exit %d, want 0\n%s", code, again.Output())
		}
	})
}

// TestNoTray runs the app where nothing owns org.kde.StatusNotifierWatcher:
// it says once that there is no tray, keeps running, and closing the window
// asks whether to quit instead of leaving nothing on screen.
func TestNoTray(t *testing.T) {
	a := newAppDesktop(t)
	app := a.start(t, "socialomm", "--data-dir", t.TempDir())
	app.WaitOutput(t, "no system tray on this desktop (no StatusNotifierWatcher on the session bus)", time.Minute)
	win := a.display.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)
	app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)
	if out := app.Stdout() + app.Stderr(); strings.Count(out, "no system tray on this desktop") != 1 || strings.Contains(out, "system tray ready") {
		t.Fatalf("the app should say once that there is no tray:\n%s", app.Output())
	}

	trayCloseWindow(t, a.display, win)
	app.WaitOutput(t, "closing the window asks whether to quit", 30*time.Second)
	if wins := a.display.FindWindows(t, regexp.QuoteMeta(windowTitle)); len(wins) != 1 {
		t.Fatalf("after close without a tray: %d windows, want the one asking\n%s", len(wins), a.display.WindowTree(t))
	}
	shot := a.display.ScreenshotPainted(t, "tray-none-quit-question", 30*time.Second)
	testbed.AssertNotBlank(t, shot)
	if app.Exited() {
		t.Fatalf("closing without a tray quit without asking (%d)\n%s", app.ExitCode(), app.Output())
	}

	// Answer with the keyboard, as the dialog's buttons have no fixed place:
	// Tab goes to Keep open, then to Quit; Space presses. With no window
	// manager the keys go to the window under the pointer.
	trayXdotool(t, a.display, "mousemove", "--window", win, "10", "10")
	trayXdotool(t, a.display, "key", "Tab", "space")
	// Keep open took the question away: closing asks again.
	trayCloseWindow(t, a.display, win)
	trayWaitOutputCount(t, app, "closing the window asks whether to quit", 2, 30*time.Second)
	if app.Exited() {
		t.Fatalf("Keep open quit (%d)\n%s", app.ExitCode(), app.Output())
	}
	trayXdotool(t, a.display, "key", "Tab", "Tab", "space")
	if code := app.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("Quit in the question: exit %d, want 0\n%s", code, app.Output())
	}
}

// trayWaitOutputCount waits until the app has printed substr n times.
func trayWaitOutputCount(t *testing.T, p *testbed.Process, substr string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if strings.Count(p.Stdout()+p.Stderr(), substr) >= n {
			return
		}
		select {
		case <-tick.C:
		case <-p.Done():
			t.Fatalf("%s exited before printing %q %d times\n%s", p.Name, substr, n, p.Output())
		case <-deadline.C:
			t.Fatalf("%s did not print %q %d times within %s\n%s", p.Name, substr, n, timeout, p.Output())
		}
	}
}

// traySeedLost stores a profile whose access was revoked, as a check would
// have left it; the app's checks at start leave a disconnected one alone.
func traySeedLost(t *testing.T, dataDir string) {
	t.Helper()
	s, err := store.Open(context.Background(), dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.SaveAccount(context.Background(), account.Account{
		Network: "mastodon", Instance: "https://social.example.invalid", RemoteID: "4711",
		Handle: "@lost@social.example.invalid", DisplayName: "Lost Profile",
		State: account.Disconnected, Reason: account.ReasonRevoked,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// trayIconOf is the item's single icon pixmap, which must have pixels.
func trayIconOf(t *testing.T, item testbed.TrayItem) testbed.Pixmap {
	t.Helper()
	icons := item.IconPixmap(t)
	if len(icons) != 1 || icons[0].Width <= 0 || len(icons[0].ARGB) != int(icons[0].Width*icons[0].Height*4) {
		var sizes []string
		for _, p := range icons {
			sizes = append(sizes, fmt.Sprintf("%dx%d/%d bytes", p.Width, p.Height, len(p.ARGB)))
		}
		t.Fatalf("tray icon pixmaps %v, want one with pixels (icon name %q)", sizes, item.IconName(t))
	}
	return icons[0]
}

// trayOrangePixels counts the pixels of the attention badge's orange
// (#F97316) in an ARGB pixmap.
func trayOrangePixels(p testbed.Pixmap) int {
	n := 0
	for i := 0; i+3 < len(p.ARGB); i += 4 {
		a, r, g, b := p.ARGB[i], p.ARGB[i+1], p.ARGB[i+2], p.ARGB[i+3]
		if a > 200 && r > 220 && g > 90 && g < 140 && b < 60 {
			n++
		}
	}
	return n
}

// trayWaitNoWindow waits until no SocialOmm window is visible.
func trayWaitNoWindow(t *testing.T, d *testbed.Display, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if len(d.FindWindows(t, regexp.QuoteMeta(windowTitle))) == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("the SocialOmm window is still visible after %s:\n%s", timeout, d.WindowTree(t))
		}
	}
}

// trayCloseWindow asks the window to close as a window manager's close
// button does: an ICCCM WM_DELETE_WINDOW client message. Bare Xvfb has no
// window manager, and xdotool (3.20160805) can only destroy a window
// (windowclose), which is not a close request; so this speaks the X11
// protocol itself: InternAtom twice, SendEvent, and a GetInputFocus round
// trip so the event has been handed to the app before it returns.
func trayCloseWindow(t *testing.T, d *testbed.Display, window string) {
	t.Helper()
	id, err := strconv.ParseUint(window, 10, 32)
	if err != nil {
		t.Fatalf("window id %q: %v", window, err)
	}
	num := strings.TrimPrefix(d.Name, ":")
	if i := strings.IndexByte(num, '.'); i >= 0 {
		num = num[:i]
	}
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 5*time.Second)
	if err != nil {
		t.Fatalf("connecting to X display %s: %v", d.Name, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	x := &x11{conn: conn}
	if err := x.setup(); err != nil {
		t.Fatalf("X display %s: %v", d.Name, err)
	}
	protocols, err := x.internAtom("WM_PROTOCOLS")
	if err != nil {
		t.Fatalf("X display %s: %v", d.Name, err)
	}
	deleteWindow, err := x.internAtom("WM_DELETE_WINDOW")
	if err != nil {
		t.Fatalf("X display %s: %v", d.Name, err)
	}
	// ClientMessage (33), format 32, to the window's own client (event
	// mask 0): data[0] the protocol, data[1] CurrentTime.
	ev := make([]byte, 32)
	ev[0], ev[1] = 33, 32
	binary.LittleEndian.PutUint32(ev[4:], uint32(id))
	binary.LittleEndian.PutUint32(ev[8:], protocols)
	binary.LittleEndian.PutUint32(ev[12:], deleteWindow)
	req := make([]byte, 12, 44)
	req[0] = 25 // SendEvent, propagate false
	binary.LittleEndian.PutUint16(req[2:], 11)
	binary.LittleEndian.PutUint32(req[4:], uint32(id))
	// event mask 0: bytes 8..11 stay zero
	req = append(req, ev...)
	if err := x.request(req); err != nil {
		t.Fatalf("X display %s: SendEvent: %v", d.Name, err)
	}
	if _, err := x.roundTrip([]byte{43, 0, 1, 0}); err != nil { // GetInputFocus
		t.Fatalf("X display %s: after SendEvent to window %s: %v", d.Name, window, err)
	}
}

// x11 is just enough of an X11 client (little-endian, no authorisation:
// the test's Xvfb accepts local clients) to send a close request.
type x11 struct {
	conn net.Conn
}

func (x *x11) setup() error {
	// 'l', unused, protocol 11.0, no authorisation name or data, unused.
	if _, err := x.conn.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(x.conn, head); err != nil {
		return fmt.Errorf("connection setup: %w", err)
	}
	rest := make([]byte, int(binary.LittleEndian.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(x.conn, rest); err != nil {
		return fmt.Errorf("connection setup: %w", err)
	}
	if head[0] != 1 {
		reason := rest
		if n := int(head[1]); n <= len(rest) && head[0] == 0 {
			reason = rest[:n]
		}
		return fmt.Errorf("connection refused (%d): %s", head[0], reason)
	}
	return nil
}

func (x *x11) request(req []byte) error {
	_, err := x.conn.Write(req)
	return err
}

// roundTrip sends a request that has a reply and returns the reply,
// skipping events; an X error fails.
func (x *x11) roundTrip(req []byte) ([]byte, error) {
	if err := x.request(req); err != nil {
		return nil, err
	}
	for {
		msg := make([]byte, 32)
		if _, err := io.ReadFull(x.conn, msg); err != nil {
			return nil, err
		}
		switch msg[0] {
		case 0:
			return nil, fmt.Errorf("X error %d (bad value %#x) for request %d", msg[1], binary.LittleEndian.Uint32(msg[4:]), msg[10])
		case 1:
			extra := make([]byte, int(binary.LittleEndian.Uint32(msg[4:]))*4)
			if _, err := io.ReadFull(x.conn, extra); err != nil {
				return nil, err
			}
			return append(msg, extra...), nil
		}
	}
}

func (x *x11) internAtom(name string) (uint32, error) {
	pad := (4 - len(name)%4) % 4
	req := make([]byte, 8, 8+len(name)+pad)
	req[0] = 16 // InternAtom, only-if-exists false
	binary.LittleEndian.PutUint16(req[2:], uint16(2+(len(name)+pad)/4))
	binary.LittleEndian.PutUint16(req[4:], uint16(len(name)))
	req = append(req, name...)
	req = append(req, make([]byte, pad)...)
	reply, err := x.roundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("InternAtom %s: %w", name, err)
	}
	return binary.LittleEndian.Uint32(reply[8:]), nil
}

// trayXdotool runs xdotool on the display.
func trayXdotool(t *testing.T, d *testbed.Display, args ...string) {
	t.Helper()
	cmd := exec.Command(testbed.LookTool(t, "xdotool"), args...)
	cmd.Env = d.Env(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

package ui

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
)

// trayTestApp is the test app with a desktop tray that records what it is
// given, as the GLFW driver's would show it.
type trayTestApp struct {
	fyne.App
	menus  []*fyne.Menu
	icons  []fyne.Resource
	window fyne.Window
}

func (a *trayTestApp) SetSystemTrayMenu(m *fyne.Menu)    { a.menus = append(a.menus, m) }
func (a *trayTestApp) SetSystemTrayIcon(r fyne.Resource) { a.icons = append(a.icons, r) }
func (a *trayTestApp) SetSystemTrayWindow(w fyne.Window) { a.window = w }
func (a *trayTestApp) lastIcon() fyne.Resource           { return a.icons[len(a.icons)-1] }
func (a *trayTestApp) lastMenu() *fyne.Menu              { return a.menus[len(a.menus)-1] }
func (w *hideCountingWindow) Hide()                      { w.hidden++; w.Window.Hide() }
func (w *hideCountingWindow) SetCloseIntercept(fn func()) {
	w.intercept = fn
	w.Window.SetCloseIntercept(fn)
}

// hideCountingWindow counts Hide calls and keeps the close intercept, which
// the test window does not show.
type hideCountingWindow struct {
	fyne.Window
	hidden    int
	intercept func()
}

type trayFixture struct {
	tray   *tray
	app    *trayTestApp
	window *hideCountingWindow
	log    *bytes.Buffer
	opened int
	quits  int
}

// newTrayFixture builds a tray on the test driver; watcher says whether a
// StatusNotifierWatcher is "on the bus".
func newTrayFixture(t *testing.T, watcher bool) *trayFixture {
	t.Helper()
	a := &trayTestApp{App: test.NewTempApp(t)}
	w := &hideCountingWindow{Window: a.NewWindow("SocialOmm — Accounts")}
	w.Resize(fyne.NewSize(880, 600))
	w.Show()
	t.Cleanup(w.Close)
	f := &trayFixture{app: a, window: w, log: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	f.tray = newTray(a, w, logger, func() { f.opened++ }, func() { f.quits++ })
	f.tray.watcherPresent = func() (bool, error) {
		if watcher {
			return true, nil
		}
		return false, nil
	}
	f.tray.setup()
	return f
}

func (f *trayFixture) menuLabels() []string {
	var out []string
	for _, it := range f.app.lastMenu().Items {
		out = append(out, it.Label)
	}
	return out
}

func acct(id int64, state account.State) account.Account {
	return account.Account{ID: id, Network: "mastodon", Handle: "@p@example.org", State: state}
}

func TestTrayMenuAndIconFollowAttention(t *testing.T) {
	f := newTrayFixture(t, true)
	if !strings.Contains(f.log.String(), "system tray ready") {
		t.Fatalf("log: %s", f.log)
	}
	if f.app.window != f.window {
		t.Fatal("the tray does not bring back the Accounts window on a click on its icon")
	}
	if got := f.menuLabels(); strings.Join(got, "|") != "Loading your profiles…|Open SocialOmm||Quit" {
		t.Fatalf("menu before the first load: %q", got)
	}
	// Fyne adds a Quit of its own unless the last item is one.
	items := f.app.lastMenu().Items
	if last := items[len(items)-1]; !last.IsQuit {
		t.Fatal("the last item is not marked IsQuit: Fyne would add a second Quit")
	}
	quits := 0
	for _, it := range items {
		if it.Label == "Quit" {
			quits++
		}
	}
	if quits != 1 {
		t.Fatalf("%d Quit items", quits)
	}

	normal := f.app.lastIcon()
	cases := []struct {
		name      string
		list      []account.Account
		label     string
		attention bool
	}{
		{"no profiles", nil, "No profiles connected yet", false},
		{"all connected", []account.Account{acct(1, account.Connected), acct(2, account.Connected)}, "All profiles connected", false},
		{"one lost", []account.Account{acct(1, account.Disconnected), acct(2, account.Connected)}, "1 profile needs attention", true},
		{"lost and expiring", []account.Account{acct(1, account.Disconnected), acct(2, account.Expiring), acct(3, account.Connected)}, "2 profiles need attention", true},
		{"back to connected", []account.Account{acct(1, account.Connected)}, "All profiles connected", false},
	}
	for _, c := range cases {
		f.tray.show(c.list)
		if got := f.menuLabels(); got[0] != c.label || got[1] != "Open SocialOmm" || got[len(got)-1] != "Quit" {
			t.Fatalf("%s: menu %q, want %q first", c.name, got, c.label)
		}
		icon := f.app.lastIcon()
		if c.attention && icon != f.tray.attentionIcon || !c.attention && icon != normal {
			t.Fatalf("%s: tray icon %s", c.name, icon.Name())
		}
	}
	log := f.log.String()
	for _, want := range []string{`msg="tray shows attention" count=1`, `msg="tray shows attention" count=2`, "tray shows no attention"} {
		if !strings.Contains(log, want) {
			t.Fatalf("log lacks %q:\n%s", want, log)
		}
	}
	// The same state again changes nothing in the tray.
	menus, icons := len(f.app.menus), len(f.app.icons)
	f.tray.show([]account.Account{acct(7, account.Connected)})
	if len(f.app.menus) != menus || len(f.app.icons) != icons {
		t.Fatal("an unchanged state was sent to the tray again")
	}

	f.app.lastMenu().Items[0].Action()
	f.app.lastMenu().Items[1].Action()
	if f.opened != 2 {
		t.Fatalf("the count and Open SocialOmm opened the window %d times, want 2", f.opened)
	}
	f.app.lastMenu().Items[3].Action()
	if f.quits != 1 {
		t.Fatal("Quit did not quit")
	}
}

// The tray icons reach the host as 64×64 PNG (hosts read pixels, not SVG),
// and only the attention icon has its orange badge.
func TestTrayIconsArePNG(t *testing.T) {
	f := newTrayFixture(t, true)
	orange := func(r fyne.Resource) int {
		img, err := png.Decode(bytes.NewReader(r.Content()))
		if err != nil {
			t.Fatalf("%s is not PNG: %v", r.Name(), err)
		}
		if img.Bounds() != image.Rect(0, 0, 64, 64) {
			t.Fatalf("%s is %v", r.Name(), img.Bounds())
		}
		n := 0
		for y := 0; y < 64; y++ {
			for x := 0; x < 64; x++ {
				r, g, b, a := img.At(x, y).RGBA()
				if a>>8 > 200 && r>>8 > 220 && g>>8 > 90 && g>>8 < 140 && b>>8 < 60 {
					n++
				}
			}
		}
		return n
	}
	if n := orange(f.tray.normalIcon); n != 0 {
		t.Fatalf("the normal icon has %d orange pixels", n)
	}
	if n := orange(f.tray.attentionIcon); n < 100 {
		t.Fatalf("the attention icon has only %d orange pixels", n)
	}
}

func TestTrayCloseHidesAndSaysSoOnce(t *testing.T) {
	f := newTrayFixture(t, true)
	if f.window.intercept == nil {
		t.Fatal("no close intercept on the Accounts window")
	}
	test.AssertNotificationSent(t, &fyne.Notification{
		Title: "SocialOmm is still running",
		Content: "It keeps checking your profiles and sending scheduled posts. " +
			"Open it again from its icon in the system tray, where Quit stops it.",
	}, f.window.intercept)
	if f.window.hidden != 1 || f.quits != 0 {
		t.Fatalf("after close: hidden %d times, quit %d times", f.window.hidden, f.quits)
	}
	if f.window.Canvas().Overlays().Top() != nil {
		t.Fatal("closing with a tray put something on the window")
	}
	test.AssertNotificationSent(t, nil, f.window.intercept)
	if f.window.hidden != 2 {
		t.Fatalf("second close: hidden %d times", f.window.hidden)
	}
	if !f.app.Preferences().Bool(trayNoteShownKey) {
		t.Fatal("the note is not remembered")
	}
}

func TestTrayNoWatcherAsksBeforeQuitting(t *testing.T) {
	f := newTrayFixture(t, false)
	if len(f.app.menus) != 0 || len(f.app.icons) != 0 {
		t.Fatal("a tray was set up with no StatusNotifierWatcher")
	}
	if log := f.log.String(); !strings.Contains(log, "no system tray on this desktop (no StatusNotifierWatcher on the session bus)") {
		t.Fatalf("log: %s", log)
	}
	f.tray.show([]account.Account{acct(1, account.Disconnected)}) // nothing to do, no panic

	question := func() fyne.CanvasObject {
		f.window.intercept()
		top := f.window.Canvas().Overlays().Top()
		if top == nil {
			t.Fatal("closing without a tray shows no question")
		}
		got := trayTexts(t, top)
		for _, want := range []string{quitQuestionTitle, quitQuestionText, "Quit", "Keep open"} {
			if !hasText(got, want) {
				t.Fatalf("the question lacks %q: %q", want, got)
			}
		}
		return top
	}

	top := question()
	// A second close while it is asked does not stack a second question.
	f.window.intercept()
	if n := len(f.window.Canvas().Overlays().List()); n != 1 {
		t.Fatalf("%d overlays after closing twice", n)
	}
	test.Tap(trayButton(t, top, "Keep open"))
	if f.quits != 0 || f.window.hidden != 0 {
		t.Fatalf("Keep open: quit %d, hidden %d", f.quits, f.window.hidden)
	}
	if f.window.Canvas().Overlays().Top() != nil {
		t.Fatal("the question stays after Keep open")
	}

	test.Tap(trayButton(t, question(), "Quit"))
	if f.quits != 1 {
		t.Fatal("Quit in the question did not quit")
	}
}

func TestTrayWithoutDesktopTrayAsksBeforeQuitting(t *testing.T) {
	a := test.NewTempApp(t) // the test driver has no tray
	w := &hideCountingWindow{Window: a.NewWindow("SocialOmm — Accounts")}
	t.Cleanup(w.Close)
	var log bytes.Buffer
	tr := newTray(a, w, slog.New(slog.NewTextHandler(&log, nil)), func() {}, func() {})
	tr.watcherPresent = func() (bool, error) { return false, errors.New("must not be asked") }
	tr.setup()
	if !strings.Contains(log.String(), "no system tray on this desktop") {
		t.Fatalf("log: %s", log.String())
	}
	w.intercept()
	if w.Canvas().Overlays().Top() == nil || w.hidden != 0 {
		t.Fatal("closing without a tray did not ask")
	}
}

func TestTrayCountText(t *testing.T) {
	for _, c := range []struct {
		total, needing int
		want           string
	}{
		{0, 0, "No profiles connected yet"},
		{3, 0, "All profiles connected"},
		{3, 1, "1 profile needs attention"},
		{3, 2, "2 profiles need attention"},
	} {
		if got := trayCountText(c.total, c.needing); got != c.want {
			t.Errorf("trayCountText(%d, %d) = %q, want %q", c.total, c.needing, got, c.want)
		}
	}
}

// trayTexts collects the label, rich text and button texts under o,
// looking inside widgets (a dialog sits in a pop-up widget).
func trayTexts(t *testing.T, o fyne.CanvasObject) []string {
	var out []string
	trayWalk(t, o, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, w.String())
		}
	})
	return out
}

func trayButton(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	trayWalk(t, o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q in %q", label, trayTexts(t, o))
	}
	return found
}

func trayWalk(t *testing.T, o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if !o.Visible() {
		return
	}
	visit(o)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			trayWalk(t, c, visit)
		}
	case fyne.Widget:
		for _, c := range test.TempWidgetRenderer(t, w).Objects() {
			trayWalk(t, c, visit)
		}
	}
}

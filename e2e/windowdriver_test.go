package e2e

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// windowDriver drives the real Accounts window with xdotool. Every
// coordinate and every UI-specific step (which keys open which menu item,
// where a dialog's buttons are) lives in this file, so a change to the
// window's layout is adapted here once.
//
// UI assumptions, each named where it is used:
//   - The Accounts window is 880x600; header buttons sit at the y of
//     headerY, Connect at connectX (constants in screens_test.go).
//   - The Connect menu lists the catalog in order, Mastodon first.
//   - Pop-up menus take the keyboard focus when they open (Fyne): Down
//     moves to the next item (separators skipped), Return triggers it.
//   - The first row's ⋯ button is at rowMenuX, rowMenuY (connect_test.go);
//     its menu is Update, Check now, separator, Remove….
//   - Fyne dialogs have no Return/Escape key for their buttons, but Tab
//     moves the focus through the dialog's widgets (entries, then the
//     buttons left to right: dismiss, then confirm) and Space presses the
//     focused button.
type windowDriver struct {
	d   *testbed.Display
	app *testbed.Process
	win string // X window id of the Accounts window
}

// startWindow runs the real binary on dataDir with the debug log on and the
// test bed's browser as the system browser, and waits for its first load.
func startWindow(t *testing.T, c *cliApp, b *testbed.Browser) *windowDriver {
	t.Helper()
	d := testbed.StartXvfb(t)
	cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
	extra := append(testbed.TempHome(t), "SOCIALOMM_LOG=debug")
	if b != nil {
		extra = append(extra, b.OpenerEnv())
	}
	cmd.Env = d.Env(t, extra...)
	app := testbed.StartProcess(t, "socialomm-window", cmd)
	win := d.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)
	app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)
	w := &windowDriver{d: d, app: app, win: win}
	t.Cleanup(func() {
		if app.Exited() {
			return
		}
		app.Signal(t, syscall.SIGTERM)
		if code := app.WaitExit(t, 15*time.Second); code != 0 {
			t.Errorf("the window exited with %d\n%s", code, app.Output())
		}
	})
	return w
}

// origin is the window's top-left corner on the screen.
func (w *windowDriver) origin(t *testing.T) (x, y int) {
	t.Helper()
	out := w.xdotool(t, "getwindowgeometry", "--shell", w.win)
	vals := map[string]int{}
	for _, line := range strings.Fields(out) {
		k, v, ok := strings.Cut(line, "=")
		if n, err := strconv.Atoi(v); ok && err == nil {
			vals[k] = n
		}
	}
	return vals["X"], vals["Y"]
}

// click clicks at x,y inside the Accounts window.
func (w *windowDriver) click(t *testing.T, x, y int) {
	t.Helper()
	ox, oy := w.origin(t)
	w.d.Click(t, ox+x, oy+y)
}

// keys sends key presses (xdotool names: Down, Return, Tab, space).
func (w *windowDriver) keys(t *testing.T, keys ...string) {
	t.Helper()
	w.xdotool(t, append([]string{"key", "--delay", "60"}, keys...)...)
}

func (w *windowDriver) typeText(t *testing.T, text string) {
	t.Helper()
	w.xdotool(t, "type", "--delay", "30", text)
}

func (w *windowDriver) xdotool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testbed.LookTool(t, "xdotool"), args...)
	cmd.Env = w.d.Env(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
	return string(out)
}

// shot saves a screenshot of the Accounts window under artifacts/.
func (w *windowDriver) shot(t *testing.T, name string) string {
	t.Helper()
	return w.d.ScreenshotWindow(t, w.win, name)
}

// waitRepaint waits until the window no longer looks like before (a menu
// or dialog opened): synchronisation only, never the test's assertion.
func (w *windowDriver) waitRepaint(t *testing.T, before, name string) string {
	t.Helper()
	var path string
	prev, _ := os.ReadFile(before)
	poll(t, "the window to repaint after "+name, 30*time.Second, func() (bool, string) {
		path = w.shot(t, name)
		now, err := os.ReadFile(path)
		return err == nil && !bytes.Equal(prev, now), "unchanged"
	})
	return path
}

// logCount counts the lines of the app's output holding substr.
func (w *windowDriver) logCount(substr string) int {
	return strings.Count(w.app.Stdout()+w.app.Stderr(), substr)
}

// waitLog waits until the app has printed substr more than n times and
// returns the newest line holding it.
func (w *windowDriver) waitLog(t *testing.T, substr string, n int) string {
	t.Helper()
	var line string
	poll(t, fmt.Sprintf("the window to log %q", substr), time.Minute, func() (bool, string) {
		if w.app.Exited() {
			t.Fatalf("the window exited\n%s", w.app.Output())
		}
		out := w.app.Stdout() + w.app.Stderr()
		if strings.Count(out, substr) <= n {
			return false, ""
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, substr) {
				line = l
			}
		}
		return true, ""
	})
	return line
}

// openConnectDialog opens Connect → Mastodon… (assumes Mastodon is the
// Connect menu's first item) and waits for its form.
func (w *windowDriver) openConnectMastodon(t *testing.T) {
	t.Helper()
	before := w.shot(t, "window-before-connect-menu")
	w.click(t, connectX, headerY)
	w.waitRepaint(t, before, "window-connect-menu")
	n := w.logCount(`title="Connect a Mastodon profile"`)
	w.keys(t, "Down", "Return")
	w.waitLog(t, `title="Connect a Mastodon profile"`, n)
}

// submitConnectForm types the server into the focused entry of the
// Connect form, then Tab, Tab (past Cancel) to "Continue in browser" and
// presses it with Space.
func (w *windowDriver) submitConnectForm(t *testing.T, server string) {
	t.Helper()
	w.typeText(t, server)
	w.shot(t, "window-connect-form")
	w.keys(t, "Tab", "Tab", "space")
}

// rowMenu opens the first row's ⋯ menu and triggers its item-th entry
// (0 Update, 1 Check now, 2 Remove…; separators are skipped by Down).
// It returns the screenshot of the open menu.
func (w *windowDriver) rowMenu(t *testing.T, item int) string {
	t.Helper()
	before := w.shot(t, "window-before-row-menu")
	w.click(t, rowMenuX, rowMenuY)
	open := w.waitRepaint(t, before, "window-row-menu")
	keys := []string{}
	for i := 0; i <= item; i++ {
		keys = append(keys, "Down")
	}
	w.keys(t, append(keys, "Return")...)
	return open
}

// Row menu entries, in the order rowMenu counts them.
const (
	rowMenuUpdate = 0
	rowMenuRemove = 2
)

// confirmDialog presses a confirm dialog's confirm button (the second
// button: Tab to the dismiss button, Tab to confirm, Space).
func (w *windowDriver) confirmDialog(t *testing.T) {
	t.Helper()
	w.keys(t, "Tab", "Tab", "space")
}

// dismissInfo presses an information dialog's only button, OK (Tab to it,
// Space).
func (w *windowDriver) dismissInfo(t *testing.T) {
	t.Helper()
	w.keys(t, "Tab", "space")
}

// shotSettled screenshots the window until it differs from before and two
// screenshots in a row are the same (a dialog has painted; a progress
// bar still animates), for screenshots taken after the app logged a state
// whose repaint may lag.
func (w *windowDriver) shotSettled(t *testing.T, before, name string) string {
	t.Helper()
	var path string
	first, _ := os.ReadFile(before)
	var prev []byte
	poll(t, "the window to settle for "+name, 30*time.Second, func() (bool, string) {
		path = w.shot(t, name)
		now, err := os.ReadFile(path)
		settled := err == nil && !bytes.Equal(now, first) && bytes.Equal(now, prev)
		prev = now
		return settled, "still changing"
	})
	return path
}

// Where the attention banner's last Update button is (UI assumption: the
// banner is the row under the header, its Update buttons right-aligned, one
// per profile needing attention; with one profile its only button ends at
// the window's right edge and is about 125 px wide).
const (
	bannerUpdateX = 820
	bannerY       = 87
)

// bannerUpdate clicks the banner's last Update button and returns the
// screenshot taken before.
// It first waits until the banner has painted: its dark red tint (UI
// assumption, as in TestHealthAgainstGoToSocial) covers the banner row.
func (w *windowDriver) bannerUpdate(t *testing.T) string {
	t.Helper()
	before := screenshotWindowUntil(t, w.d, w.win, "window-banner", "the attention banner", func(img image.Image) bool {
		return testbed.CountPixels(img, func(r, g, b uint8) bool { return r >= 60 && r <= 75 && g >= 25 && g <= 38 && b >= 24 && b <= 37 }) > 5000
	})
	w.click(t, bannerUpdateX, bannerY)
	return before
}

// Queue (UI assumptions): the window is 920x620; with one post needing the
// person, its "Needs you" header is the list's first line and the post the
// second, its action buttons right-aligned on the post's first line: Edit,
// Retry, Delete for a failed copy. queueRetryX, queueFirstPostY is inside
// that Retry.
const (
	queueRetryX     = 780
	queueFirstPostY = 140
)

// Compose (UI assumptions): a 680x640 window whose form scrolls; its text
// entry fills the width under the heading (composeTextX/Y is inside it, the
// heading at composeHeadingX/Y is a neutral spot that takes no focus);
// "Post to" lists one row per profile, each starting with its network's
// icon at the left edge (x < composeIconMaxX) and its check box right of it
// (composeCheckX); "When" is last in the form, its radio choices on one
// line: "Post now" at composePostNowX, "Schedule for" (selected, drawn in
// the theme's blue) with its dot between composeLaterMinX and
// composeLaterMaxX; the submit button (submitX, submitY in
// screens_test.go) sits at the bottom right, outside the scrolling form.
const (
	composeTextX, composeTextY       = 340, 165
	composeHeadingX, composeHeadingY = 70, 34
	composeScrollY                   = 60 // the hint under the heading: the outer form scrolls there, not the Post to list
	composeIconMaxX                  = 30
	composeCheckX                    = 46
	composePostNowX                  = 60
	composeLaterMinX                 = 132
	composeLaterMaxX                 = 158
)

func profileRows(t *testing.T, path string) []int {
	t.Helper()
	img := decodePNG(t, path)
	var rows []int
	start := -1
	b := img.Bounds()
	for y := b.Min.Y; y <= b.Max.Y; y++ {
		purple := false
		for x := b.Min.X; x < composeIconMaxX && y < b.Max.Y; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if mastodonPurple(uint8(r>>8), uint8(g>>8), uint8(bl>>8)) {
				purple = true
				break
			}
		}
		switch {
		case purple && start < 0:
			start = y
		case !purple && start >= 0:
			rows = append(rows, (start+y)/2)
			start = -1
		}
	}
	return rows
}

func mastodonPurple(r, g, b uint8) bool {
	return r >= 0x5e && r <= 0x68 && g >= 0x5f && g <= 0x69 && b > 0xf0
}

// composeWindow is the Compose window opened from the Accounts header.
type composeWindow struct {
	*windowDriver
}

// openCompose clicks Compose in the header and waits for its profiles.
func (w *windowDriver) openCompose(t *testing.T, profiles int) *composeWindow {
	t.Helper()
	w.click(t, composeX, headerY)
	win := w.d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Compose"), 30*time.Second)
	w.waitLog(t, fmt.Sprintf(`compose window shows profiles" count=%d`, profiles), 0)
	return &composeWindow{&windowDriver{d: w.d, app: w.app, win: win}}
}

// tickAll ticks every profile in "Post to" (clicking each row's check box,
// found from the icons drawn; ticking one adds a counter line that moves the
// list down, so the rows are found again after each click) and returns the
// rows' y. Call it before typing: a blinking cursor never lets the window
// settle.
func (c *composeWindow) tickAll(t *testing.T, want int) []int {
	t.Helper()
	var rows []int
	var before string
	poll(t, fmt.Sprintf("%d profile rows in Compose", want), 30*time.Second, func() (bool, string) {
		before = c.shot(t, "window-compose-open")
		rows = profileRows(t, before)
		return len(rows) == want, fmt.Sprintf("rows at %v", rows)
	})
	for i := 0; i < want; i++ {
		c.click(t, composeCheckX, rows[i])
		before = c.shotSettled(t, before, fmt.Sprintf("window-compose-ticked-%d", i+1))
		rows = profileRows(t, before)
		if len(rows) != want {
			t.Fatalf("after ticking %d: profile rows at %v", i+1, rows)
		}
	}
	return rows
}

// write types text into the post, then clicks the heading so the entry
// lets go of the focus (its blinking cursor would keep the window from
// settling).
func (c *composeWindow) write(t *testing.T, text string) {
	t.Helper()
	c.click(t, composeTextX, composeTextY)
	c.typeText(t, text)
	c.click(t, composeHeadingX, composeHeadingY)
}

// postNow scrolls the form to its end, finds the When choices from the
// selected "Schedule for" dot, picks "Post now" on the same line and
// presses the submit button. It returns the screenshot of the filled form
// taken just before the press: the posted form (text cleared, the green
// confirmation) is told apart from it, however soon it paints.
func (c *composeWindow) postNow(t *testing.T) string {
	t.Helper()
	before := c.shot(t, "window-compose-before-scroll")
	ox, oy := c.origin(t)
	c.xdotool(t, "mousemove", strconv.Itoa(ox+composeTextX), strconv.Itoa(oy+composeScrollY), "click", "--repeat", "15", "5")
	shot := c.shotSettled(t, before, "window-compose-scrolled")
	y := blueDotY(t, shot)
	if y < 0 {
		t.Fatalf("no selected When choice drawn between x %d and %d in %s", composeLaterMinX, composeLaterMaxX, shot)
	}
	c.click(t, composePostNowX, y)
	filled := c.shotSettled(t, shot, "window-compose-filled")
	c.click(t, submitX, submitY)
	return filled
}

// blueDotY is the centre y of the theme's blue drawn between
// composeLaterMinX and composeLaterMaxX (the selected radio's dot), or -1.
func blueDotY(t *testing.T, path string) int {
	t.Helper()
	img := decodePNG(t, path)
	top, bottom := -1, -1
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && y < submitY-30; y++ {
		for x := composeLaterMinX; x < composeLaterMaxX; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 < 80 && g>>8 > 90 && g>>8 < 160 && bl>>8 > 200 {
				if top < 0 {
					top = y
				}
				bottom = y
				break
			}
		}
	}
	if top < 0 {
		return -1
	}
	return (top + bottom) / 2
}

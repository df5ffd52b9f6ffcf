package e2e

import (
	"image"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// Where the real window puts things at its first size (1280×800 display,
// windows at the top left): the Accounts window's Compose button, and
// Compose's "Post to" search.
const (
	composeButtonX, composeButtonY = 636, 32
	postToSearchX, postToSearchY   = 300, 300
)

// TestComposeSearchNarrowsPostToAt5000: the real binary with 5,000 seeded
// profiles opens Compose from the Accounts window; typing in "Post to"'s
// search narrows the list (the window's debug line says how many of the
// 5,000 match) and the screen changes; the screenshot is
// artifacts/compose-post-to-search.png.
func TestComposeSearchNarrowsPostToAt5000(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	if p, code := c.run(t, "dev", "seed", "--accounts", "5000", "--posts", "0", "--no-secrets"); code != 0 {
		t.Fatalf("dev seed: %d\n%s", code, p.Output())
	}
	d := testbed.StartXvfb(t)
	cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
	cmd.Env = d.Env(t, append(testbed.TempHome(t), "SOCIALOMM_LOG=debug")...)
	app := testbed.StartProcess(t, "socialomm-window", cmd)
	win := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Accounts"), time.Minute)
	app.WaitOutput(t, "count=5000", time.Minute)

	// Compose from the keyboard (Ctrl+N): at 5,000 profiles the header
	// holds the compact view's buttons too.
	xdotool(t, d, "windowfocus", "--sync", win)
	xdotool(t, d, "key", "ctrl+n")
	d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Compose"), 30*time.Second)
	app.WaitOutput(t, `compose window shows profiles" count=5000`, time.Minute)
	before := d.ScreenshotPainted(t, "compose-post-to-all", 30*time.Second)

	// The list may still be on its way to the screen when the log says it
	// is shown: click the search and type a letter until the window answers.
	anySearch := regexp.MustCompile(`compose post to search" words=1`)
	poll(t, "the search to answer a keystroke", 2*time.Minute, func() (bool, string) {
		if anySearch.MatchString(app.Stderr() + app.Stdout()) {
			return true, ""
		}
		d.Click(t, postToSearchX, postToSearchY)
		xdotool(t, d, "key", "ctrl+a", "type", "x")
		return false, "no search line yet"
	})
	// Then the search itself, typed once over the letter.
	xdotool(t, d, "key", "ctrl+a", "type", "--delay", "50", "roasters 4")
	line := regexp.MustCompile(`compose post to search" words=2 matching=(\d+) of=5000`)
	var matching int
	poll(t, "the search's line for two words", time.Minute, func() (bool, string) {
		m := line.FindAllStringSubmatch(app.Stderr()+app.Stdout(), -1)
		if len(m) == 0 {
			return false, "no line yet"
		}
		matching, _ = strconv.Atoi(m[len(m)-1][1])
		return true, ""
	})
	if matching == 0 || matching >= 5000 {
		t.Fatalf("the search matches %d of 5,000 profiles; want some, not all", matching)
	}
	shot := d.ScreenshotUntil(t, "compose-post-to-search", 30*time.Second, "the narrowed Post to list", func(img image.Image) bool {
		return !samePixels(t, before, img)
	})
	testbed.AssertNotBlank(t, shot)
	t.Logf("the search matches %d of 5,000 profiles; screenshot %s", matching, shot)

	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, app.Output())
	}
}

package e2e

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sameRows says whether two shots draw the same first rows of the table
// (its left part, below the header).
func sameRows(a, b image.Image) bool {
	for y := nameHeaderY + 15; y < nameHeaderY+150; y++ {
		for x := 0; x < 400; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// Where the compact table's Name header sits under the banner and the
// search bar (880x600 window at the top left).
const nameHeaderX, nameHeaderY = 30, 179

// TestScreensCompactAccounts runs the real window on 5,000 seeded profiles:
// it opens in the compact table (artifacts/screens-compact-5000.png), and a
// click on the Name header sorts it. With one profile it opens in the
// comfortable list (artifacts/screens-comfortable-1.png).
func TestScreensCompactAccounts(t *testing.T) {
	for _, tt := range []struct {
		profiles int
		view     string
		shot     string
	}{
		{5000, "compact", "screens-compact-5000"},
		{1, "comfortable", "screens-comfortable-1"},
	} {
		t.Run(tt.view, func(t *testing.T) {
			c := newCLIApp(t)
			testbed.StartKeyring(t)
			seed, code := c.run(t, "dev", "seed", "--accounts", fmt.Sprint(tt.profiles), "--posts", "0", "--no-secrets")
			if code != 0 {
				t.Fatalf("dev seed: exit %d\n%s", code, seed.Output())
			}
			d := testbed.StartXvfb(t)
			cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
			cmd.Env = d.Env(t, testbed.TempHome(t)...)
			app := testbed.StartProcess(t, "socialomm-window", cmd)
			win := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Accounts"), time.Minute)
			app.WaitOutput(t, fmt.Sprintf("count=%d", tt.profiles), time.Minute)
			app.WaitOutput(t, fmt.Sprintf("view=%s chosen=\"\" profiles=%d", tt.view, tt.profiles), time.Minute)
			shot := d.ScreenshotPainted(t, tt.shot, 30*time.Second)
			testbed.AssertNotBlank(t, shot)
			if name := d.WindowName(t, win); name != "SocialOmm — Accounts" {
				t.Fatalf("window title %q", name)
			}
			if tt.view != "compact" {
				return
			}
			// A click on the Name header sorts by name (the seed's names
			// start at "Ana Bakery"); a second turns the order round.
			unsorted := decodePNG(t, shot)
			d.Click(t, nameHeaderX, nameHeaderY)
			app.WaitOutput(t, `by=Name descending=false first="Ana Bakery`, 30*time.Second)
			sorted := screenshotWindowUntil(t, d, win, tt.shot+"-sorted", "the rows redrawn in name order", func(img image.Image) bool {
				return !sameRows(unsorted, img)
			})
			testbed.AssertNotBlank(t, sorted)
			d.Click(t, nameHeaderX, nameHeaderY)
			app.WaitOutput(t, "by=Name descending=true", 30*time.Second)
			// The keyboard reaches Settings: Ctrl+, in the real window.
			xdotool(t, d, "windowfocus", "--sync", win)
			xdotool(t, d, "key", "ctrl+comma")
			d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Settings"), 30*time.Second)
		})
	}
}

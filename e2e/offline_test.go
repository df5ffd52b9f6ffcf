package e2e

import (
	"image"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/internal/testbed"
)

// TestScreensAccountsOffline runs the real window on 60 seeded profiles
// (tokens in the real keyring) in a network namespace of its own (unshare
// -n), a laptop offline: every check fails at once. The window keeps each
// row's countdown, marks the rows, and says it once in the connectivity
// banner (artifacts/screens-accounts-offline.png).
func TestScreensAccountsOffline(t *testing.T) {
	testbed.RequireSessionBus(t)
	if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
		t.Fatalf("unshare -n (util-linux, and permission for a network namespace) is needed to run the window offline: %v", err)
	}
	testbed.StartKeyring(t)
	bin := testbed.BuildBinary(t)
	dataDir := t.TempDir()
	home := testbed.TempHome(t)
	seed := exec.Command(bin, "dev", "seed", "--accounts", "60", "--posts", "0", "--data-dir", dataDir)
	seed.Env = testbed.Env(t, home...)
	if p := testbed.StartProcess(t, "seed", seed); p.WaitExit(t, 2*time.Minute) != 0 {
		t.Fatalf("dev seed:\n%s", p.Output())
	}
	// The rows' marks draw in the theme's orange where nothing else is
	// orange: in the comfortable view in the slot between the state and
	// countdown column and the row's ⋯ (x 812-848 in the 880 px window), in
	// the compact view at the right end of the Last check column (x
	// 770-815); the banner's icon too, at its left edge.
	for _, tt := range []struct {
		view  string
		marks image.Rectangle
	}{
		{"comfortable", image.Rect(812, 150, 848, 600)},
		{"compact", image.Rect(770, 150, 815, 600)},
	} {
		t.Run(tt.view, func(t *testing.T) {
			view := exec.Command(bin, "settings", "set", "ui.accounts.view", tt.view, "--data-dir", dataDir)
			view.Env = testbed.Env(t, home...)
			if p := testbed.StartProcess(t, "view", view); p.WaitExit(t, time.Minute) != 0 {
				t.Fatalf("settings set ui.accounts.view:\n%s", p.Output())
			}
			d := testbed.StartXvfb(t)
			cmd := exec.Command("unshare", "-n", bin, "--data-dir", dataDir)
			cmd.Env = d.Env(t, append(home, "SOCIALOMM_LOG=debug")...)
			app := testbed.StartProcess(t, "socialomm-offline", cmd)
			win := d.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)
			app.WaitOutput(t, "health sweep done", 2*time.Minute)
			app.WaitOutput(t, "connectivity banner shown", 30*time.Second)
			app.WaitOutput(t, `view=`+tt.view, 30*time.Second)
			if !strings.Contains(app.Output(), `text="Offline: SocialOmm could not reach any network since `) {
				t.Fatalf("the connectivity banner does not say the machine is offline:\n%s", app.Output())
			}
			orange := func(r, g, b uint8) bool { return r > 200 && g > 120 && g < 180 && b < 60 }
			shot := screenshotWindowUntil(t, d, win, "screens-accounts-offline-"+tt.view, "the rows' marks and the banner", func(img image.Image) bool {
				marks := testbed.CountPixels(crop(img, tt.marks), orange)
				bannerIcon := testbed.CountPixels(crop(img, image.Rect(0, 60, 40, 200)), orange)
				return marks > 30 && bannerIcon > 30
			})
			testbed.AssertNotBlank(t, shot)

			app.Signal(t, syscall.SIGTERM)
			if code := app.WaitExit(t, 15*time.Second); code != 0 {
				t.Fatalf("exit %d\n%s", code, app.Output())
			}
		})
	}
}

// crop is the part of img inside r.
func crop(img image.Image, r image.Rectangle) image.Image {
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

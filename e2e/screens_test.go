package e2e

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/draft"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

// Where the Accounts window (880x600 at the top left: Xvfb has no window
// manager) draws its header buttons, right-aligned at its top (there is no
// menu bar off macOS). Every test that clicks the header uses these.
const (
	headerY   = 32
	composeX  = 467
	queueX    = 571
	settingsX = 663
	connectX  = 800
	// Compose's Schedule button, bottom right of its 680x640 window.
	submitX = 620
	submitY = 613
	// A post's Edit button in the Queue, and the third post's row.
	editX      = 686
	lunchEditY = 414
)

// TestScreensComposeAndQueue drives the real window against GoToSocial and
// saves screenshots of Compose and Queue with real content: a post that went
// out (with its link), one held for a profile whose account was deleted,
// upcoming ones, and a kept draft in Compose
// (artifacts/screens-compose.png, artifacts/screens-queue.png).
func TestScreensComposeAndQueue(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	users := connectUsers(t, c, gts, "alice", "bob")
	alice, bob := users["alice"], users["bob"]

	// Bob deletes his account on the server: his copies are held, and
	// Compose shows him as disconnected.
	token, ok := kr.AccessToken(t, "mastodon "+bob.Instance+" "+bob.RemoteID)
	if !ok {
		t.Fatal("bob's token is not in the keyring")
	}
	testbed.DeleteAccount(t, gts.URL(), token, password)

	now := time.Now()
	due := c.schedule(t, now, "Good morning! The spring programme is out: a workshop every Tuesday, all welcome.", alice, bob)
	tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 30, 0, 0, time.Local)
	c.schedule(t, tomorrow, "Reminder: the Tuesday workshop starts at 10:00 sharp.\nBring a laptop and a question.", alice, bob)
	c.schedule(t, now.Add(3*time.Hour), "Lunch talk at noon: how we moved our newsletter to the fediverse.", alice)
	c.schedule(t, tomorrow.AddDate(0, 0, 6), "Photos from last week's workshop are up on the blog 📷", alice)

	// A draft kept from an earlier session, as Compose saves it.
	st, err := store.Open(context.Background(), c.dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = draft.New(st).Save(context.Background(), draft.Draft{
		Text:       "We are hiring a community manager 👩‍👩‍👧 Part-time, remote-friendly. Details and how to apply on our site.",
		AccountIDs: []int64{alice.ID, bob.ID},
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	d := testbed.StartXvfb(t)
	cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
	cmd.Env = d.Env(t, testbed.TempHome(t)...)
	app := testbed.StartProcess(t, "socialomm-window", cmd)
	accounts := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Accounts"), time.Minute)
	app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)

	// The window runs the engine: the due post goes out for alice and is
	// held for bob.
	poll(t, "the due post published for alice and held for bob", time.Minute, func() (bool, string) {
		states := targetStates(findPost(c.posts(t), due.ID))
		return states[alice.ID].State == schedule.Published && states[bob.ID].State == schedule.Held, fmt.Sprint(states)
	})

	t.Run("compose", func(t *testing.T) {
		d.Click(t, composeX, headerY)
		win := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Compose"), 30*time.Second)
		app.WaitOutput(t, "draft_restored=true", 30*time.Second)
		// The kept draft is back: the disconnected note draws in the
		// theme's orange, the ticked boxes in its blue.
		shot := screenshotWindowUntil(t, d, win, "screens-compose", "the restored draft", func(img image.Image) bool {
			orange := testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g > 120 && g < 180 && b < 60 })
			blue := testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 60 && g > 100 && g < 160 && b > 200 })
			return orange > 50 && blue > 50
		})
		testbed.AssertNotBlank(t, shot)
		if name := d.WindowName(t, win); name != "SocialOmm — Compose" {
			t.Fatalf("window title %q", name)
		}

		// Schedule it: the draft is for the next full hour.
		d.Click(t, submitX, submitY)
		var scheduled schedule.Post
		poll(t, "the draft scheduled", 30*time.Second, func() (bool, string) {
			for _, p := range c.posts(t) {
				if strings.HasPrefix(p.Text, "We are hiring") {
					scheduled = p
					return true, ""
				}
			}
			return false, "not in `posts list`"
		})
		if len(scheduled.Targets) != 2 || !scheduled.At.After(time.Now()) || scheduled.At.Minute() != 0 {
			t.Fatalf("scheduled from Compose: %+v", scheduled)
		}
		// The confirmation draws in the theme's green.
		shot = screenshotWindowUntil(t, d, win, "screens-compose-scheduled", "the confirmation", func(img image.Image) bool {
			return testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 120 && g > 150 && b < 120 }) > 100
		})
		testbed.AssertNotBlank(t, shot)
	})

	t.Run("queue", func(t *testing.T) {
		// Compose opened over the header; bring Accounts back on top.
		xdotool(t, d, "windowraise", accounts)
		d.Click(t, queueX, headerY)
		win := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Queue"), 30*time.Second)
		app.WaitOutput(t, "queue window shows posts", 30*time.Second)
		// Published in the theme's green, held in its orange.
		shot := screenshotWindowUntil(t, d, win, "screens-queue", "published and held copies", func(img image.Image) bool {
			green := testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 120 && g > 150 && b < 120 })
			orange := testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g > 120 && g < 180 && b < 60 })
			return green > 30 && orange > 30
		})
		testbed.AssertNotBlank(t, shot)
		if name := d.WindowName(t, win); name != "SocialOmm — Queue" {
			t.Fatalf("window title %q", name)
		}
	})

	t.Run("edit", func(t *testing.T) {
		// The third post listed (Needs you, then the draft scheduled for
		// the next full hour, then the lunch talk) is the lunch talk.
		d.Click(t, editX, lunchEditY)
		win := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Edit post"), 30*time.Second)
		app.WaitOutput(t, "edit window shows profiles", 30*time.Second)
		// Save changes is enabled (the theme's blue) and the profile is
		// listed with Mastodon's purple icon.
		shot := screenshotWindowUntil(t, d, win, "screens-edit", "the filled form", func(img image.Image) bool {
			blue := testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 60 && g > 100 && g < 160 && b > 200 })
			return blue > 1000 && mastodonIcons(img) > 0
		})
		testbed.AssertNotBlank(t, shot)
	})

	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, app.Output())
	}
}

// mastodonIcons counts the pixels of Mastodon's purple (#6364FF).
func mastodonIcons(img image.Image) int {
	return testbed.CountPixels(img, func(r, g, b uint8) bool { return r >= 0x5e && r <= 0x68 && g >= 0x5f && g <= 0x69 && b > 0xf0 })
}

// screenshotWindowUntil screenshots one window until show says it shows
// what the test waits for (repaints lag the app's log lines).
func screenshotWindowUntil(t *testing.T, d *testbed.Display, win, name, what string, show func(image.Image) bool) string {
	t.Helper()
	var path string
	poll(t, what+" in "+name, 30*time.Second, func() (bool, string) {
		path = d.ScreenshotWindow(t, win, name)
		f, err := os.Open(path)
		if err != nil {
			return false, err.Error()
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		if err != nil {
			return false, err.Error()
		}
		return show(img), path + " does not show it yet"
	})
	return path
}

func xdotool(t *testing.T, d *testbed.Display, args ...string) {
	t.Helper()
	cmd := exec.Command(testbed.LookTool(t, "xdotool"), args...)
	cmd.Env = d.Env(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
}

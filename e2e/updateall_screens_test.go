package e2e

import (
	"context"
	"image"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/internal/testbed"
)

// Where the Accounts banner's last button (Update all) sits with three
// profiles needing the person.
const updateAllX, updateAllY = 815, 87

// TestScreensUpdateAllAndHeldPosts runs the real window under Xvfb: Update
// all from the banner walks three GoToSocial profiles with the browser
// signing in (progress, then the summary), and on the next start the posts
// held while alice was disconnected are shown together for a choice.
func TestScreensUpdateAllAndHeldPosts(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		gts.CreateUser(t, u, u+"@example.org", password)
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	e, clk := pastEngine(t, c.dataDir, now.Add(-91*24*time.Hour))
	alice := connectInPast(t, e, gts, "alice@example.org")
	connectInPast(t, e, gts, "bob@example.org")
	for _, p := range []struct {
		text string
		ago  time.Duration
	}{{"Our spring programme is out: a workshop every Tuesday.", 20 * time.Hour}, {"Lunch talk at noon today.", 3 * time.Hour}} {
		if _, err := e.Posts().Schedule(ctx, p.text, now.Add(-p.ago), []int64{alice.ID}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(now.Add(-80 * 24 * time.Hour))
	connectInPast(t, e, gts, "carol@example.org")
	// Alice's connection ended a day ago: both posts fell due after.
	for _, at := range []time.Time{now.Add(-20 * time.Hour), now.Add(-3 * time.Hour)} {
		clk.Set(at.Add(time.Minute))
		if _, err := e.Check(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Posts().Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.Close()
	if p, code := c.run(t, "accounts", "check", "--all"); code != 0 {
		t.Fatalf("check: %s", p.Output())
	}

	d := testbed.StartXvfb(t)
	opener := testbed.StartBrowser(t)
	start := func(name string) *testbed.Process {
		cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
		cmd.Env = d.Env(t, append(testbed.TempHome(t), opener.OpenerEnv())...)
		app := testbed.StartProcess(t, name, cmd)
		d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Accounts"), time.Minute)
		app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)
		return app
	}
	app := start("socialomm-window")
	d.ScreenshotPainted(t, "updateall-banner", 30*time.Second)
	d.Click(t, updateAllX, updateAllY)
	for i, email := range []string{"alice@example.org", "bob@example.org", "carol@example.org"} {
		u := opener.WaitOpened(t, time.Minute)
		if i == 1 {
			app.WaitOutput(t, "step=2 of=3", 30*time.Second)
			d.ScreenshotPainted(t, "updateall-progress", 30*time.Second)
		}
		testbed.StartBrowser(t).SignInGoToSocial(t, u, email, password)
	}
	app.WaitOutput(t, "update all done", time.Minute)
	// The progress bar's blue is gone once the summary replaced it.
	d.ScreenshotUntil(t, "updateall-summary", 30*time.Second, "the summary", func(img image.Image) bool {
		r, g, b, _ := img.At(250, 258).RGBA()
		return !(r>>8 < 80 && g>>8 > 80 && g>>8 < 140 && b>>8 > 200)
	})
	for _, a := range c.accounts(t) {
		if a.State != account.Connected {
			t.Fatalf("%s after Update all: %s", a.Handle, a.State)
		}
	}
	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, app.Output())
	}

	// Started again: alice's two held posts are offered together.
	app = start("socialomm-window-2")
	app.WaitOutput(t, `held posts wait for a choice" count=2`, 30*time.Second)
	// The dialog's bluish panel covers the middle of the window.
	d.ScreenshotUntil(t, "held-posts-choice", 30*time.Second, "the held-posts choice", func(img image.Image) bool {
		r, _, b, _ := img.At(440, 300).RGBA()
		return b>>8 > r>>8+8
	})
	app.Signal(t, syscall.SIGTERM)
	app.WaitExit(t, 10*time.Second)
}

// TestScreensUpdateAllAsksAnAppPassword runs the real window under Xvfb:
// two Bluesky profiles on the real PDS lost their app passwords, and Update
// all from the banner asks, over its progress, for the first one's new app
// password.
func TestScreensUpdateAllAsksAnAppPassword(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	pds := testbed.StartPDS(t)
	for _, name := range []string{"gil", "hal"} {
		who := newBskyAccount(t, pds, name)
		if p, code := c.runWithPassword(t, who.appPassword, "accounts", "connect", "bluesky", "--handle", who.handle, "--pds", pds.URL()); code != 0 {
			t.Fatalf("connect %s: %s", who.handle, p.Output())
		}
		pds.RevokeAppPassword(t, who.handle, bskyMainPassword, bskyAppName)
	}
	if p, code := c.run(t, "accounts", "check", "--all"); code != 0 {
		t.Fatalf("check: %s", p.Output())
	}

	d := testbed.StartXvfb(t)
	cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
	cmd.Env = d.Env(t, testbed.TempHome(t)...)
	app := testbed.StartProcess(t, "socialomm-window", cmd)
	d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Accounts"), time.Minute)
	app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)
	d.ScreenshotPainted(t, "updateall-apppassword-banner", 30*time.Second)
	d.Click(t, updateAllX, updateAllY)
	app.WaitOutput(t, `question="app password"`, 30*time.Second)
	// The question is drawn over the progress: its bar's dark-theme blue
	// (32,70,142) is covered.
	d.ScreenshotUntil(t, "updateall-apppassword", 30*time.Second, "the app-password question", func(img image.Image) bool {
		r, g, b, _ := img.At(250, 258).RGBA()
		return !(r>>8 < 60 && g>>8 > 50 && g>>8 < 100 && b>>8 > 120)
	})
	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, app.Output())
	}
	for _, a := range c.accounts(t) {
		if a.State != account.Disconnected {
			t.Fatalf("%s changed without an answer: %s", a.Handle, a.State)
		}
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"image"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

func (c *cliApp) checkAll(t *testing.T) map[string]account.Account {
	t.Helper()
	p, code := c.run(t, "accounts", "check", "--all", "--json")
	var list []account.Account
	if code != 0 || json.Unmarshal([]byte(p.Stdout()), &list) != nil {
		t.Fatalf("accounts check --all: %d\n%s", code, p.Output())
	}
	byUser := map[string]account.Account{}
	for _, a := range list {
		byUser[strings.Split(strings.TrimPrefix(a.Handle, "@"), "@")[0]] = a
	}
	return byUser
}

// TestHealthAgainstGoToSocial: a server that is down is not a lost
// connection; a profile whose account was deleted is disconnected as
// revoked while the others stay connected.
func TestHealthAgainstGoToSocial(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	users := []string{"alice", "bob", "carol"}
	for _, u := range users {
		gts.CreateUser(t, u, u+"@example.org", password)
		p, _ := c.signIn(t, u+"@example.org", "accounts", "connect", "mastodon", "--instance", gts.URL())
		if p.ExitCode() != 0 {
			t.Fatalf("connect %s: %s", u, p.Output())
		}
	}

	parent := t // the restarted server must live as long as the whole test
	t.Run("server stopped: no state changes, could not check", func(t *testing.T) {
		gts.Stop(t)
		got := c.checkAll(t)
		for _, u := range users {
			a := got[u]
			if a.State != account.Connected || !strings.HasPrefix(a.LastError, "Could not check") {
				t.Fatalf("%s with the server down: %s %q", u, a.State, a.LastError)
			}
		}
		gts.Start(parent)
		got = c.checkAll(t)
		for _, u := range users {
			if a := got[u]; a.State != account.Connected || a.LastError != "" {
				t.Fatalf("%s after the server is back: %s %q", u, a.State, a.LastError)
			}
		}
	})

	t.Run("deleted account: revoked, the others untouched", func(t *testing.T) {
		bob := c.checkAll(t)["bob"]
		token, ok := kr.AccessToken(t, "mastodon "+bob.Instance+" "+bob.RemoteID)
		if !ok {
			t.Fatal("bob's token is not in the keyring")
		}
		testbed.DeleteAccount(t, gts.URL(), token, password)
		got := c.checkAll(t)
		if a := got["bob"]; a.State != account.Disconnected || a.Reason != account.ReasonRevoked {
			t.Fatalf("bob after deleting his account: %s/%s %q", a.State, a.Reason, a.LastError)
		}
		for _, u := range []string{"alice", "carol"} {
			if a := got[u]; a.State != account.Connected || a.Reason != "" {
				t.Fatalf("%s was touched by bob's deletion: %s/%s %q", u, a.State, a.Reason, a.LastError)
			}
		}
	})

	t.Run("the window shows connected, expiring and disconnected with the banner", func(t *testing.T) {
		// Bring carol inside the warning window, as the passing days would.
		s, err := store.Open(context.Background(), c.dataDir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		carol := c.checkAll(t)["carol"]
		soon := time.Now().Add(5*24*time.Hour + time.Hour).UTC().Truncate(time.Second)
		carol.ExpiresAt = &soon
		if _, err := s.SaveAccount(context.Background(), carol); err != nil {
			t.Fatal(err)
		}
		s.Close()

		d := testbed.StartXvfb(t)
		cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
		cmd.Env = d.Env(t, testbed.TempHome(t)...)
		app := testbed.StartProcess(t, "socialomm-window", cmd)
		d.WaitWindow(t, "SocialOmm", time.Minute)
		app.WaitOutput(t, "accounts window shows profiles", 30*time.Second)
		// The health sweep at start saves each account; wait until the
		// window has shown the last of those reloads too.
		app.WaitOutput(t, "count=3", 30*time.Second)
		// The disconnected row draws in the theme's red, the expiring row in
		// its orange, and the attention banner on a dark red tint.
		shot := d.ScreenshotUntil(t, "accounts-health-states", 30*time.Second, "the state colours and the attention banner",
			func(img image.Image) bool {
				red := testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g < 100 && b < 100 })
				orange := testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g > 120 && g < 180 && b < 60 })
				tint := testbed.CountPixels(img, func(r, g, b uint8) bool { return r >= 60 && r <= 75 && g >= 25 && g <= 38 && b >= 24 && b <= 37 })
				return red > 100 && orange > 50 && tint > 5000
			})
		testbed.AssertNotBlank(t, shot)
		got := c.accounts(t)
		states := map[account.State]int{}
		for _, a := range got {
			states[a.State]++
		}
		if states[account.Connected] != 1 || states[account.Expiring] != 1 || states[account.Disconnected] != 1 {
			t.Fatalf("states while the window is open: %v", states)
		}
		app.Signal(t, syscall.SIGTERM)
		if code := app.WaitExit(t, 15*time.Second); code != 0 {
			t.Fatalf("exit %d\n%s", code, app.Output())
		}
	})
}

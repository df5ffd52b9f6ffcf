package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/internal/testbed"
)

// runWithPassword runs a command with the app password in the environment.
func (c *cliApp) runWithPassword(t *testing.T, password string, args ...string) (*testbed.Process, int) {
	t.Helper()
	cmd := exec.Command(c.bin, append(args, "--data-dir", c.dataDir)...)
	cmd.Env = testbed.Env(t, append(testbed.TempHome(t), "SOCIALOMM_APP_PASSWORD="+password)...)
	p := testbed.StartProcess(t, strings.Join(args[:2], "-"), cmd)
	return p, p.WaitExit(t, time.Minute)
}

// TestBlueskyThroughTheApp drives the real binary against the real Bluesky
// server: connect with an app password, publish a scheduled post, and lose
// access when the app password is revoked.
func TestBlueskyThroughTheApp(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	pds := testbed.StartPDS(t)
	gil := newBskyAccount(t, pds, "gil")

	t.Run("the main password is refused", func(t *testing.T) {
		p, code := c.runWithPassword(t, bskyMainPassword, "accounts", "connect", "bluesky", "--handle", gil.handle, "--pds", pds.URL())
		if code == 0 || !strings.Contains(p.Stderr(), "App passwords") {
			t.Fatalf("main password: %d\n%s", code, p.Output())
		}
		if strings.Contains(p.Output(), bskyMainPassword) {
			t.Fatal("the password appears in the output")
		}
	})

	p, code := c.runWithPassword(t, gil.appPassword, "accounts", "connect", "bluesky", "--handle", gil.handle, "--pds", pds.URL())
	if code != 0 {
		t.Fatalf("connect: %s", p.Output())
	}
	a := decodeAccount(t, p)
	if a.Network != "bluesky" || a.RemoteID != gil.did || a.State != account.Connected || a.ExpiresAt == nil {
		t.Fatalf("account: %+v", a)
	}
	if days := time.Until(*a.ExpiresAt).Hours() / 24; days < 89 || days > 90.1 {
		t.Fatalf("expires in %.1f days, want about 90", days)
	}
	if _, ok := kr.RefreshToken(t, "bluesky "+a.Instance+" "+a.RemoteID); !ok {
		t.Fatal("the refresh token is not in the keyring")
	}

	t.Run("a scheduled post goes out", func(t *testing.T) {
		d := c.daemon(t, "daemon")
		post := c.schedule(t, time.Now(), "Hello Bluesky from SocialOmm https://example.org", a)
		poll(t, "published", time.Minute, func() (bool, string) {
			tg := targetStates(findPost(c.posts(t), post.ID))[a.ID]
			return tg.State == schedule.Published, fmt.Sprint(tg.State, " ", tg.Error)
		})
		records := pds.ListRecords(t, gil.did, "app.bsky.feed.post")
		if len(records) != 1 || !strings.Contains(string(mustJSON(t, records[0])), "Hello Bluesky from SocialOmm") {
			t.Fatalf("records on the server: %s", mustJSON(t, records))
		}
		d.Signal(t, syscall.SIGTERM)
		d.WaitExit(t, 15*time.Second)
	})

	t.Run("a revoked app password disconnects at the next check", func(t *testing.T) {
		before, _ := kr.RefreshToken(t, "bluesky "+a.Instance+" "+a.RemoteID)
		p, code := c.run(t, "accounts", "check", itoa(a.ID), "--json")
		if code != 0 || !strings.Contains(p.Stdout(), `"state": "connected"`) {
			t.Fatalf("check: %s", p.Output())
		}
		after, _ := kr.RefreshToken(t, "bluesky "+a.Instance+" "+a.RemoteID)
		if after == before {
			t.Fatal("the check did not rotate and keep the refresh token")
		}
		pds.RevokeAppPassword(t, gil.handle, bskyMainPassword, bskyAppName)
		p, _ = c.run(t, "accounts", "check", itoa(a.ID), "--json")
		var got []account.Account
		if json.Unmarshal([]byte(p.Stdout()), &got) != nil || len(got) != 1 ||
			got[0].State != account.Disconnected || got[0].Reason != account.ReasonRevoked {
			t.Fatalf("after revoking the app password: %s", p.Output())
		}
	})

	t.Run("remove says to delete the app password", func(t *testing.T) {
		p, code := c.run(t, "accounts", "remove", itoa(a.ID), "--yes")
		if code != 0 || !strings.Contains(p.Stderr(), "App passwords") {
			t.Fatalf("remove: %s", p.Output())
		}
	})
}

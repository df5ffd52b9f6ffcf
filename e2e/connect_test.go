package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

const (
	aliceEmail = "alice@example.org"
	bobEmail   = "bob@example.org"
	password   = "Correct-Horse-Battery-9"
)

// cliApp runs the real binary's command line on one data folder, with the
// browser it opens standing in for the person's.
type cliApp struct {
	bin, dataDir string
}

func newCLIApp(t *testing.T) *cliApp {
	t.Helper()
	testbed.RequireSessionBus(t)
	return &cliApp{bin: testbed.BuildBinary(t), dataDir: t.TempDir()}
}

// start runs the command with a fresh browser as $SOCIALOMM_BROWSER.
func (c *cliApp) start(t *testing.T, b *testbed.Browser, args ...string) *testbed.Process {
	t.Helper()
	cmd := exec.Command(c.bin, append(args, "--data-dir", c.dataDir)...)
	extra := testbed.TempHome(t)
	if b != nil {
		extra = append(extra, b.OpenerEnv())
	}
	cmd.Env = testbed.Env(t, extra...)
	return testbed.StartProcess(t, strings.Join(args[:2], "-"), cmd)
}

func (c *cliApp) run(t *testing.T, args ...string) (*testbed.Process, int) {
	t.Helper()
	p := c.start(t, nil, args...)
	return p, p.WaitExit(t, time.Minute)
}

// signIn runs a connect or update command and signs in on GoToSocial's own
// pages in real Chromium as email; it returns the process after it exited
// and the authorize URL it opened.
func (c *cliApp) signIn(t *testing.T, email string, args ...string) (*testbed.Process, string) {
	t.Helper()
	b := testbed.StartBrowser(t) // fresh profile: no earlier session cookie
	p := c.start(t, b, args...)
	authorize := b.WaitOpened(t, time.Minute)
	b.SignInGoToSocial(t, authorize, email, password)
	// Read the tab only once the command is done: until then the page may
	// still be on its way.
	if p.WaitExit(t, time.Minute) == 0 {
		if text := b.Text(t); !strings.Contains(text, "SocialOmm is connected") {
			t.Fatalf("the browser tab ended on %q", text)
		}
	}
	return p, authorize
}

func decodeAccount(t *testing.T, p *testbed.Process) account.Account {
	t.Helper()
	var a account.Account
	if err := json.Unmarshal([]byte(p.Stdout()), &a); err != nil {
		t.Fatalf("output is not an account: %v\n%s", err, p.Output())
	}
	return a
}

func (c *cliApp) accounts(t *testing.T) []account.Account {
	t.Helper()
	p, code := c.run(t, "accounts", "list", "--json")
	var list []account.Account
	if code != 0 || json.Unmarshal([]byte(p.Stdout()), &list) != nil {
		t.Fatalf("accounts list: %d\n%s", code, p.Output())
	}
	return list
}

// redirectOf is the loopback redirect URI an authorize URL sends the code to.
func redirectOf(t *testing.T, authorize string) *url.URL {
	t.Helper()
	u, err := url.Parse(authorize)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil || r.Hostname() != "127.0.0.1" || r.Port() == "" {
		t.Fatalf("redirect_uri %q is not a loopback address with a port", u.Query().Get("redirect_uri"))
	}
	return r
}

// assertListenerGone checks the attempt's loopback port is closed.
func assertListenerGone(t *testing.T, authorize string) {
	t.Helper()
	host := redirectOf(t, authorize).Host
	if conn, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		conn.Close()
		t.Fatalf("the sign-in listener on %s is still open after the attempt", host)
	}
}

// TestConnectMastodonThroughTheBrowser drives the real binary against
// GoToSocial with real headless Chromium filling in its sign-in form.
func TestConnectMastodonThroughTheBrowser(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	gts.CreateUser(t, "alice", aliceEmail, password)
	gts.CreateUser(t, "bob", bobEmail, password)
	connectArgs := []string{"accounts", "connect", "mastodon", "--instance", gts.URL()}

	// Connect two users.
	p, authorize := c.signIn(t, aliceEmail, connectArgs...)
	if p.ExitCode() != 0 {
		t.Fatalf("connect alice: %s", p.Output())
	}
	alice := decodeAccount(t, p)
	assertListenerGone(t, authorize)
	if q := mustParse(t, authorize).Query(); q.Get("code_challenge_method") != "S256" || len(q.Get("state")) < 32 {
		t.Fatalf("authorize URL lacks PKCE S256 or a random state: %s", authorize)
	}
	p, _ = c.signIn(t, bobEmail, connectArgs...)
	if p.ExitCode() != 0 {
		t.Fatalf("connect bob: %s", p.Output())
	}
	bob := decodeAccount(t, p)

	list := c.accounts(t)
	if len(list) != 2 {
		t.Fatalf("%d accounts, want 2", len(list))
	}
	for _, a := range []account.Account{alice, bob} {
		if a.State != account.Connected || a.ExpiresAt == nil || a.Instance != gts.URL() {
			t.Fatalf("account after connect: %+v", a)
		}
		if days := time.Until(*a.ExpiresAt).Hours() / 24; days < 89.9 || days > 90.1 {
			t.Fatalf("%s expires in %.1f days, want 90", a.Handle, days)
		}
	}
	if !strings.HasPrefix(alice.Handle, "@alice@") || !strings.HasPrefix(bob.Handle, "@bob@") || alice.ID == bob.ID {
		t.Fatalf("handles %q %q", alice.Handle, bob.Handle)
	}

	t.Run("connecting the same profile again updates its row", func(t *testing.T) {
		p, _ := c.signIn(t, aliceEmail, connectArgs...)
		if p.ExitCode() != 0 || decodeAccount(t, p).ID != alice.ID || len(c.accounts(t)) != 2 {
			t.Fatalf("reconnect made a duplicate or failed: %s", p.Output())
		}
	})

	t.Run("update as the same profile", func(t *testing.T) {
		p, authorize := c.signIn(t, aliceEmail, "accounts", "update", itoa(alice.ID))
		if p.ExitCode() != 0 {
			t.Fatalf("update: %s", p.Output())
		}
		got := decodeAccount(t, p)
		if got.ID != alice.ID || got.State != account.Connected || got.Reason != "" {
			t.Fatalf("after update: %+v", got)
		}
		assertListenerGone(t, authorize)
		log := activity(t, c.dataDir, alice.ID)
		if len(log) == 0 || log[0].Message != "Reconnected" {
			t.Fatalf("activity log %+v, want Reconnected first", log)
		}
	})

	t.Run("update signing in as someone else changes nothing", func(t *testing.T) {
		before := c.accounts(t)
		tokenBefore, _ := kr.AccessToken(t, "mastodon "+alice.Instance+" "+alice.RemoteID)
		p, authorize := c.signIn(t, bobEmail, "accounts", "update", itoa(alice.ID))
		if p.ExitCode() == 0 {
			t.Fatalf("update as bob succeeded: %s", p.Output())
		}
		if !strings.Contains(p.Stderr(), "You signed in as @bob@") || !strings.Contains(p.Stderr(), "Nothing was changed") {
			t.Fatalf("the refusal does not name who signed in: %s", p.Stderr())
		}
		after := c.accounts(t)
		if !sameAccounts(before, after) {
			t.Fatalf("accounts changed:\nbefore %+v\nafter  %+v", before, after)
		}
		tokenAfter, _ := kr.AccessToken(t, "mastodon "+alice.Instance+" "+alice.RemoteID)
		if tokenAfter != tokenBefore || tokenAfter == "" {
			t.Fatal("alice's stored token changed")
		}
		assertListenerGone(t, authorize)
	})

	t.Run("consent denied", func(t *testing.T) {
		// GoToSocial v0.18.3 has no Deny button; a server that is refused
		// sends the browser back with error=access_denied (RFC 6749
		// 4.1.2.1), which is what the browser does here.
		b := testbed.StartBrowser(t)
		p := c.start(t, b, "accounts", "update", itoa(alice.ID))
		authorize := b.WaitOpened(t, time.Minute)
		refusal := redirectOf(t, authorize)
		refusal.RawQuery = url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request"},
			"state": {mustParse(t, authorize).Query().Get("state")}}.Encode()
		page := get(t, refusal.String())
		if p.WaitExit(t, time.Minute) == 0 {
			t.Fatal("a refused sign-in succeeded")
		}
		if !strings.Contains(p.Stderr(), "You declined") || !strings.Contains(page, "declined") {
			t.Fatalf("stderr %q, page %q", p.Stderr(), page)
		}
		assertListenerGone(t, authorize)
	})

	t.Run("a callback with a wrong state is rejected", func(t *testing.T) {
		b := testbed.StartBrowser(t)
		p := c.start(t, b, "accounts", "update", itoa(bob.ID))
		authorize := b.WaitOpened(t, time.Minute)
		forged := redirectOf(t, authorize)
		forged.RawQuery = url.Values{"code": {"forged-code"}, "state": {"not-the-state"}}.Encode()
		resp, err := http.Get(forged.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "did not come from this attempt") {
			t.Fatalf("forged callback: %d %s", resp.StatusCode, body)
		}
		// The real sign-in still completes.
		b.SignInGoToSocial(t, authorize, bobEmail, password)
		if code := p.WaitExit(t, time.Minute); code != 0 || decodeAccount(t, p).ID != bob.ID {
			t.Fatalf("real sign-in after a forged callback: %d %s", code, p.Output())
		}
		assertListenerGone(t, authorize)
	})

	t.Run("check now", func(t *testing.T) {
		p, code := c.run(t, "accounts", "check", "--all")
		if code != 0 || strings.Count(p.Stdout(), ": connected") != 2 {
			t.Fatalf("check --all: %d\n%s", code, p.Output())
		}
	})

	t.Run("no token or client secret outside the keyring", func(t *testing.T) {
		var secrets []string
		for _, a := range c.accounts(t) {
			key := "mastodon " + a.Instance + " " + a.RemoteID
			for service, lookup := range map[string]func(testing.TB, string) (string, bool){
				"the access token": kr.AccessToken,
				"the client secret": func(t testing.TB, key string) (string, bool) {
					return kr.Lookup(t, "SocialOmm client-secret", key)
				},
			} {
				v, ok := lookup(t, key)
				if !ok || v == "" {
					t.Fatalf("%s for %s is not in the keyring", service, a.Handle)
				}
				secrets = append(secrets, v)
			}
		}
		// The client secret is inside the stored registration's JSON.
		var expanded []string
		for _, s := range secrets {
			var app struct {
				ClientSecret string `json:"client_secret"`
			}
			if json.Unmarshal([]byte(s), &app) == nil && app.ClientSecret != "" {
				s = app.ClientSecret
			}
			expanded = append(expanded, s)
		}
		assertNoSecretsIn(t, c.dataDir, expanded)
	})

	t.Run("the window shows both profiles and the row menu", func(t *testing.T) {
		d := testbed.StartXvfb(t)
		cmd := exec.Command(c.bin, "--data-dir", c.dataDir)
		cmd.Env = d.Env(t, testbed.TempHome(t)...)
		app := testbed.StartProcess(t, "socialomm-window", cmd)
		d.WaitWindow(t, "SocialOmm", time.Minute)
		app.WaitOutput(t, "count=2", 30*time.Second)
		plain := d.ScreenshotPainted(t, "accounts-two-profiles", 30*time.Second)
		// The first row's ⋯ button sits at the right end of the first row;
		// its menu's Check now asks the network about that profile.
		firstRow := c.accounts(t)[0]
		d.Click(t, rowMenuX, rowMenuY)
		// The menu is drawn on the app's own time: wait for the screen to
		// change (the testbed fails with the last screenshot if it never does).
		d.ScreenshotUntil(t, "accounts-row-menu", 30*time.Second, "the row's ⋯ menu", func(img image.Image) bool {
			return !samePixels(t, plain, img)
		})
		// Check times are stored to the second: let one pass, so the
		// check the click starts is told from the last one.
		if last := firstRow.LastCheckedAt; last != nil {
			poll(t, "a second after the last check", 5*time.Second, func() (bool, string) {
				return time.Now().After(last.Add(time.Second)), ""
			})
		}
		d.Click(t, rowMenuX-40, rowMenuY+rowMenuCheckNowDY)
		poll(t, "the first row's Check now", 30*time.Second, func() (bool, string) {
			for _, a := range c.accounts(t) {
				if a.ID == firstRow.ID {
					moved := a.LastCheckedAt != nil && (firstRow.LastCheckedAt == nil || a.LastCheckedAt.After(*firstRow.LastCheckedAt))
					return moved, fmt.Sprintf("%s last checked %v", a.Handle, a.LastCheckedAt)
				}
			}
			return false, "the first row's account is gone"
		})
		d.ScreenshotPainted(t, "accounts-checked", 30*time.Second)
		app.Signal(t, syscall.SIGTERM)
		if code := app.WaitExit(t, 10*time.Second); code != 0 {
			t.Fatalf("exit %d\n%s", code, app.Output())
		}
	})

	t.Run("remove", func(t *testing.T) {
		p, code := c.run(t, "accounts", "remove", itoa(bob.ID), "--yes")
		if code != 0 || !strings.Contains(p.Stderr(), "offers no way for apps to give up their access") {
			t.Fatalf("remove: %d\n%s", code, p.Output())
		}
		if _, ok := kr.AccessToken(t, "mastodon "+bob.Instance+" "+bob.RemoteID); ok {
			t.Fatal("bob's token is still in the keyring")
		}
		if list := c.accounts(t); len(list) != 1 || list[0].ID != alice.ID {
			t.Fatalf("after remove: %+v", list)
		}
	})
}

func assertNoSecretsIn(t *testing.T, dir string, secrets []string) {
	t.Helper()
	checked := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		for _, s := range secrets {
			if len(s) >= 8 && bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains a secret", path)
			}
		}
		checked++
		return nil
	})
	if checked < 2 {
		t.Fatalf("only %d files checked in %s", checked, dir)
	}
}

func activity(t *testing.T, dataDir string, id int64) []account.Activity {
	t.Helper()
	s, err := store.Open(context.Background(), dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log, err := s.ActivityFor(context.Background(), id, 20)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func sameAccounts(a, b []account.Account) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func itoa(n int64) string { return strconvItoa(n) }

func strconvItoa(n int64) string { return strconv.FormatInt(n, 10) }

// Where the first row's ⋯ button is in the 880x600 Accounts window, which
// Xvfb (no window manager) places at the top left.
// With two profiles and no banner the first row is below the search bar.
// Its menu opens under the button: Update, then Check now.
const (
	rowMenuX, rowMenuY = 857, headerY + 120
	rowMenuCheckNowDY  = 76
)

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/internal/testbed"
)

// poll checks cond every 200 ms until it holds or timeout passes.
func poll(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("waiting for %s: not after %s: %s", what, timeout, why)
		}
	}
}

func (c *cliApp) posts(t *testing.T) []schedule.Post {
	t.Helper()
	p, code := c.run(t, "posts", "list", "--json")
	var list []schedule.Post
	if code != 0 || json.Unmarshal([]byte(p.Stdout()), &list) != nil {
		t.Fatalf("posts list: %d\n%s", code, p.Output())
	}
	return list
}

func (c *cliApp) schedule(t *testing.T, at time.Time, text string, accounts ...account.Account) schedule.Post {
	t.Helper()
	args := []string{"posts", "schedule", "--at", at.Format(time.RFC3339)}
	for _, a := range accounts {
		args = append(args, "--account", itoa(a.ID))
	}
	p, code := c.run(t, append(args, text)...)
	var post schedule.Post
	if code != 0 || json.Unmarshal([]byte(p.Stdout()), &post) != nil {
		t.Fatalf("posts schedule: %d\n%s", code, p.Output())
	}
	return post
}

func (c *cliApp) daemon(t *testing.T, name string) *testbed.Process {
	t.Helper()
	cmd := exec.Command(c.bin, "daemon", "--data-dir", c.dataDir)
	cmd.Env = testbed.Env(t, testbed.TempHome(t)...)
	p := testbed.StartProcess(t, name, cmd)
	p.WaitOutput(t, "engine running", 30*time.Second)
	return p
}

// serverStatuses lists the texts of an account's statuses on GoToSocial.
func serverStatuses(t *testing.T, kr *testbed.Keyring, a account.Account) map[string]int {
	t.Helper()
	token, ok := kr.AccessToken(t, "mastodon "+a.Instance+" "+a.RemoteID)
	if !ok {
		t.Fatalf("no token for %s", a.Handle)
	}
	counts := map[string]int{}
	maxID := ""
	for page := 0; page < 10; page++ {
		u := a.Instance + "/api/v1/accounts/" + a.RemoteID + "/statuses?limit=40"
		if maxID != "" {
			u += "&max_id=" + maxID
		}
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list []struct {
			ID      string `json:"id"`
			Content string `json:"content"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("statuses of %s: %d %v", a.Handle, resp.StatusCode, err)
		}
		if len(list) == 0 {
			break
		}
		for _, s := range list {
			counts[stripTags(s.Content)]++
		}
		maxID = list[len(list)-1].ID
	}
	return counts
}

func stripTags(html string) string {
	var b strings.Builder
	in := false
	for _, r := range html {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func connectUsers(t *testing.T, c *cliApp, gts *testbed.GoToSocial, users ...string) map[string]account.Account {
	t.Helper()
	out := map[string]account.Account{}
	for _, u := range users {
		gts.CreateUser(t, u, u+"@example.org", password)
		p, _ := c.signIn(t, u+"@example.org", "accounts", "connect", "mastodon", "--instance", gts.URL())
		if p.ExitCode() != 0 {
			t.Fatalf("connect %s: %s", u, p.Output())
		}
		out[u] = decodeAccount(t, p)
	}
	return out
}

func targetStates(p schedule.Post) map[int64]schedule.Target {
	m := map[int64]schedule.Target{}
	for _, t := range p.Targets {
		m[t.AccountID] = t
	}
	return m
}

func findPost(list []schedule.Post, id int64) schedule.Post {
	for _, p := range list {
		if p.ID == id {
			return p
		}
	}
	return schedule.Post{}
}

// TestScheduledPostsAgainstGoToSocial publishes through the real daemon.
func TestScheduledPostsAgainstGoToSocial(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	accts := connectUsers(t, c, gts, "alice", "bob", "dora")
	alice, bob, dora := accts["alice"], accts["bob"], accts["dora"]
	parent := t

	t.Run("a post to two accounts goes out at its time", func(t *testing.T) {
		d := c.daemon(t, "daemon")
		due := time.Now().Add(4 * time.Second).Truncate(time.Second)
		post := c.schedule(t, due, "Hello from SocialOmm at its time", alice, bob)
		var got schedule.Post
		poll(t, "both targets published", time.Minute, func() (bool, string) {
			got = findPost(c.posts(t), post.ID)
			for _, tg := range got.Targets {
				if tg.State != schedule.Published {
					return false, fmt.Sprintf("%d: %s %s", tg.AccountID, tg.State, tg.Error)
				}
			}
			return len(got.Targets) == 2, "no targets"
		})
		for _, tg := range got.Targets {
			if tg.RemoteID == "" || !strings.HasPrefix(tg.URL, gts.URL()) {
				t.Fatalf("published without the server's id and link: %+v", tg)
			}
			if late := tg.UpdatedAt.Sub(due); late < 0 || late > 2*time.Second {
				t.Fatalf("published %v after its time", late)
			}
		}
		for _, a := range []account.Account{alice, bob} {
			if n := serverStatuses(t, kr, a)["Hello from SocialOmm at its time"]; n != 1 {
				t.Fatalf("%s has the post %d times on the server", a.Handle, n)
			}
		}
		d.Signal(t, syscall.SIGTERM)
		d.WaitExit(t, 15*time.Second)
	})

	t.Run("server stopped while publishing: retried, out once it is back", func(t *testing.T) {
		gts.Stop(t)
		d := c.daemon(t, "daemon")
		post := c.schedule(t, time.Now(), "Sent while the server was down", alice)
		poll(t, "the target retrying", time.Minute, func() (bool, string) {
			tg := targetStates(findPost(c.posts(t), post.ID))[alice.ID]
			return tg.State == schedule.Retrying, string(tg.State)
		})
		gts.Start(parent)
		poll(t, "the target published", 2*time.Minute, func() (bool, string) {
			tg := targetStates(findPost(c.posts(t), post.ID))[alice.ID]
			return tg.State == schedule.Published, string(tg.State) + " " + tg.Error
		})
		if n := serverStatuses(t, kr, alice)["Sent while the server was down"]; n != 1 {
			t.Fatalf("the server has the post %d times", n)
		}
		d.Signal(t, syscall.SIGTERM)
		d.WaitExit(t, 15*time.Second)
	})

	t.Run("a deleted account's copy is held, the other goes out", func(t *testing.T) {
		token, _ := kr.AccessToken(t, "mastodon "+dora.Instance+" "+dora.RemoteID)
		testbed.DeleteAccount(t, gts.URL(), token, password)
		d := c.daemon(t, "daemon")
		post := c.schedule(t, time.Now(), "Only bob gets this one", bob, dora)
		poll(t, "bob published and dora held", time.Minute, func() (bool, string) {
			ts := targetStates(findPost(c.posts(t), post.ID))
			return ts[bob.ID].State == schedule.Published && ts[dora.ID].State == schedule.Held,
				fmt.Sprintf("bob %s, dora %s", ts[bob.ID].State, ts[dora.ID].State)
		})
		for _, a := range c.accounts(t) {
			if a.ID == dora.ID && (a.State != account.Disconnected || a.Reason != account.ReasonRevoked) {
				t.Fatalf("dora after a refused publish: %s/%s", a.State, a.Reason)
			}
		}
		d.Signal(t, syscall.SIGTERM)
		d.WaitExit(t, 15*time.Second)
	})
}

// TestCrashDuringABurstNeverPostsTwice kills the daemon with SIGKILL several
// times while 50 due posts go out, restarting it each time: at the end the
// server holds each post exactly once, or the app marks it unconfirmed;
// none is lost.
func TestCrashDuringABurstNeverPostsTwice(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	erin := connectUsers(t, c, gts, "erin")["erin"]

	const n = 50
	for i := 0; i < n; i++ {
		c.schedule(t, time.Now(), fmt.Sprintf("Burst post number %d", i), erin)
	}
	list := killDuringBurst(t, c, n, 4)

	onServer := serverStatuses(t, kr, erin)
	if len(list) != n {
		t.Fatalf("%d posts in the queue, want %d", len(list), n)
	}
	unconfirmed := 0
	for _, p := range list {
		got := onServer[p.Text]
		switch p.Targets[0].State {
		case schedule.Published:
			if got != 1 {
				t.Errorf("%q is published and on the server %d times", p.Text, got)
			}
		case schedule.Unconfirmed:
			unconfirmed++
			if got > 1 {
				t.Errorf("%q is unconfirmed and on the server %d times", p.Text, got)
			}
			// GoToSocial lists recent posts, so an interrupted post is looked
			// for; unconfirmed is only for one it could not see.
			if strings.Contains(p.Targets[0].Error, "offers no list") {
				t.Errorf("%q went to unconfirmed without being looked for: %s", p.Text, p.Targets[0].Error)
			}
		}
	}
	t.Logf("%d published, %d unconfirmed after 4 SIGKILLs", n-unconfirmed, unconfirmed)
}

// killDuringBurst SIGKILLs a daemon kills times, each once more posts have
// settled (published or marked unconfirmed: progress either way), then lets
// a last daemon settle all n and returns the queue.
func killDuringBurst(t *testing.T, c *cliApp, n, kills int) []schedule.Post {
	t.Helper()
	settled := func() int {
		count := 0
		for _, p := range c.posts(t) {
			if s := p.Targets[0].State; s == schedule.Published || s == schedule.Unconfirmed {
				count++
			}
		}
		return count
	}
	for kill := 0; kill < kills; kill++ {
		d := c.daemon(t, fmt.Sprintf("daemon-%d", kill))
		before := settled()
		poll(t, "some posts settling", 2*time.Minute, func() (bool, string) {
			now := settled()
			return now > before || now == n, fmt.Sprintf("%d settled", now)
		})
		d.Signal(t, syscall.SIGKILL)
		d.WaitExit(t, 15*time.Second)
	}
	d := c.daemon(t, "daemon-final")
	var list []schedule.Post
	poll(t, "every post settled", 3*time.Minute, func() (bool, string) {
		list = c.posts(t)
		open := 0
		for _, p := range list {
			switch p.Targets[0].State {
			case schedule.Published, schedule.Unconfirmed:
			default:
				open++
			}
		}
		return open == 0, fmt.Sprintf("%d not settled", open)
	})
	d.Signal(t, syscall.SIGTERM)
	d.WaitExit(t, 15*time.Second)
	return list
}

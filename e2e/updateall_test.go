package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/internal/testbed"
)

// pastEngine opens the data folder in this process with a clock at at, so
// connections are made in the past and reach their lifespan by now. It is
// closed before the binary runs on the folder.
func pastEngine(t *testing.T, dir string, at time.Time) (*core.Engine, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(at)
	e, err := core.Open(context.Background(), core.Options{DataDir: dir, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

// connectInPast connects email's profile on GoToSocial through real
// Chromium, with the engine's clock in the past.
func connectInPast(t *testing.T, e *core.Engine, gts *testbed.GoToSocial, email string) account.Account {
	t.Helper()
	opened := make(chan string, 1)
	type result struct {
		a   account.Account
		err error
	}
	done := make(chan result, 1)
	go func() {
		a, err := e.Connect(context.Background(), "mastodon", map[string]string{"instance": gts.URL()},
			core.SignIn{Open: func(_ context.Context, u string) error { opened <- u; return nil }, Timeout: time.Minute})
		done <- result{a, err}
	}()
	var u string
	select {
	case u = <-opened:
	case r := <-done:
		t.Fatalf("connect %s ended before opening the browser: %v", email, r.err)
	case <-time.After(time.Minute):
		t.Fatalf("connect %s never opened the browser", email)
	}
	testbed.StartBrowser(t).SignInGoToSocial(t, u, email, password)
	r := <-done
	if r.err != nil {
		t.Fatalf("connect %s: %v", email, r.err)
	}
	return r.a
}

// updateAllRun runs `accounts update --all-needed` and signs in each page it
// opens in a fresh browser (the person signing out between profiles) as the
// email signIn names for that turn.
func (c *cliApp) updateAllRun(t *testing.T, signIn []string) (*testbed.Process, []core.UpdateAllResult) {
	t.Helper()
	opener := testbed.StartBrowser(t)
	p := c.start(t, opener, "accounts", "update", "--all-needed")
	for _, email := range signIn {
		u := opener.WaitOpened(t, time.Minute)
		testbed.StartBrowser(t).SignInGoToSocial(t, u, email, password)
	}
	p.WaitExit(t, 2*time.Minute)
	var results []core.UpdateAllResult
	for _, line := range strings.Split(strings.TrimSpace(p.Stdout()), "\n") {
		var r core.UpdateAllResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("stdout line %q is not a result: %v\n%s", line, err, p.Output())
		}
		results = append(results, r)
	}
	return p, results
}

func accountByID(t *testing.T, c *cliApp, id int64) account.Account {
	t.Helper()
	for _, a := range c.accounts(t) {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no account %d", id)
	return account.Account{}
}

// TestUpdateAllNeeded: three GoToSocial profiles, two past the 90-day
// lifespan and one inside the warning window, are renewed by one
// `accounts update --all-needed` with the browser signing in; a profile
// signed in as someone else is refused and left as it was.
func TestUpdateAllNeeded(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		gts.CreateUser(t, u, u+"@example.org", password)
	}
	now := time.Now().UTC().Truncate(time.Second)
	e, clk := pastEngine(t, c.dataDir, now.Add(-91*24*time.Hour))
	alice := connectInPast(t, e, gts, "alice@example.org")
	bob := connectInPast(t, e, gts, "bob@example.org")
	clk.Set(now.Add(-80 * 24 * time.Hour))
	carol := connectInPast(t, e, gts, "carol@example.org")
	e.Close()

	if p, code := c.run(t, "accounts", "check", "--all"); code != 0 {
		t.Fatalf("check --all: %d\n%s", code, p.Output())
	}
	want := map[int64]account.State{alice.ID: account.Disconnected, bob.ID: account.Disconnected, carol.ID: account.Expiring}
	for id, state := range want {
		if a := accountByID(t, c, id); a.State != state {
			t.Fatalf("%s before: %s/%s, want %s", a.Handle, a.State, a.Reason, state)
		}
	}

	p, results := c.updateAllRun(t, []string{"alice@example.org", "bob@example.org", "carol@example.org"})
	if p.ExitCode() != 0 {
		t.Fatalf("update --all-needed exited %d\n%s", p.ExitCode(), p.Output())
	}
	if len(results) != 3 {
		t.Fatalf("%d result lines, want 3\n%s", len(results), p.Output())
	}
	for _, r := range results {
		if r.Outcome != core.UpdateRenewed || r.Network != "mastodon" || r.Handle == "" {
			t.Errorf("result %+v, want renewed", r)
		}
		a := accountByID(t, c, r.ID)
		if a.State != account.Connected || a.ExpiresAt == nil || time.Until(*a.ExpiresAt) < 89*24*time.Hour {
			t.Errorf("%s after: %s, expires %v", a.Handle, a.State, a.ExpiresAt)
		}
	}
	if !strings.Contains(p.Stderr(), "renewed 3, skipped 0, still need you 0") || !strings.Contains(p.Stderr(), "1 of 3 — @alice@") {
		t.Fatalf("stderr lacks the progress or the summary:\n%s", p.Stderr())
	}
	t.Logf("stdout:\n%s\nstderr tail: %s", p.Stdout(), lastLine(p.Stderr()))

	t.Run("signed in as someone else: refused, left as it was", func(t *testing.T) {
		e, _ := pastEngine(t, c.dataDir, now.Add(-91*24*time.Hour))
		dave := connectInPast(t, e, gts, "dave@example.org")
		e.Close()
		if p, code := c.run(t, "accounts", "check", itoa(dave.ID)); code != 0 {
			t.Fatalf("check: %d\n%s", code, p.Output())
		}
		before := accountByID(t, c, dave.ID)
		tokenBefore, _ := kr.AccessToken(t, "mastodon "+dave.Instance+" "+dave.RemoteID)
		if before.State != account.Disconnected {
			t.Fatalf("dave before: %s", before.State)
		}
		p, results := c.updateAllRun(t, []string{"alice@example.org"})
		if p.ExitCode() != 1 {
			t.Fatalf("exit %d, want 1\n%s", p.ExitCode(), p.Output())
		}
		if len(results) != 1 || results[0].ID != dave.ID || results[0].Outcome != core.UpdateRefused ||
			!strings.Contains(results[0].Message, "You signed in as @alice@") || !strings.Contains(results[0].Message, "Nothing was changed") {
			t.Fatalf("results %+v", results)
		}
		if !strings.Contains(p.Stderr(), "renewed 0, skipped 0, still need you 1") {
			t.Fatalf("summary:\n%s", p.Stderr())
		}
		after := accountByID(t, c, dave.ID)
		tokenAfter, _ := kr.AccessToken(t, "mastodon "+dave.Instance+" "+dave.RemoteID)
		if !sameAccounts([]account.Account{before}, []account.Account{after}) || tokenAfter != tokenBefore || tokenAfter == "" {
			t.Fatalf("dave changed:\nbefore %+v\nafter  %+v", before, after)
		}
		t.Logf("stdout: %s", p.Stdout())
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestHeldPostsRelease: posts held while two GoToSocial profiles were
// disconnected wait after Update (schedule.release_held is ask by
// default); released with skip-older-than, the one that waited 36 hours is
// skipped and says so; released with keep, the other goes out, exactly once.
func TestHeldPostsRelease(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	gts.CreateUser(t, "alice", aliceEmail, password)
	gts.CreateUser(t, "bob", bobEmail, password)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)

	// Connected 92 days ago: both lost access by the lifespan 2 days ago.
	e, clk := pastEngine(t, c.dataDir, now.Add(-92*24*time.Hour))
	alice := connectInPast(t, e, gts, aliceEmail)
	bob := connectInPast(t, e, gts, bobEmail)
	old, err := e.Posts().Schedule(ctx, "Old news from alice", now.Add(-36*time.Hour), []int64{alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	recent, err := e.Posts().Schedule(ctx, "Fresh bread from bob", now.Add(-2*time.Hour), []int64{bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{now.Add(-36 * time.Hour), now.Add(-2 * time.Hour)} {
		clk.Set(at.Add(time.Minute))
		for _, a := range []account.Account{alice, bob} {
			if _, err := e.Check(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.Posts().Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.Close()
	for _, id := range []int64{old.ID, recent.ID} {
		if tg := findPost(c.posts(t), id).Targets[0]; tg.State != schedule.Held || tg.HoldReason != schedule.HoldAccount {
			t.Fatalf("post %d before: %+v", id, tg)
		}
	}

	// Update both: with release_held=ask (the default) nothing goes out.
	for _, a := range []account.Account{alice, bob} {
		email := aliceEmail
		if a.ID == bob.ID {
			email = bobEmail
		}
		p, _ := c.signIn(t, email, "accounts", "update", itoa(a.ID))
		if p.ExitCode() != 0 {
			t.Fatalf("update %s: %s", a.Handle, p.Output())
		}
		// Nobody is asked on the command line: it says how to choose.
		if want := "posts release --account " + itoa(a.ID); !strings.Contains(p.Stderr(), want) {
			t.Fatalf("update %s does not say the held posts wait for `%s`:\n%s", a.Handle, want, p.Stderr())
		}
	}
	c.daemon(t, "daemon")
	for _, id := range []int64{old.ID, recent.ID} {
		if tg := findPost(c.posts(t), id).Targets[0]; tg.State != schedule.Held {
			t.Fatalf("post %d went on after Update without a choice: %+v", id, tg)
		}
	}

	p, code := c.run(t, "posts", "release", "--account", itoa(alice.ID), "--mode", "skip-older-than", "1d")
	if code != 0 || !strings.Contains(p.Stdout(), `"skipped": 1`) {
		t.Fatalf("release skip-older-than: %d\n%s", code, p.Output())
	}
	tg := findPost(c.posts(t), old.ID).Targets[0]
	if tg.State != schedule.Skipped || tg.Describe() != "Skipped: it waited too long (held 1 day)" {
		t.Fatalf("old post: %s %q", tg.State, tg.Describe())
	}
	list, _ := c.run(t, "posts", "list")
	if !strings.Contains(list.Stdout(), "skipped: it waited too long (held 1 day)") {
		t.Fatalf("posts list does not say it was skipped:\n%s", list.Stdout())
	}

	p, code = c.run(t, "posts", "release", "--account", itoa(bob.ID), "--mode", "keep")
	if code != 0 || !strings.Contains(p.Stdout(), `"now": 1`) {
		t.Fatalf("release keep: %d\n%s", code, p.Output())
	}
	poll(t, "bob's held post published", time.Minute, func() (bool, string) {
		tg := findPost(c.posts(t), recent.ID).Targets[0]
		return tg.State == schedule.Published, string(tg.State)
	})
	if n := serverStatuses(t, kr, bob)["Fresh bread from bob"]; n != 1 {
		t.Fatalf("bob's post is on GoToSocial %d times, want 1", n)
	}
	if n := serverStatuses(t, kr, alice)["Old news from alice"]; n != 0 {
		t.Fatalf("the skipped post is on GoToSocial %d times", n)
	}
	t.Logf("posts list:\n%s", list.Stdout())
}

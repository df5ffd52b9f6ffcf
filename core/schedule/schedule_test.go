package schedule

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/mastodon"
)

func TestScheduleValidates(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		text   string
		at     time.Time
		accts  []int64
		want   error
		wantAt time.Time
		n      int
	}{
		{"empty text", "  \n", t0.Add(time.Hour), []int64{e.a1}, ErrEmptyText, time.Time{}, 0},
		{"no accounts", "hi", t0.Add(time.Hour), nil, ErrNoAccounts, time.Time{}, 0},
		{"unknown account", "hi", t0.Add(time.Hour), []int64{e.a1, 999}, ErrUnknownAccount, time.Time{}, 0},
		{"past beyond a minute", "hi", t0.Add(-2 * time.Minute), []int64{e.a1}, ErrInPast, time.Time{}, 0},
		{"just past is now-ish", "hi", t0.Add(-30 * time.Second), []int64{e.a1}, nil, t0.Add(-30 * time.Second), 1},
		{"zero time is now", "hi", time.Time{}, []int64{e.a1}, nil, t0, 1},
		{"local time stored in UTC, duplicates dropped", " hi ", time.Date(2026, 3, 2, 12, 0, 0, 0, time.FixedZone("X", 3600)),
			[]int64{e.a2, e.a1, e.a2}, nil, time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.s.Schedule(e.ctx, c.text, c.at, c.accts)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if err != nil {
				return
			}
			if !p.At.Equal(c.wantAt) || p.At.Location() != time.UTC || p.Text != "hi" || len(p.Targets) != c.n {
				t.Fatalf("post = %+v", p)
			}
			for _, tg := range p.Targets {
				if tg.State != Scheduled || !tg.DueAt.Equal(c.wantAt) {
					t.Fatalf("target = %+v", tg)
				}
			}
		})
	}
}

// A post goes out at its time (not before) with the loop asleep on the
// clock, to both accounts, and each target keeps its network id and link.
func TestDueAtItsTimeToTwoAccounts(t *testing.T) {
	e := newEnv(t)
	l := e.run()
	p := e.schedule("Hello from SocialOmm", t0.Add(10*time.Minute), e.a1, e.a2)
	l.waitIdle() // the nudge's pass
	e.clk.Advance(10*time.Minute - time.Second)
	l.waitIdle()
	if n := len(e.pub.Calls()); n != 0 {
		t.Fatalf("published %d before its time", n)
	}
	e.clk.Advance(time.Second)
	calls := e.waitSent(2)
	l.waitIdle()
	slices.SortFunc(calls, func(a, b call) int { return int(a.AccountID - b.AccountID) })
	got := e.post(p.ID)
	for i, tg := range got.Targets {
		if calls[i].AccountID != tg.AccountID || calls[i].Text != "Hello from SocialOmm" || calls[i].Key != IdempotencyKey(tg) {
			t.Errorf("call %d = %+v for target %+v", i, calls[i], tg)
		}
		if tg.State != Published || !strings.HasPrefix(tg.RemoteID, "remote-") || !strings.Contains(tg.URL, tg.RemoteID) || tg.Error != "" {
			t.Errorf("target = %+v", tg)
		}
	}
	if calls[0].Key == calls[1].Key {
		t.Errorf("both targets share idempotency key %q", calls[0].Key)
	}
	e.clk.Advance(time.Hour)
	l.waitIdle()
	if n := len(e.pub.Calls()); n != 2 {
		t.Fatalf("published %d times in all, want 2", n)
	}
}

func TestDisconnectedAccountHeldOtherPublished(t *testing.T) {
	e := newEnv(t)
	e.accts.set(e.a2, true)
	p := e.schedule("hi", time.Time{}, e.a1, e.a2)
	e.tick()
	if tg := e.target(p.ID, e.a1); tg.State != Published {
		t.Errorf("a1 target = %+v", tg)
	}
	tg := e.target(p.ID, e.a2)
	if tg.State != Held || tg.HoldReason != HoldAccount || !strings.Contains(tg.Error, "disconnected") {
		t.Errorf("a2 target = %+v", tg)
	}
	for _, c := range e.pub.Calls() {
		if c.AccountID == e.a2 {
			t.Errorf("the disconnected account was sent a post: %+v", c)
		}
	}
	ev := e.hooks.Events()
	if len(ev) != 1 || ev[0].Kind != "held" || ev[0].AccountID != e.a2 || ev[0].Hold != HoldAccount || ev[0].PostText != "hi" {
		t.Errorf("hooks = %+v", ev)
	}
}

// After an Update the held posts go out in the order they were due, even
// when they were scheduled in another order; posts missed while closed are
// not released with them.
func TestReleaseHeldInOriginalOrder(t *testing.T) {
	e := newEnv(t)
	e.accts.set(e.a2, true)
	third := e.schedule("three", t0.Add(3*time.Minute), e.a2)
	first := e.schedule("one", t0.Add(1*time.Minute), e.a2)
	second := e.schedule("two", t0.Add(2*time.Minute), e.a2)
	e.clk.Advance(3 * time.Minute)
	e.tick()
	for _, id := range []int64{first.ID, second.ID, third.ID} {
		if tg := e.target(id, e.a2); tg.State != Held {
			t.Fatalf("target = %+v", tg)
		}
	}
	e.exec(`UPDATE post_targets SET hold_reason = 'missed' WHERE post_id = ?`, third.ID)
	e.accts.set(e.a2, false)
	e.clk.Advance(time.Hour) // long after: released posts are not "missed"
	e.tick()
	if n := len(e.pub.Calls()); n != 0 {
		t.Fatalf("held posts went out before release: %d", n)
	}
	n, err := e.s.ReleaseHeld(e.ctx, e.a2)
	if err != nil || n != 2 {
		t.Fatalf("ReleaseHeld = %d, %v", n, err)
	}
	e.exec(`UPDATE post_targets SET hold_reason = 'account' WHERE post_id = ?`, third.ID)
	if n, _ := e.s.ReleaseHeld(e.ctx, e.a2); n != 1 {
		t.Fatalf("second ReleaseHeld = %d", n)
	}
	e.tick()
	var texts []string
	for _, c := range e.pub.Calls() {
		texts = append(texts, c.Text)
	}
	if strings.Join(texts, ",") != "one,two,three" {
		t.Fatalf("published in order %v", texts)
	}
}

func TestTransientRetriesWithBackoff(t *testing.T) {
	type step struct {
		err      error
		wantWait time.Duration
	}
	transient := func(after time.Duration) error {
		return &network.TransientError{Message: "social.example is not answering (503)", RetryAfter: after}
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"doubling", []step{{transient(0), 30 * time.Second}, {transient(0), time.Minute}, {transient(0), 2 * time.Minute}}},
		{"retry-after longer wins", []step{{transient(5 * time.Minute), 5 * time.Minute}, {transient(0), time.Minute}}},
		{"retry-after shorter loses", []step{{transient(10 * time.Second), 30 * time.Second}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.pub.setPublish(func(cl call, n int) (network.Published, error) {
				if n <= len(c.steps) {
					return network.Published{}, c.steps[n-1].err
				}
				return okResult(n), nil
			})
			p := e.schedule("hi", time.Time{}, e.a1)
			for i, st := range c.steps {
				e.tick()
				tg := e.target(p.ID, e.a1)
				now := e.clk.Now()
				if tg.State != Retrying || !tg.NextAttemptAt.Equal(now.Add(st.wantWait)) || tg.Attempts != i+1 ||
					!strings.Contains(tg.Error, "not answering") {
					t.Fatalf("step %d: target = %+v, want retry at %v", i, tg, now.Add(st.wantWait))
				}
				e.clk.Advance(st.wantWait - time.Second)
				e.tick()
				if n := len(e.pub.Calls()); n != i+1 {
					t.Fatalf("step %d: tried again before the wait: %d calls", i, n)
				}
				e.clk.Advance(time.Second)
			}
			e.tick()
			tg := e.target(p.ID, e.a1)
			if tg.State != Published || tg.Error != "" {
				t.Fatalf("final target = %+v", tg)
			}
			calls := e.pub.Calls()
			for _, cl := range calls {
				if cl.Key != calls[0].Key {
					t.Fatalf("idempotency key changed between attempts: %+v", calls)
				}
			}
			if len(e.hooks.Events()) != 0 {
				t.Fatalf("hooks = %+v", e.hooks.Events())
			}
		})
	}
}

func TestBackoffCapped(t *testing.T) {
	cases := []struct {
		attempts   int
		retryAfter time.Duration
		want       time.Duration
	}{
		{1, 0, 30 * time.Second}, {2, 0, time.Minute}, {6, 0, 16 * time.Minute}, {7, 0, 30 * time.Minute},
		{50, 0, 30 * time.Minute}, {50, time.Hour, time.Hour}, {1, time.Minute, time.Minute},
	}
	for _, c := range cases {
		if got := Backoff(c.attempts, DefaultBackoff, DefaultMaxBackoff, c.retryAfter); got != c.want {
			t.Errorf("Backoff(%d, %v) = %v, want %v", c.attempts, c.retryAfter, got, c.want)
		}
	}
}

func TestMaxAttemptsThenFailed(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxAttempts = 3 })
	e.pub.setPublish(func(call, int) (network.Published, error) {
		return network.Published{}, &network.TransientError{Message: "social.example did not answer in time"}
	})
	p := e.schedule("hi", time.Time{}, e.a1)
	for range 10 {
		e.tick()
		e.clk.Advance(time.Hour)
	}
	tg := e.target(p.ID, e.a1)
	if tg.State != Failed || tg.Attempts != 3 || !strings.Contains(tg.Error, "did not answer in time") {
		t.Fatalf("target = %+v", tg)
	}
	if n := len(e.pub.Calls()); n != 3 {
		t.Fatalf("calls = %d, want 3", n)
	}
	ev := e.hooks.Events()
	if len(ev) != 1 || ev[0].Kind != "failed" || ev[0].State != Failed || !strings.Contains(ev[0].Err.Error(), "did not answer") {
		t.Fatalf("hooks = %+v", ev)
	}
}

// A refusal for authorisation holds the target, tells the engine (which
// disconnects the account) before the held notice, holds the account's
// next target without asking the network, and is never retried until the
// account is released.
func TestLostAccessHoldsAndIsNotRetried(t *testing.T) {
	e := newEnv(t)
	lost := &network.LostAccessError{Reason: account.ReasonRevoked, Message: "The access token is invalid"}
	e.pub.setPublish(func(c call, n int) (network.Published, error) {
		if c.AccountID == e.a2 {
			return network.Published{}, lost
		}
		return okResult(n), nil
	})
	p1 := e.schedule("first", time.Time{}, e.a1, e.a2)
	p2 := e.schedule("second", time.Time{}, e.a2)
	e.tick()
	if tg := e.target(p1.ID, e.a1); tg.State != Published {
		t.Fatalf("other account's target = %+v", tg)
	}
	for _, id := range []int64{p1.ID, p2.ID} {
		tg := e.target(id, e.a2)
		if tg.State != Held || tg.HoldReason != HoldAccount || !strings.Contains(tg.Error, "The access token is invalid") {
			t.Fatalf("target = %+v", tg)
		}
	}
	a2calls := func() int {
		n := 0
		for _, c := range e.pub.Calls() {
			if c.AccountID == e.a2 {
				n++
			}
		}
		return n
	}
	if n := a2calls(); n != 1 {
		t.Fatalf("the refusing account was asked %d times", n)
	}
	if k := strings.Join(e.hooks.kinds(), ","); k != "auth,held,held" {
		t.Fatalf("hooks = %s", k)
	}
	if ev := e.hooks.Events()[0]; ev.AccountID != e.a2 || network.ReasonOf(ev.Err) != account.ReasonRevoked {
		t.Fatalf("AuthRefused = %+v", ev)
	}
	for range 5 {
		e.clk.Advance(time.Hour)
		e.tick()
	}
	if n := a2calls(); n != 1 {
		t.Fatalf("held targets were retried: %d calls", n)
	}
	// After Update.
	e.pub.setPublish(nil)
	e.accts.set(e.a2, false)
	if n, err := e.s.ReleaseHeld(e.ctx, e.a2); n != 2 || err != nil {
		t.Fatalf("ReleaseHeld = %d, %v", n, err)
	}
	e.tick()
	if tg := e.target(p2.ID, e.a2); tg.State != Published {
		t.Fatalf("after release = %+v", tg)
	}
}

func TestRefusedPostFailsWithNetworksWords(t *testing.T) {
	e := newEnv(t)
	e.pub.setPublish(func(call, int) (network.Published, error) {
		return network.Published{}, errors.New("social.example refused the post: Validation failed: Text character limit of 500 exceeded")
	})
	p := e.schedule(strings.Repeat("x", 600), time.Time{}, e.a1)
	e.tick()
	tg := e.target(p.ID, e.a1)
	if tg.State != Failed || !strings.Contains(tg.Error, "character limit of 500 exceeded") || tg.Attempts != 1 {
		t.Fatalf("target = %+v", tg)
	}
	e.clk.Advance(time.Hour)
	e.tick()
	if n := len(e.pub.Calls()); n != 1 {
		t.Fatalf("a refused post was sent %d times", n)
	}
	if k := e.hooks.kinds(); len(k) != 1 || k[0] != "failed" {
		t.Fatalf("hooks = %v", k)
	}
}

// crash leaves a post's target `publishing`, claimed at claimedAt, as a
// process killed mid-request would.
func (e *env) crash(postID int64, claimedAt time.Time) {
	e.exec(`UPDATE post_targets SET state = 'publishing', attempts = 1, updated_at = ? WHERE post_id = ?`,
		unix(claimedAt), postID)
}

func TestCrashRecoveryNeverSendsTwiceBlindly(t *testing.T) {
	found := []network.Published{{RemoteID: "r9", URL: "https://social.example/@ana/r9"}}
	cases := []struct {
		name      string
		find      func(n int) ([]network.Published, error)
		wantState State
		wantSends int
		wantID    string
		wantHook  string
	}{
		{"found: published, not sent again", func(int) ([]network.Published, error) { return found, nil },
			Published, 0, "r9", ""},
		{"confidently not there: sent once", func(int) ([]network.Published, error) { return nil, nil },
			Published, 1, "remote-1", ""},
		{"network cannot tell: unconfirmed", func(int) ([]network.Published, error) {
			return nil, ErrCannotLook
		}, Unconfirmed, 0, "", "failed"},
		{"cannot ask now, then found", func(n int) ([]network.Published, error) {
			if n == 1 {
				return nil, &network.TransientError{Message: "social.example is not answering"}
			}
			return found, nil
		}, Published, 0, "r9", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.schedule("exactly once", time.Time{}, e.a1)
			e.crash(p.ID, t0)
			e.clk.Advance(2 * time.Minute)
			e.restart()
			n := 0
			e.pub.setFind(func(acct int64, text string, since time.Time) ([]network.Published, error) {
				n++
				return c.find(n)
			})
			if err := e.s.Recover(e.ctx); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				e.clk.Advance(time.Minute)
				e.tick()
			}
			tg := e.target(p.ID, e.a1)
			if tg.State != c.wantState || tg.RemoteID != c.wantID {
				t.Fatalf("target = %+v", tg)
			}
			if got := len(e.pub.Calls()); got != c.wantSends {
				t.Fatalf("sent %d times, want %d", got, c.wantSends)
			}
			f := e.pub.Finds()
			if len(f) == 0 || f[0].Text != "exactly once" || f[0].AccountID != e.a1 || !f[0].Since.Equal(t0.Add(-DefaultClockSkew)) {
				t.Fatalf("finds = %+v", f)
			}
			if c.wantState == Unconfirmed && !strings.Contains(tg.Error, "could not confirm") {
				t.Fatalf("unconfirmed error = %q", tg.Error)
			}
			if k := strings.Join(e.hooks.kinds(), ","); k != c.wantHook {
				t.Fatalf("hooks = %q, want %q", k, c.wantHook)
			}
			if c.wantHook == "failed" && !errors.Is(e.hooks.Events()[0].Err, ErrUnconfirmed) {
				t.Fatalf("hook err = %v", e.hooks.Events()[0].Err)
			}
		})
	}
}

// A crash a moment ago: the request may still be landing, so the lookup
// waits for Settle.
func TestRecoverWaitsForSettleBeforeLooking(t *testing.T) {
	e := newEnv(t)
	p := e.schedule("hi", time.Time{}, e.a1)
	e.crash(p.ID, t0)
	e.restart()
	if err := e.s.Recover(e.ctx); err != nil {
		t.Fatal(err)
	}
	if tg := e.target(p.ID, e.a1); tg.State != Retrying || tg.OutcomeUnknownSince == nil || len(e.pub.Finds()) != 0 {
		t.Fatalf("target = %+v, finds %d", tg, len(e.pub.Finds()))
	}
	e.clk.Advance(DefaultSettle)
	e.tick()
	if len(e.pub.Finds()) != 1 || len(e.pub.Calls()) != 1 {
		t.Fatalf("finds %d, calls %d", len(e.pub.Finds()), len(e.pub.Calls()))
	}
}

// Two posts with the same text: the one found on the network is taken by
// the target that was recorded with it, so the other is sent, not matched.
func TestRecoveryTellsIdenticalPostsApart(t *testing.T) {
	e := newEnv(t)
	a := e.schedule("Good morning", time.Time{}, e.a1)
	e.tick() // a is published as remote-1
	b := e.schedule("Good morning", time.Time{}, e.a1)
	e.crash(b.ID, t0)
	e.clk.Advance(time.Minute)
	e.restart()
	e.pub.setFind(func(int64, string, time.Time) ([]network.Published, error) {
		return []network.Published{{RemoteID: "remote-1", URL: "https://social.example/@ana/remote-1"}}, nil
	})
	if err := e.s.Recover(e.ctx); err != nil {
		t.Fatal(err)
	}
	ta, tb := e.target(a.ID, e.a1), e.target(b.ID, e.a1)
	if ta.RemoteID != "remote-1" || tb.State != Published || tb.RemoteID != "remote-2" {
		t.Fatalf("a = %+v\nb = %+v", ta, tb)
	}
}

// A timeout after the request was written (mastodon.ErrOutcomeUnknown) is
// handled like a crash: looked for after Settle, not resent when found.
func TestOutcomeUnknownIsLookedForBeforeResending(t *testing.T) {
	cases := []struct {
		name      string
		found     bool
		wantSends int
	}{
		{"it went out", true, 1},
		{"it did not", false, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.pub.setPublish(func(cl call, n int) (network.Published, error) {
				if n == 1 {
					return network.Published{}, &network.TransientError{
						Message: "social.example did not answer in time; the post may or may not have been published",
						Err:     errors.Join(mastodon.ErrOutcomeUnknown, errors.New("timeout"))}
				}
				return okResult(n), nil
			})
			e.pub.setFind(func(int64, string, time.Time) ([]network.Published, error) {
				if c.found {
					return []network.Published{{RemoteID: "r1", URL: "https://social.example/@ana/r1"}}, nil
				}
				return nil, nil
			})
			p := e.schedule("hi", time.Time{}, e.a1)
			e.tick()
			tg := e.target(p.ID, e.a1)
			if tg.State != Retrying || tg.OutcomeUnknownSince == nil || !tg.OutcomeUnknownSince.Equal(t0) ||
				!tg.NextAttemptAt.Equal(t0.Add(DefaultSettle)) {
				t.Fatalf("after unknown outcome: %+v", tg)
			}
			e.clk.Advance(DefaultSettle)
			e.tick()
			tg = e.target(p.ID, e.a1)
			if tg.State != Published || tg.OutcomeUnknownSince != nil || len(e.pub.Calls()) != c.wantSends || len(e.pub.Finds()) != 1 {
				t.Fatalf("target = %+v, sends %d, finds %d", tg, len(e.pub.Calls()), len(e.pub.Finds()))
			}
		})
	}
}

func TestGraceWindowAfterBeingClosed(t *testing.T) {
	cases := []struct {
		name  string
		grace time.Duration
		// the app was closed from t0 to t0+2h; posts due at these offsets
		want map[time.Duration]State
	}{
		{"default hour", 0, map[time.Duration]State{
			10 * time.Minute: Held, 90 * time.Minute: Published, 3 * time.Hour: Scheduled}},
		{"three hours", 3 * time.Hour, map[time.Duration]State{
			10 * time.Minute: Published, 90 * time.Minute: Published, 3 * time.Hour: Scheduled}},
		{"zero: only a minute's slack", -1, map[time.Duration]State{
			10 * time.Minute: Held, 119*time.Minute + 30*time.Second: Published, 90 * time.Minute: Held}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) {
				switch {
				case c.grace > 0:
					o.Grace = func(context.Context) time.Duration { return c.grace }
				case c.grace < 0:
					o.Grace = func(context.Context) time.Duration { return 0 }
				}
			})
			ids := map[time.Duration]int64{}
			for off := range c.want {
				ids[off] = e.schedule("due +"+off.String(), t0.Add(off), e.a1).ID
			}
			e.clk.Advance(2 * time.Hour) // closed
			e.restart()
			if err := e.s.Recover(e.ctx); err != nil {
				t.Fatal(err)
			}
			held := 0
			for off, want := range c.want {
				tg := e.target(ids[off], e.a1)
				if tg.State != want {
					t.Errorf("due +%v: state %s, want %s (%+v)", off, tg.State, want, tg)
				}
				if want == Held {
					held++
					if tg.HoldReason != HoldMissed || !strings.Contains(tg.Error, "Missed while SocialOmm was closed") {
						t.Errorf("due +%v: %+v", off, tg)
					}
				}
			}
			var heldHooks int
			for _, ev := range e.hooks.Events() {
				if ev.Kind == "held" && ev.Hold == HoldMissed {
					heldHooks++
				}
			}
			if heldHooks != held {
				t.Errorf("held hooks %d, want %d", heldHooks, held)
			}
			// Missed ones stay held, even after an Update of the account.
			e.s.ReleaseHeld(e.ctx, e.a1)
			e.clk.Advance(time.Minute)
			e.tick()
			for off, want := range c.want {
				if tg := e.target(ids[off], e.a1); want == Held && tg.State != Held {
					t.Errorf("due +%v left held: %+v", off, tg)
				}
			}
		})
	}
}

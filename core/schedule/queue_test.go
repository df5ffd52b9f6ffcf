package schedule

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

func TestEdit(t *testing.T) {
	later := t0.Add(2 * time.Hour)
	cases := []struct {
		name string
		// prepare sets target states (by account) before the edit
		prepare   func(e *env, p Post)
		text      string
		at        time.Time
		wantErr   error
		wantSplit bool
		// wanted state per account after the edit
		want map[int]State
	}{
		{"scheduled: text and time change", nil, "new words", later, nil, false,
			map[int]State{1: Scheduled, 2: Scheduled}},
		{"one published: the rest move to a new post", func(e *env, p Post) {
			e.exec(`UPDATE post_targets SET state = 'published', remote_id = 'r1' WHERE post_id = ? AND account_id = ?`, p.ID, e.a1)
		}, "new words", later, nil, true, map[int]State{2: Scheduled}},
		{"failed is scheduled again, held for the account stays held", func(e *env, p Post) {
			e.exec(`UPDATE post_targets SET state = 'failed', error = 'too long' WHERE post_id = ? AND account_id = ?`, p.ID, e.a1)
			e.exec(`UPDATE post_targets SET state = 'held', hold_reason = 'account' WHERE post_id = ? AND account_id = ?`, p.ID, e.a2)
		}, "shorter", later, nil, false, map[int]State{1: Scheduled, 2: Held}},
		{"all published: nothing to edit", func(e *env, p Post) {
			e.exec(`UPDATE post_targets SET state = 'published' WHERE post_id = ?`, p.ID)
		}, "x", later, ErrNothingToEdit, false, nil},
		{"may have gone out: not edited", func(e *env, p Post) {
			e.exec(`UPDATE post_targets SET state = 'unconfirmed' WHERE post_id = ?`, p.ID)
		}, "x", later, ErrNothingToEdit, false, nil},
		{"empty text", nil, " ", later, ErrEmptyText, false, nil},
		{"time in the past", nil, "x", t0.Add(-time.Hour), ErrInPast, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.schedule("old words", t0.Add(time.Hour), e.a1, e.a2)
			if c.prepare != nil {
				c.prepare(e, p)
			}
			got, err := e.s.Edit(e.ctx, p.ID, c.text, c.at)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if err != nil {
				if orig := e.post(p.ID); orig.Text != "old words" {
					t.Fatalf("a refused edit changed the post: %+v", orig)
				}
				return
			}
			if (got.ID != p.ID) != c.wantSplit || got.Text != c.text || !got.At.Equal(c.at) || len(got.Targets) != len(c.want) {
				t.Fatalf("edited = %+v", got)
			}
			for _, tg := range got.Targets {
				want := c.want[map[int64]int{e.a1: 1, e.a2: 2}[tg.AccountID]]
				if tg.State != want || !tg.DueAt.Equal(c.at) || tg.Attempts != 0 {
					t.Errorf("target = %+v, want %s", tg, want)
				}
				if want == Scheduled && (tg.Error != "" || !tg.NextAttemptAt.Equal(c.at)) {
					t.Errorf("target = %+v", tg)
				}
			}
			if c.wantSplit {
				orig := e.post(p.ID)
				if orig.Text != "old words" || len(orig.Targets) != 1 || orig.Targets[0].State != Published {
					t.Fatalf("original = %+v", orig)
				}
			}
		})
	}
}

// A failed post whose time passed can have its text fixed without being
// made "missed": it goes out now.
func TestEditKeepingPastTimeSendsNow(t *testing.T) {
	e := newEnv(t)
	p := e.schedule("too long", t0.Add(time.Minute), e.a1)
	e.exec(`UPDATE post_targets SET state = 'failed' WHERE post_id = ?`, p.ID)
	e.clk.Advance(5 * time.Hour)
	got, err := e.s.Edit(e.ctx, p.ID, "short", p.At)
	if err != nil || !got.At.Equal(p.At) {
		t.Fatalf("Edit = %+v, %v", got, err)
	}
	e.tick()
	if tg := e.target(p.ID, e.a1); tg.State != Published {
		t.Fatalf("target = %+v", tg)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	p := e.schedule("bye", t0.Add(time.Hour), e.a1, e.a2)
	busy := e.schedule("busy", t0.Add(time.Hour), e.a1)
	e.exec(`UPDATE post_targets SET state = 'publishing' WHERE post_id = ?`, busy.ID)
	cases := []struct {
		name string
		id   int64
		want error
	}{
		{"scheduled post", p.ID, nil},
		{"again: gone", p.ID, ErrNotFound},
		{"being published", busy.ID, ErrBusy},
		{"never existed", 4242, ErrNotFound},
	}
	for _, c := range cases {
		if err := e.s.Delete(e.ctx, c.id); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	var n int
	e.st.DB().QueryRow(`SELECT count(*) FROM post_targets WHERE post_id = ?`, p.ID).Scan(&n)
	if n != 0 {
		t.Fatalf("targets left: %d", n)
	}
	if _, err := e.s.Post(e.ctx, busy.ID); err != nil {
		t.Fatalf("busy post was deleted: %v", err)
	}
}

func TestRetryRetryAllFailedAndPostNow(t *testing.T) {
	cases := []struct {
		name      string
		state     string // set on the a1 target before the action
		action    string
		wantErr   error
		wantState State
		wantSends int
		wantFinds int
	}{
		{"retry failed", "failed", "retry", nil, Published, 1, 0},
		{"retry held", "held", "retry", nil, Published, 1, 0},
		{"retry unconfirmed sends without looking", "unconfirmed", "retry", nil, Published, 1, 0},
		{"retry held of unknown outcome looks first", "held-unknown", "retry", nil, Published, 0, 1},
		{"retry scheduled: nothing to retry", "scheduled", "retry", ErrNothingToRetry, Scheduled, 0, 0},
		{"retry all failed", "failed", "retryall", nil, Published, 1, 0},
		{"retry all failed leaves unconfirmed", "unconfirmed", "retryall", nil, Unconfirmed, 0, 0},
		{"post now a scheduled post", "scheduled", "now", nil, Published, 1, 0},
		{"post now a missed post", "missed", "now", nil, Published, 1, 0},
		{"post now leaves unconfirmed", "unconfirmed", "now", nil, Unconfirmed, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.pub.setFind(func(int64, string, time.Time) ([]network.Published, error) {
				return []network.Published{{RemoteID: "found", URL: "https://social.example/@ana/found"}}, nil
			})
			p := e.schedule("hi", t0.Add(24*time.Hour), e.a1)
			switch c.state {
			case "held-unknown":
				e.exec(`UPDATE post_targets SET state = 'held', hold_reason = 'account', verify_since = ? WHERE post_id = ?`, unix(t0), p.ID)
			case "missed":
				e.exec(`UPDATE post_targets SET state = 'held', hold_reason = 'missed' WHERE post_id = ?`, p.ID)
			case "unconfirmed":
				e.exec(`UPDATE post_targets SET state = 'unconfirmed', verify_since = ? WHERE post_id = ?`, unix(t0), p.ID)
			default:
				e.exec(`UPDATE post_targets SET state = ?, attempts = 3, error = 'boom' WHERE post_id = ?`, c.state, p.ID)
			}
			var err error
			switch c.action {
			case "retry":
				_, err = e.s.Retry(e.ctx, p.ID)
			case "retryall":
				_, err = e.s.RetryAllFailed(e.ctx)
			case "now":
				_, err = e.s.PostNow(e.ctx, p.ID)
			}
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			e.tick()
			tg := e.target(p.ID, e.a1)
			if tg.State != c.wantState || len(e.pub.Calls()) != c.wantSends || len(e.pub.Finds()) != c.wantFinds {
				t.Fatalf("target = %+v, sends %d, finds %d", tg, len(e.pub.Calls()), len(e.pub.Finds()))
			}
		})
	}
}

func TestRetryUnknownPost(t *testing.T) {
	e := newEnv(t)
	for name, fn := range map[string]func() error{
		"retry":   func() error { _, err := e.s.Retry(e.ctx, 77); return err },
		"postnow": func() error { _, err := e.s.PostNow(e.ctx, 77); return err },
		"edit":    func() error { _, err := e.s.Edit(e.ctx, 77, "x", time.Time{}); return err },
		"post":    func() error { _, err := e.s.Post(e.ctx, 77); return err },
	} {
		if err := fn(); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestPostsFilter(t *testing.T) {
	e := newEnv(t)
	a := e.schedule("a", t0.Add(3*time.Hour), e.a1)
	b := e.schedule("b", t0.Add(1*time.Hour), e.a1, e.a2)
	c := e.schedule("c", t0.Add(2*time.Hour), e.a2)
	e.exec(`UPDATE post_targets SET state = 'failed' WHERE post_id = ? AND account_id = ?`, b.ID, e.a2)
	ids := func(ps []Post) []int64 {
		var out []int64
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all by time", Filter{}, []int64{b.ID, c.ID, a.ID}},
		{"account", Filter{AccountID: e.a2}, []int64{b.ID, c.ID}},
		{"states", Filter{States: []State{Failed}}, []int64{b.ID}},
		{"window", Filter{From: t0.Add(90 * time.Minute), To: t0.Add(3 * time.Hour)}, []int64{c.ID}},
		{"limit", Filter{Limit: 1}, []int64{b.ID}},
	}
	for _, cs := range cases {
		got, err := e.s.Posts(e.ctx, cs.f)
		if err != nil || !slices.Equal(ids(got), cs.want) {
			t.Errorf("%s: %v, %v; want %v", cs.name, ids(got), err, cs.want)
		}
	}
	all, _ := e.s.Posts(e.ctx, Filter{})
	if len(all[0].Targets) != 2 || all[0].Targets[0].AccountID != e.a1 || all[0].Targets[1].State != Failed {
		t.Fatalf("targets of b = %+v", all[0].Targets)
	}
}

func TestDescribe(t *testing.T) {
	cases := []struct {
		t    Target
		want string
	}{
		{Target{State: Held, HoldReason: HoldMissed}, "missed while SocialOmm was closed"},
		{Target{State: Held, HoldReason: HoldAccount}, "Update"},
		{Target{State: Failed, Error: "Text too long"}, "Failed: Text too long"},
		{Target{State: Unconfirmed}, "may or may not have gone out"},
	}
	for _, c := range cases {
		if got := c.t.Describe(); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q", c.t, got)
		}
	}
}

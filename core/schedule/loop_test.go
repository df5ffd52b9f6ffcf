package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// Clock jumps (a corrected clock, a resume from sleep) never send a post
// twice: the database, not the timer, says what is due.
func TestClockJumpsDoNotDoubleSend(t *testing.T) {
	cases := []struct {
		name string
		// jump moves the clock after the first post went out at t0+10m
		jump      func(e *env)
		wantSends int
		// the second post is due at t0+20m
		wantSecond State
	}{
		{"backwards then forwards again", func(e *env) {
			e.clk.Set(t0) // back 10 minutes: the loop's timer is still ahead
			e.clk.Advance(20 * time.Minute)
		}, 2, Published},
		{"forwards within grace (short sleep)", func(e *env) {
			e.clk.Advance(40 * time.Minute)
		}, 2, Published},
		{"forwards beyond grace (long sleep)", func(e *env) {
			e.clk.Advance(3 * time.Hour)
		}, 1, Held},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			l := e.run()
			first := e.schedule("first", t0.Add(10*time.Minute), e.a1)
			l.waitIdle()
			second := e.schedule("second", t0.Add(20*time.Minute), e.a1)
			l.waitIdle()
			e.clk.Advance(10 * time.Minute)
			e.waitSent(1)
			l.waitIdle()
			c.jump(e)
			l.waitIdle()
			// and the loop keeps going for a while
			for range 3 {
				e.clk.Advance(time.Second)
				l.waitIdle()
			}
			if n := len(e.pub.Calls()); n != c.wantSends {
				t.Fatalf("sends = %d, want %d: %+v", n, c.wantSends, e.pub.Calls())
			}
			if tg := e.target(first.ID, e.a1); tg.State != Published || tg.RemoteID != "remote-1" {
				t.Fatalf("first = %+v", tg)
			}
			if tg := e.target(second.ID, e.a1); tg.State != c.wantSecond {
				t.Fatalf("second = %+v", tg)
			}
		})
	}
}

// Work added by another process (the command line) reaches a running loop
// within a poll, without a nudge.
func TestWorkFromAnotherProcessIsPickedUpWithinAPoll(t *testing.T) {
	e := newEnv(t)
	l := e.run()
	cli := New(e.st, Options{Clock: e.clk}) // no publisher: edits the queue only
	p, err := cli.Schedule(e.ctx, "from the command line", time.Time{}, []int64{e.a1})
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(DefaultPoll)
	e.waitSent(1)
	l.waitIdle()
	if tg := e.target(p.ID, e.a1); tg.State != Published {
		t.Fatalf("target = %+v", tg)
	}
	if _, err := cli.Tick(e.ctx); err != ErrNoPublisher {
		t.Fatalf("Tick without publisher = %v", err)
	}
}

// On shutdown a request in flight finishes and its outcome is stored (a cut
// request would have an unknown outcome); what was not tried yet goes back
// to the queue untouched.
func TestShutdownLetsTheRequestInFlightFinish(t *testing.T) {
	e := newEnv(t)
	started, release := make(chan struct{}), make(chan struct{})
	e.pub.setPublish(func(c call, n int) (network.Published, error) {
		if n == 1 {
			close(started)
			<-release
		}
		return okResult(n), nil
	})
	l := e.run()
	a := e.schedule("a", time.Time{}, e.a1) // nudges the loop, which blocks in Publish
	b, err := e.s.Schedule(e.ctx, "b", time.Time{}, []int64{e.a1})
	if err != nil {
		t.Fatal(err)
	}
	_ = b
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("publish did not start")
	}
	l.cancel()
	close(release)
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if tg := e.target(a.ID, e.a1); tg.State != Published {
		t.Fatalf("in-flight target = %+v", tg)
	}
	// b was either not claimed yet or given back: scheduled, attempt not counted.
	if tg := e.target(b.ID, e.a1); tg.State != Scheduled || tg.Attempts != 0 {
		t.Fatalf("untried target = %+v", tg)
	}
}

// The scheduler's queries stay range scans on the queue index however many
// targets were published before (see also BenchmarkClaimDue).
func TestQueueQueriesUseTheQueueIndex(t *testing.T) {
	e := newEnv(t)
	queries := map[string]struct {
		sql   string
		args  []any
		index string
	}{
		"next due": {sqlNextDue, nil, "post_targets_runnable"},
		"claim":    {sqlClaim, []any{1, 1, 16}, "post_targets_runnable"},
		"missed":   {sqlHoldMissed, []any{1, 1}, "post_targets_runnable"},
		"recover":  {sqlRecover, []any{30, 1}, "post_targets_due"},
		"taken":    {sqlTaken, []any{1, "x", 1}, "post_targets_remote"},
		"release": {`UPDATE post_targets SET state = 'scheduled' WHERE account_id = ? AND state = 'held' AND hold_reason = 'account'`,
			[]any{1}, "post_targets_account"},
		"failed":  {`UPDATE post_targets SET state = 'scheduled' WHERE state = 'failed'`, nil, "post_targets_due"},
		"by post": {`SELECT id FROM post_targets WHERE post_id = ?`, []any{1}, "INDEX"},
		"by time": {`SELECT id FROM posts p WHERE p.draft = 0 ORDER BY p.scheduled_at, p.id LIMIT 10`, nil, "posts_scheduled_at"},
	}
	for name, q := range queries {
		rows, err := e.st.DB().Query("EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN post_targets") && !strings.Contains(line, "INDEX") ||
				strings.HasPrefix(line, "SCAN p") && !strings.Contains(line, "INDEX") ||
				strings.Contains(line, "TEMP B-TREE") {
				t.Errorf("%s: full scan or sort: %s", name, joined)
			}
		}
		if !strings.Contains(joined, q.index) {
			t.Errorf("%s: want %s used: %s", name, q.index, joined)
		}
	}
}

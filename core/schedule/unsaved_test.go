package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// failOutcomes makes the database refuse to record a target reaching state
// while the switch is on, as a full disk or a lock held past the busy
// timeout would.
func (e *env) failOutcomes(state State) (off func()) {
	e.t.Helper()
	e.exec(`CREATE TABLE test_fail (fail INTEGER NOT NULL)`)
	e.exec(`INSERT INTO test_fail VALUES (1)`)
	e.exec(fmt.Sprintf(`CREATE TRIGGER test_fail_outcome BEFORE UPDATE OF state ON post_targets
		WHEN NEW.state = '%s' AND (SELECT fail FROM test_fail) = 1
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`, state))
	return func() { e.exec(`UPDATE test_fail SET fail = 0`) }
}

// passUntil lets the loop run pass after pass, the clock moving step each
// time, until cond holds; at most steps passes.
func (l *loop) passUntil(step time.Duration, steps int, what string, cond func() bool) {
	l.e.t.Helper()
	for range steps {
		if cond() {
			return
		}
		l.e.clk.Advance(step)
		l.waitIdle()
	}
	if !cond() {
		l.e.t.Fatalf("after %d passes of %v: %s", steps, step, what)
	}
}

// passes lets the loop run n passes, the clock moving step each time.
func (l *loop) passes(step time.Duration, n int) {
	l.e.t.Helper()
	for range n {
		l.e.clk.Advance(step)
		l.waitIdle()
	}
}

// An outcome whose write fails is kept and written by the loop once the
// database takes it; the post is never sent again meanwhile, and the hooks
// follow the write.
func TestUnsavedOutcomeIsWrittenAgainByTheLoop(t *testing.T) {
	cases := []struct {
		name      string
		publish   func(call, int) (network.Published, error)
		want      State
		wantHooks []string
	}{
		{"published", nil, Published, nil},
		{"failed", func(call, int) (network.Published, error) {
			return network.Published{}, errors.New("the text is too long")
		}, Failed, []string{"failed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.pub.setPublish(c.publish)
			off := e.failOutcomes(c.want)
			l := e.run()
			p := e.schedule("hello", time.Time{}, e.a1)
			e.waitSent(1)
			l.waitIdle()
			if tg := e.target(p.ID, e.a1); tg.State != Publishing {
				t.Fatalf("while unwritten the target is %s, want publishing (claimed by nobody else)", tg.State)
			}
			if len(e.hooks.Events()) != 0 {
				t.Fatalf("hooks before the outcome is stored: %v", e.hooks.kinds())
			}
			// The database refuses a few more times, then takes it.
			l.passes(time.Second, 5)
			off()
			l.passUntil(time.Second, 120, "the outcome is stored", func() bool {
				return e.target(p.ID, e.a1).State == c.want
			})
			tg := e.target(p.ID, e.a1)
			if c.want == Published && (tg.RemoteID != "remote-1" || tg.URL == "") {
				t.Fatalf("published without the network's id and link: %+v", tg)
			}
			// More passes change nothing: sent once, hooks once.
			l.passes(time.Minute, 5)
			if n := len(e.pub.Calls()); n != 1 {
				t.Fatalf("sent %d times, want once", n)
			}
			if got := e.hooks.kinds(); !slices.Equal(got, c.wantHooks) {
				t.Fatalf("hooks = %v, want %v", got, c.wantHooks)
			}
		})
	}
}

// An outcome that stays unwritten is written again for as long as the loop
// runs, the person is told once after TellUnsavedAfter, the post is never
// sent again, and Delete is not refused as busy for it.
func TestUnsavedOutcomeTellsThePersonAndDoesNotBlockDelete(t *testing.T) {
	e := newEnv(t)
	e.failOutcomes(Published)
	l := e.run()
	p := e.schedule("stuck", time.Time{}, e.a1)
	e.waitSent(1)
	l.waitIdle()
	told := func() []hookEvent {
		var out []hookEvent
		for _, ev := range e.hooks.Events() {
			if ev.Kind == "unsaved" {
				out = append(out, ev)
			}
		}
		return out
	}
	start := e.clk.Now()
	l.passUntil(5*time.Second, 200, "the person is told", func() bool { return len(told()) > 0 })
	if waited := e.clk.Now().Sub(start); waited < DefaultTellUnsavedAfter {
		t.Fatalf("told after %v, before %v", waited, DefaultTellUnsavedAfter)
	}
	ev := told()[0]
	if ev.TargetID == 0 || ev.PostText != "stuck" || !errors.Is(ev.Err, ErrOutcomeUnsaved) {
		t.Fatalf("told %+v", ev)
	}
	for _, want := range []string{"it was published", "database or disk is full", "will not send it again"} {
		if !strings.Contains(ev.Err.Error(), want) {
			t.Errorf("the words %q do not say %q", ev.Err, want)
		}
	}
	// Ten more minutes of failing writes: told once, never sent again.
	l.passes(time.Minute, 10)
	if n := len(told()); n != 1 {
		t.Fatalf("told %d times, want once", n)
	}
	if n := len(e.pub.Calls()); n != 1 {
		t.Fatalf("sent %d times, want once", n)
	}
	if tg := e.target(p.ID, e.a1); tg.State != Publishing {
		t.Fatalf("target = %s", tg.State)
	}
	// Its request is over: Delete is not refused as busy, and the kept
	// outcome goes with the post.
	if err := e.s.Delete(e.ctx, p.ID); err != nil {
		t.Fatalf("Delete = %v, want it deleted", err)
	}
	if _, err := e.s.Post(e.ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	if _, ok := e.s.nextUnsaved(); ok {
		t.Fatal("the deleted post's outcome is still kept")
	}
}

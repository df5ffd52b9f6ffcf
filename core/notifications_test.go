package core

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/schedule"
)

// TestLatePostsAreToldOnce: a post still scheduled 10 minutes after its
// time (the scheduler is not running here, as when it is stuck behind a
// network that is down) raises post_late once, however often the engine
// looks; one 9 minutes late does not.
func TestLatePostsAreToldOnce(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})
	if _, err := e.posts.Schedule(ctx, "Late post", clk.Now().Add(time.Minute), []int64{a.ID}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute) // 9 minutes after its time
	e.noticeLate(ctx)
	if slices.ContainsFunc(outboxKinds(t, e), func(k string) bool { return k == "post_late/desktop" }) {
		t.Fatalf("told late after 9 minutes: %v", outboxKinds(t, e))
	}
	clk.Advance(time.Minute)
	e.noticeLate(ctx)
	clk.Advance(time.Minute)
	e.noticeLate(ctx)
	n := 0
	for _, k := range outboxKinds(t, e) {
		if k == "post_late/desktop" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("post_late rows: %d, want 1 (%v)", n, outboxKinds(t, e))
	}
}

// TestUnconfirmedIsItsOwnKind: the scheduler's unconfirmed outcome raises
// post_unconfirmed without the error as "the network's words".
func TestUnconfirmedIsItsOwnKind(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "bob", network.Credentials{AccessToken: "tok"})
	p, err := e.posts.Schedule(ctx, "Lost track", clk.Now().Add(time.Minute), []int64{a.ID})
	if err != nil {
		t.Fatal(err)
	}
	tgt := p.Targets[0]
	tgt.State, tgt.UpdatedAt = schedule.Unconfirmed, clk.Now()
	e.postFailed(ctx, tgt, p, errors.Join(schedule.ErrUnconfirmed, errors.New("timeout")))
	if got := outboxKinds(t, e); !slices.Contains(got, "post_unconfirmed/desktop") || slices.Contains(got, "post_failed/desktop") {
		t.Fatalf("outbox %v", got)
	}
}

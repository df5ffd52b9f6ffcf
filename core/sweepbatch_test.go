package core

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// told counts what subscribers heard.
type told struct{ saved, changed atomic.Int64 }

func listen(e *Engine) *told {
	c := &told{}
	e.Subscribe(func(k ChangeKind) {
		switch k {
		case ChangeAccountSaved:
			c.saved.Add(1)
		case ChangeAccounts:
			c.changed.Add(1)
		}
	}, ChangeAccountSaved, ChangeAccounts)
	return c
}

func lastErrors(t *testing.T, e *Engine, ids []int64) []string {
	t.Helper()
	var out []string
	for _, id := range ids {
		a, err := e.Account(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a.LastError)
	}
	return out
}

func connectMany(t *testing.T, e *Engine, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = connect(t, e, fmt.Sprintf("user%d", i), network.Credentials{AccessToken: fmt.Sprint("tok", i)}).ID
	}
	return ids
}

// A sweep's checks that move no state wait in a batch; the first outcome
// to come sweepBatchWait (on the engine's clock) after the batch's first
// saves them all together, and subscribers are told once.
func TestSweepOutcomesAreSavedTogetherAfterTheWait(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	ids := connectMany(t, e, 4)
	heard := listen(e)
	clk.Advance(time.Hour)
	fake.verifyErr = &network.TransientError{Message: "could not reach fake.example", Err: network.ErrServerUnreachable}

	batch := e.newOutcomeBatch(ctx)
	defer batch.close()
	down := newUnreachableServers()
	for _, id := range ids[:3] {
		if _, err := e.check(ctx, id, down, batch); err != nil {
			t.Fatal(err)
		}
	}
	if got := lastErrors(t, e, ids); strings.Join(got, "") != "" || heard.saved.Load() != 0 {
		t.Fatalf("saved before the batch's wait: %q, told %d", got, heard.saved.Load())
	}
	clk.Advance(sweepBatchWait)
	if _, err := e.check(ctx, ids[3], down, batch); err != nil {
		t.Fatal(err)
	}
	for i, got := range lastErrors(t, e, ids) {
		if !strings.HasPrefix(got, "Could not check: could not reach fake.example") {
			t.Errorf("account %d after the wait: %q", ids[i], got)
		}
	}
	if s, c := heard.saved.Load(), heard.changed.Load(); s != 1 || c != 1 {
		t.Fatalf("subscribers told %d saved, %d changed; want once each for the batch", s, c)
	}
}

// A full batch is saved at once, in one go, without waiting for the clock.
func TestSweepBatchIsSavedWhenFull(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	ids := connectMany(t, e, sweepBatchSize+1)
	heard := listen(e)
	clk.Advance(time.Hour)
	fake.verifyErr = &network.TransientError{Message: "could not reach fake.example", Err: network.ErrServerUnreachable}

	batch := e.newOutcomeBatch(ctx)
	for _, id := range ids {
		if _, err := e.check(ctx, id, nil, batch); err != nil {
			t.Fatal(err)
		}
	}
	got := lastErrors(t, e, ids)
	for i, words := range got[:sweepBatchSize] {
		if words == "" {
			t.Fatalf("account %d of a full batch not saved", ids[i])
		}
	}
	if got[sweepBatchSize] != "" || heard.saved.Load() != 1 {
		t.Fatalf("the next batch's first outcome %q; told %d times", got[sweepBatchSize], heard.saved.Load())
	}
	batch.close()
	if got := lastErrors(t, e, ids[sweepBatchSize:]); got[0] == "" || heard.saved.Load() != 2 {
		t.Fatalf("close left %q, told %d times", got, heard.saved.Load())
	}
}

// A lost connection is never held in a batch: saved, logged and told at once.
func TestSweepSavesAStateChangeAtOnce(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	ids := connectMany(t, e, 1)
	clk.Advance(time.Hour)
	fake.verifyErr = &network.LostAccessError{Reason: account.ReasonRevoked, Message: "The access token is invalid"}
	batch := e.newOutcomeBatch(ctx)
	defer batch.close()
	if _, err := e.check(ctx, ids[0], nil, batch); err != nil {
		t.Fatal(err)
	}
	a, err := e.Account(ctx, ids[0])
	if err != nil || a.State != account.Disconnected || a.Reason != account.ReasonRevoked {
		t.Fatalf("lost access not saved at once: %v %s/%s", err, a.State, a.Reason)
	}
}

// An account saved by anyone else after its check was batched keeps that
// newer save.
func TestSweepBatchNeverOverwritesANewerSave(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	ids := connectMany(t, e, 1)
	clk.Advance(time.Hour)
	fake.verifyErr = &network.TransientError{Message: "could not reach fake.example", Err: network.ErrServerUnreachable}
	batch := e.newOutcomeBatch(ctx)
	if _, err := e.check(ctx, ids[0], nil, batch); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	fake.verifyErr = nil
	if _, err := e.Check(ctx, ids[0]); err != nil { // Check now, back online
		t.Fatal(err)
	}
	batch.close()
	if got := lastErrors(t, e, ids); got[0] != "" {
		t.Fatalf("the batch overwrote a newer good check: %q", got[0])
	}
}

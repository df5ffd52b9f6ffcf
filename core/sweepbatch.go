package core

import (
	"context"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
)

const (
	// sweepBatchSize and sweepBatchWait bound how long a sweep's quiet
	// outcomes wait to be saved: one transaction per batch of so many, or
	// after so long, whichever comes first. One transaction (with its
	// synchronous=FULL flush) per account made an offline sweep of 5,000
	// take 13 to 30 s.
	sweepBatchSize = 200
	sweepBatchWait = 100 * time.Millisecond
)

// outcomeBatch gathers a sweep's quiet outcomes (checks that left an
// account's state and reason as they were: a good check, or a network that
// could not be asked) and saves them together. Outcomes that move a state
// are saved at once, one by one, with their notifications, as outside a
// sweep. The state itself is therefore never waiting in a batch; only the
// timestamps and words of the last check are, for at most sweepBatchWait.
type outcomeBatch struct {
	e *Engine
	// ctx outlives the sweep's: outcomes already taken are saved also
	// when the sweep is cancelled (the app quitting).
	ctx context.Context

	mu      sync.Mutex
	pending []batchedOutcome
	// since is when the pending batch's first outcome came, on the
	// engine's clock.
	since time.Time

	// saving keeps batches in order: one transaction at a time.
	saving sync.Mutex
	// inFlight counts batches taken and not yet saved, for close.
	inFlight sync.WaitGroup
}

type batchedOutcome struct{ before, after account.Account }

func (e *Engine) newOutcomeBatch(ctx context.Context) *outcomeBatch {
	return &outcomeBatch{e: e, ctx: context.WithoutCancel(ctx)}
}

// quiet says whether a check's outcome can wait in a batch: nothing to
// announce, log or notify on its own.
func quiet(before, after account.Account) bool {
	return before.State == after.State && before.Reason == after.Reason
}

// add takes an outcome; the batch is saved when it is full, or by the
// first outcome to come sweepBatchWait or more after the batch's first,
// and in any case when the sweep ends (close). No timer of its own: a
// wake-up on the engine's clock would be taken for the health loop's
// sleep, and the outcomes waiting never hold a state, only the last
// check's times and words.
func (b *outcomeBatch) add(before, after account.Account) {
	now := b.e.clock.Now()
	b.mu.Lock()
	if len(b.pending) == 0 {
		b.since = now
	}
	b.pending = append(b.pending, batchedOutcome{before, after})
	var take []batchedOutcome
	if len(b.pending) >= sweepBatchSize || now.Sub(b.since) >= sweepBatchWait {
		take = b.takeLocked()
	}
	b.mu.Unlock()
	b.save(take)
}

// takeLocked empties the batch; b.mu held.
func (b *outcomeBatch) takeLocked() []batchedOutcome {
	take := b.pending
	b.pending = nil
	if len(take) > 0 {
		b.inFlight.Add(1)
	}
	return take
}

// flush saves what is pending now.
func (b *outcomeBatch) flush() {
	b.mu.Lock()
	take := b.takeLocked()
	b.mu.Unlock()
	b.save(take)
}

// close saves what is pending and waits for every batch taken before
// (by another check's add, under way) to be saved: the sweep ends with
// all saved.
func (b *outcomeBatch) close() {
	b.flush()
	b.inFlight.Wait()
}

// save stores a batch in one transaction, then tells subscribers once, then
// raises what a check that changed nothing may still raise (a warning day,
// a reminder), as a check outside a sweep does after its save.
func (b *outcomeBatch) save(take []batchedOutcome) {
	if len(take) == 0 {
		return
	}
	defer b.inFlight.Done()
	b.saving.Lock()
	defer b.saving.Unlock()
	e, ctx := b.e, b.ctx
	list := make([]account.Account, len(take))
	for i, o := range take {
		list[i] = o.after
	}
	saved, err := e.store.SaveCheckOutcomes(ctx, list)
	if err != nil {
		e.logger.Warn("health: save a batch of checks", "accounts", len(list), "err", err)
		return
	}
	e.saved()
	visible := false
	for _, o := range take {
		if saved[o.after.ID] && visiblyChanged(o.before, o.after) {
			visible = true
		}
	}
	if visible {
		e.changed()
	}
	// The warnings due go into the outbox together (one flush for the
	// batch: a seeded sweep found 627 due at once); reminders, rare, one
	// by one.
	var warnings []notify.Event
	for _, o := range take {
		a := o.after
		if !saved[a.ID] {
			continue
		}
		if a.State != account.Disconnected && a.ExpiresAt != nil {
			warnings = append(warnings, e.expiringEvent(ctx, a))
			continue
		}
		if err := e.warnOrRemind(ctx, a); err != nil {
			e.logger.Warn("notify", "account", a.ID, "err", err)
		}
	}
	if err := e.notify.WarnAll(ctx, warnings); err != nil {
		e.logger.Warn("notify: expiry warnings", "accounts", len(warnings), "err", err)
	}
}

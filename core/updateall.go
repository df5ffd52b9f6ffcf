package core

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/socialomm/desktop/core/account"
)

// UpdateAllOutcome is what became of one profile in Update all.
type UpdateAllOutcome string

const (
	// UpdateRenewed: signed in again as the same profile.
	UpdateRenewed UpdateAllOutcome = "renewed"
	// UpdateSkipped: the person skipped it, or stopped before it.
	UpdateSkipped UpdateAllOutcome = "skipped"
	// UpdateRefused: signed in as someone else; nothing changed.
	UpdateRefused UpdateAllOutcome = "refused"
	// UpdateFailed: the sign-in did not finish.
	UpdateFailed UpdateAllOutcome = "failed"
)

// UpdateAllResult is one profile's line in Update all's summary.
type UpdateAllResult struct {
	ID      int64            `json:"id"`
	Network string           `json:"network"`
	Handle  string           `json:"handle"`
	Outcome UpdateAllOutcome `json:"outcome"`
	Message string           `json:"message"`
}

// UpdateAllStep is reported before each sign-in: "Index of Total".
type UpdateAllStep struct {
	Index, Total int // Index counts from 1
	Account      account.Account
	// Skip abandons this profile's sign-in (it is reported skipped) and
	// goes on with the next one. Safe to call from any goroutine.
	Skip func()
}

// NeedingUpdate lists the profiles Update all walks: disconnected ones and
// those expiring inside the warning window, in the order that saves
// sign-ins (profiles one sign-in renews together stay together).
func (e *Engine) NeedingUpdate(ctx context.Context) ([]account.Account, error) {
	list, err := e.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	now := e.clock.Now()
	var need []account.Account
	for _, a := range list {
		state := a.State
		if state != account.Disconnected {
			// The stored state may lag a check behind the clock.
			state = e.liveState(ctx, now, a.ExpiresAt)
		}
		if state.NeedsAttention() {
			need = append(need, a)
		}
	}
	return orderForSignIn(need, e.signInGroup), nil
}

// signInGroup is the catalog's word on which profiles one sign-in renews.
func (e *Engine) signInGroup(a account.Account) string {
	if n, ok := e.entry(a.Network); ok && n.SignInGroup != nil {
		return a.Network + "\x00" + n.SignInGroup(a.Instance, a.RemoteID)
	}
	return a.Network + "\x00" + a.Instance
}

// orderForSignIn keeps each group's profiles together; groups come in the
// order of their first profile, profiles by id inside a group.
func orderForSignIn(list []account.Account, group func(account.Account) string) []account.Account {
	out := append([]account.Account(nil), list...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	first := map[string]int{}
	for i, a := range out {
		if _, ok := first[group(a)]; !ok {
			first[group(a)] = i
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return first[group(out[i])] < first[group(out[j])] })
	return out
}

// UpdateAll updates every profile NeedingUpdate lists, one sign-in at a
// time through the same pipeline as Update: a profile signed in as someone
// else is refused and left as it was. in's questions (AskAppPassword,
// Paste) are asked per profile; declining one skips that profile. Where a
// sign-in also gives credentials for profiles later in the walk (the other
// Pages one Facebook login manages, where the person may still post),
// those are renewed from it without another sign-in. progress (may be nil)
// hears of each step before its sign-in starts. Cancelling ctx stops: the
// profiles not reached are reported skipped. The error is only for failing
// to list.
func (e *Engine) UpdateAll(ctx context.Context, in SignIn, progress func(UpdateAllStep)) ([]UpdateAllResult, error) {
	need, err := e.NeedingUpdate(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]UpdateAllResult, 0, len(need))
	// What the walk's sign-ins so far also covered: a profile found there
	// is renewed without a sign-in of its own.
	var covers []*signInCover
	for i, a := range need {
		r := UpdateAllResult{ID: a.ID, Network: a.Network, Handle: a.Handle}
		if ctx.Err() != nil {
			r.Outcome, r.Message = UpdateSkipped, "Stopped before this profile."
			results = append(results, r)
			continue
		}
		var cover *signInCover
		r.Outcome, r.Message, cover = e.updateOne(ctx, a, in, covers, i+1, len(need), progress)
		if cover != nil {
			covers = append(covers, cover)
		}
		results = append(results, r)
	}
	return results, nil
}

// updateOne runs one profile's Update with a Skip of its own, unless an
// earlier sign-in of the walk covers it. It also gives what its own
// sign-in covered.
func (e *Engine) updateOne(ctx context.Context, a account.Account, in SignIn, covers []*signInCover, index, total int,
	progress func(UpdateAllStep)) (UpdateAllOutcome, string, *signInCover) {
	stepCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	skipped := make(chan struct{})
	skip := func() { once.Do(func() { close(skipped); cancel() }) }
	if progress != nil {
		progress(UpdateAllStep{Index: index, Total: total, Account: a, Skip: skip})
	}
	wasSkipped := func() bool {
		select {
		case <-skipped:
			return true
		default:
			return false
		}
	}
	if wasSkipped() {
		return UpdateSkipped, "Skipped.", nil
	}
	if msg, ok := e.renewCovered(stepCtx, a, covers); ok {
		return UpdateRenewed, msg, nil
	}
	_, cover, err := e.updateCovering(stepCtx, a.ID, in)
	switch {
	case err == nil:
		return UpdateRenewed, "Renewed.", cover
	case wasSkipped():
		return UpdateSkipped, "Skipped.", nil
	case ctx.Err() != nil:
		return UpdateSkipped, "Stopped during this profile's sign-in.", nil
	case errors.Is(err, ErrSkipped):
		return UpdateSkipped, Explain(err), nil
	case errors.Is(err, ErrOtherProfile):
		return UpdateRefused, Explain(err), nil
	}
	return UpdateFailed, Explain(err), nil
}

// UpdateAllCounts sums results for the summary: renewed, skipped, and still
// needing the person (refused or failed).
func UpdateAllCounts(results []UpdateAllResult) (renewed, skipped, needYou int) {
	for _, r := range results {
		switch r.Outcome {
		case UpdateRenewed:
			renewed++
		case UpdateSkipped:
			skipped++
		default:
			needYou++
		}
	}
	return renewed, skipped, needYou
}

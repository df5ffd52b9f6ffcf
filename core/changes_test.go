package core

import (
	"slices"
	"sync"
	"testing"
)

// TestSubscribeHearsItsKindsUntilCancelled: each subscription hears only
// the kinds it asked for (all when it named none), in the order they
// happened, and nothing once cancelled.
func TestSubscribeHearsItsKindsUntilCancelled(t *testing.T) {
	e, _, _ := newTestEngine(t)
	type heard struct {
		mu    sync.Mutex
		kinds []ChangeKind
	}
	listen := func(h *heard) func(ChangeKind) {
		return func(k ChangeKind) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.kinds = append(h.kinds, k)
		}
	}
	var all, accounts, posts heard
	cancelAll := e.Subscribe(listen(&all))
	cancelAccounts := e.Subscribe(listen(&accounts), ChangeAccounts)
	cancelPosts := e.Subscribe(listen(&posts), ChangePosts, ChangeAccountSaved)
	defer cancelPosts()

	e.changed()
	e.postsChanged()
	e.saved()
	cancelAll()
	cancelAccounts()
	cancelAccounts() // twice is harmless
	e.changed()
	e.postsChanged()

	tests := []struct {
		name string
		got  *heard
		want []ChangeKind
	}{
		{"every kind, then cancelled", &all, []ChangeKind{ChangeAccounts, ChangePosts, ChangeAccountSaved}},
		{"accounts, then cancelled", &accounts, []ChangeKind{ChangeAccounts}},
		{"posts and saves, still subscribed", &posts, []ChangeKind{ChangePosts, ChangeAccountSaved, ChangePosts}},
	}
	for _, tc := range tests {
		if !slices.Equal(tc.got.kinds, tc.want) {
			t.Errorf("%s: heard %v, want %v", tc.name, tc.got.kinds, tc.want)
		}
	}
}

// TestSubscriberMaySubscribeWhileTold: a subscriber may call back into the
// engine (subscribe, cancel) while being told, without a deadlock.
func TestSubscriberMaySubscribeWhileTold(t *testing.T) {
	e, _, _ := newTestEngine(t)
	var cancel func()
	told := 0
	cancel = e.Subscribe(func(ChangeKind) {
		told++
		cancel()
		e.Subscribe(func(ChangeKind) {}, ChangePosts)()
	}, ChangeAccounts)
	e.changed()
	e.changed()
	if told != 1 {
		t.Fatalf("told %d times, want once (cancelled while told)", told)
	}
}

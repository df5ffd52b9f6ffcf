package core

// ChangeKind says what changed, for Subscribe.
type ChangeKind int

const (
	// ChangeAccounts: something a view shows of the accounts changed. A
	// check that only moved an account's timestamps is not one: during a
	// sweep of thousands of accounts, views would reread them all for it.
	ChangeAccounts ChangeKind = iota + 1
	// ChangePosts: posts or their targets changed (scheduled, published,
	// retried, edited, deleted).
	ChangePosts
	// ChangeAccountSaved: an account was stored, also when nothing a view
	// shows moved (a check's timestamps).
	ChangeAccountSaved
)

// subscription is one Subscribe: fn hears of the kinds it asked for.
type subscription struct {
	fn    func(ChangeKind)
	kinds []ChangeKind
}

func (s *subscription) wants(kind ChangeKind) bool {
	for _, k := range s.kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Subscribe calls fn, on an engine goroutine, each time one of kinds
// changes, with the kind; no kinds means every kind. fn must return soon
// (start the slow work elsewhere). cancel ends the subscription: once it
// returns, fn is not called again, except by a call already under way.
func (e *Engine) Subscribe(fn func(ChangeKind), kinds ...ChangeKind) (cancel func()) {
	if len(kinds) == 0 {
		kinds = []ChangeKind{ChangeAccounts, ChangePosts, ChangeAccountSaved}
	}
	sub := &subscription{fn: fn, kinds: kinds}
	e.mu.Lock()
	e.subs = append(e.subs, sub)
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		for i, s := range e.subs {
			if s == sub {
				e.subs = append(e.subs[:i:i], e.subs[i+1:]...)
				return
			}
		}
	}
}

// postsChanged tells subscribers that posts changed.
func (e *Engine) postsChanged() { e.tell(ChangePosts) }

// saved tells subscribers an account was stored.
func (e *Engine) saved() { e.tell(ChangeAccountSaved) }

// changed tells subscribers that what a view shows of the accounts changed.
func (e *Engine) changed() { e.tell(ChangeAccounts) }

// tell calls the subscribers to kind, outside the lock so that one may
// subscribe, cancel or read the engine.
func (e *Engine) tell(kind ChangeKind) {
	e.mu.Lock()
	var fns []func(ChangeKind)
	for _, s := range e.subs {
		if s.wants(kind) {
			fns = append(fns, s.fn)
		}
	}
	e.mu.Unlock()
	for _, fn := range fns {
		fn(kind)
	}
}

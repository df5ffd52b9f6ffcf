package schedule

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/store"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type call struct {
	AccountID int64
	Text, Key string
}

// fakePub is a Publisher whose answers the test sets.
type fakePub struct {
	mu      sync.Mutex
	calls   []call
	finds   []findCall
	publish func(c call, n int) (network.Published, error)
	find    func(accountID int64, text string, since time.Time) ([]network.Published, error)
	sent    chan call // every Publish call, for tests driving Run
}

type findCall struct {
	AccountID int64
	Text      string
	Since     time.Time
}

func newFakePub() *fakePub { return &fakePub{sent: make(chan call, 1000)} }

func (p *fakePub) Publish(ctx context.Context, accountID int64, text, key string) (network.Published, error) {
	p.mu.Lock()
	c := call{accountID, text, key}
	p.calls = append(p.calls, c)
	n := len(p.calls)
	fn := p.publish
	p.mu.Unlock()
	defer func() { p.sent <- c }()
	if fn != nil {
		return fn(c, n)
	}
	return okResult(n), nil
}

func okResult(n int) network.Published {
	return network.Published{RemoteID: fmt.Sprintf("remote-%d", n), URL: fmt.Sprintf("https://social.example/@ana/remote-%d", n)}
}

func (p *fakePub) FindPublished(ctx context.Context, accountID int64, text string, since time.Time) ([]network.Published, error) {
	p.mu.Lock()
	p.finds = append(p.finds, findCall{accountID, text, since})
	fn := p.find
	p.mu.Unlock()
	if fn == nil {
		return nil, nil
	}
	return fn(accountID, text, since)
}

func (p *fakePub) setPublish(fn func(c call, n int) (network.Published, error)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publish = fn
}

func (p *fakePub) setFind(fn func(int64, string, time.Time) ([]network.Published, error)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.find = fn
}

func (p *fakePub) Calls() []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]call(nil), p.calls...)
}

func (p *fakePub) Finds() []findCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]findCall(nil), p.finds...)
}

// fakeAccounts: every account usable unless disconnected.
type fakeAccounts struct {
	mu   sync.Mutex
	down map[int64]bool
}

func (a *fakeAccounts) Usable(ctx context.Context, id int64) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.down[id], nil
}

func (a *fakeAccounts) set(id int64, down bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down == nil {
		a.down = map[int64]bool{}
	}
	a.down[id] = down
}

// fakeHooks records what the engine would have been told, in order.
type fakeHooks struct {
	mu     sync.Mutex
	events []hookEvent
	accts  *fakeAccounts // AuthRefused disconnects, like the engine
}

type hookEvent struct {
	Kind      string // failed, held, auth
	TargetID  int64
	AccountID int64
	State     State
	Hold      HoldReason
	PostText  string
	Err       error
}

func (h *fakeHooks) add(e hookEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e)
}

func (h *fakeHooks) TargetFailed(ctx context.Context, t Target, p Post, err error) {
	h.add(hookEvent{Kind: "failed", TargetID: t.ID, AccountID: t.AccountID, State: t.State, PostText: p.Text, Err: err})
}

func (h *fakeHooks) TargetHeld(ctx context.Context, t Target, p Post) {
	h.add(hookEvent{Kind: "held", TargetID: t.ID, AccountID: t.AccountID, State: t.State, Hold: t.HoldReason, PostText: p.Text})
}

func (h *fakeHooks) AuthRefused(ctx context.Context, accountID int64, err error) {
	h.accts.set(accountID, true)
	h.add(hookEvent{Kind: "auth", AccountID: accountID, Err: err})
}

func (h *fakeHooks) OutcomeUnsaved(ctx context.Context, t Target, p Post, err error) error {
	h.add(hookEvent{Kind: "unsaved", TargetID: t.ID, AccountID: t.AccountID, State: t.State, PostText: p.Text, Err: err})
	return nil
}

func (h *fakeHooks) Events() []hookEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookEvent(nil), h.events...)
}

func (h *fakeHooks) kinds() []string {
	var out []string
	for _, e := range h.Events() {
		out = append(out, e.Kind)
	}
	return out
}

// env is a scheduler on a temporary database with two accounts.
type env struct {
	t      *testing.T
	ctx    context.Context
	clk    *clock.Fake
	st     *store.Store
	pub    *fakePub
	accts  *fakeAccounts
	hooks  *fakeHooks
	s      *Scheduler
	opts   Options
	a1, a2 int64
}

func newEnv(t *testing.T, change ...func(*Options)) *env {
	t.Helper()
	ctx := t.Context()
	clk := clock.NewFake(t0)
	st, err := store.Open(ctx, t.TempDir(), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, ctx: ctx, clk: clk, st: st, pub: newFakePub(), accts: &fakeAccounts{}}
	e.hooks = &fakeHooks{accts: e.accts}
	for i, name := range []string{"ana", "bo"} {
		a, err := st.SaveAccount(ctx, account.Account{Network: "mastodon", Instance: "https://social.example",
			RemoteID: fmt.Sprint(100 + i), Handle: "@" + name + "@social.example", State: account.Connected})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.a1 = a.ID
		} else {
			e.a2 = a.ID
		}
	}
	e.opts = Options{Clock: clk, Publisher: e.pub, Accounts: e.accts, Hooks: e.hooks}
	for _, c := range change {
		c(&e.opts)
	}
	e.s = New(st, e.opts)
	return e
}

// restart is a new Scheduler on the same database, as after a crash.
func (e *env) restart() {
	e.s = New(e.st, e.opts)
}

func (e *env) schedule(text string, at time.Time, accts ...int64) Post {
	e.t.Helper()
	p, err := e.s.Schedule(e.ctx, text, at, accts)
	if err != nil {
		e.t.Fatalf("Schedule(%q): %v", text, err)
	}
	return p
}

func (e *env) tick() int {
	e.t.Helper()
	n, err := e.s.Tick(e.ctx)
	if err != nil {
		e.t.Fatalf("Tick: %v", err)
	}
	return n
}

func (e *env) post(id int64) Post {
	e.t.Helper()
	p, err := e.s.Post(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Post(%d): %v", id, err)
	}
	return p
}

// target returns the post's target for an account.
func (e *env) target(postID, accountID int64) Target {
	e.t.Helper()
	for _, t := range e.post(postID).Targets {
		if t.AccountID == accountID {
			return t
		}
	}
	e.t.Fatalf("post %d has no target for account %d", postID, accountID)
	return Target{}
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.st.DB().ExecContext(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// loop runs Run in the background with a handshake: each time the loop
// goes to sleep it waits for waitIdle, so a test knows a pass is complete.
type loop struct {
	e      *env
	idle   chan struct{}
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error
}

func (e *env) run() *loop {
	ctx, cancel := context.WithCancel(e.ctx)
	l := &loop{e: e, idle: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	e.s.idle = func() {
		select {
		case l.idle <- struct{}{}:
		case <-ctx.Done():
		}
	}
	go func() { l.err = e.s.Run(ctx); close(l.done) }()
	e.t.Cleanup(l.stop)
	l.waitIdle()
	return l
}

// waitIdle waits until the loop finished a pass and went to sleep.
func (l *loop) waitIdle() {
	l.e.t.Helper()
	select {
	case <-l.idle:
	case <-l.done:
		l.e.t.Fatalf("Run returned early: %v", l.err)
	case <-time.After(10 * time.Second):
		l.e.t.Fatal("the scheduler loop did not go idle")
	}
}

func (l *loop) stop() {
	l.cancel()
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		l.e.t.Error("Run did not return after cancel")
	}
}

// waitSent waits for n publish calls from the fake publisher.
func (e *env) waitSent(n int) []call {
	e.t.Helper()
	var got []call
	for len(got) < n {
		select {
		case c := <-e.pub.sent:
			got = append(got, c)
		case <-time.After(10 * time.Second):
			e.t.Fatalf("waited for %d publishes, got %d", n, len(got))
		}
	}
	return got
}

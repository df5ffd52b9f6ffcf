package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/netclient"
)

// countingNetwork counts Verify calls.
type countingNetwork struct {
	fakeNetwork
	verifies atomic.Int32
}

func (c *countingNetwork) Verify(ctx context.Context, a account.Account, cr network.Credentials) (network.Profile, error) {
	c.verifies.Add(1)
	return c.fakeNetwork.Verify(ctx, a, cr)
}

// waitFor blocks until cond holds, woken by engine changes and account saves; it fails the
// test after a generous real-time bound (nothing here depends on it).
func waitFor(t *testing.T, e *Engine, what string, cond func() bool) {
	t.Helper()
	changed := make(chan struct{}, 1)
	// Every kind: a check that changed nothing a view shows is a save.
	defer e.Subscribe(func(ChangeKind) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// sleeping waits until the health loop is asleep on the fake clock.
func sleeping(t *testing.T, clk interface{ Waiters() int }) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for clk.Waiters() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the health loop never went to sleep")
		}
		runtimeGosched()
	}
}

func TestHealthLoopActsAtTheMomentItIsDue(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	counting := &countingNetwork{}
	e.adapters["fake"] = counting
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.settings.Set(ctx, "lifespan.days", "30")
	e.settings.Set(ctx, "check.interval_hours", "6")
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})

	done := make(chan struct{})
	go func() { e.healthLoop(ctx); close(done) }()

	// At start every account is checked once.
	waitFor(t, e, "the first check", func() bool { return counting.verifies.Load() == 1 })
	sleeping(t, clk)

	// Entering the 14-day warning window happens at the moment: from one
	// second before, the loop sleeps exactly until then.
	windowStart := start.Add(16 * 24 * time.Hour)
	sleeping(t, clk)
	clk.Set(windowStart.Add(-time.Second))
	waitFor(t, e, "a check after the clock jumped", func() bool { return counting.verifies.Load() == 2 })
	got, _ := e.Account(ctx, a.ID)
	if got.State != account.Connected {
		t.Fatalf("one second before the window: %s", got.State)
	}
	sleeping(t, clk)
	clk.Advance(time.Second)
	waitFor(t, e, "expiring", func() bool {
		got, _ := e.Account(ctx, a.ID)
		return got.State == account.Expiring
	})

	// Jump to one second before the end, then to the end.
	sleeping(t, clk)
	clk.Set(start.Add(30*24*time.Hour - time.Second))
	sleeping(t, clk)
	clk.Set(start.Add(30 * 24 * time.Hour))
	waitFor(t, e, "expired", func() bool {
		got, _ := e.Account(ctx, a.ID)
		return got.State == account.Disconnected && got.Reason == account.ReasonExpired
	})
	cancel()
	<-done
}

func TestChecksThatCouldNotReachTheNetworkBackOff(t *testing.T) {
	interval := 6 * time.Hour
	at := func(d time.Duration) *time.Time { x := start.Add(d); return &x }
	cases := []struct {
		name        string
		good, check time.Duration
		lastError   string
		want        time.Duration
	}{
		{"healthy: the interval", 0, 0, "", interval},
		{"first failure right after a good check: 5 minutes", 0, time.Minute, "Could not check: down", minRetry},
		{"down for an hour: two hours", 0, time.Hour, "Could not check: down", 2 * time.Hour},
		{"down for a day: never beyond the interval", 0, 24 * time.Hour, "Could not check: down", interval},
	}
	for _, c := range cases {
		a := account.Account{ID: 7, LastGoodCheckAt: at(c.good), LastCheckedAt: at(c.check), LastError: c.lastError}
		got := nextCheckIn(a, interval)
		want := c.want
		if want == interval {
			want = interval + jitter(7, interval)
		}
		if got != want {
			t.Errorf("%s: %v, want %v", c.name, got, want)
		}
	}
}

// slowNetwork's first Verify takes three minutes of the fake clock, as a
// sweep of thousands of accounts does.
type slowNetwork struct {
	countingNetwork
	clk interface{ Advance(time.Duration) }
}

func (s *slowNetwork) Verify(ctx context.Context, a account.Account, cr network.Credentials) (network.Profile, error) {
	if s.verifies.Load() == 0 {
		s.clk.Advance(3 * time.Minute)
	}
	return s.countingNetwork.Verify(ctx, a, cr)
}

// A long sweep is not a suspend: the loop's next wake-up a minute later
// checks nothing, where it once took the sweep's own duration for a clock
// jump and checked every account again.
func TestALongSweepIsNotTakenForAClockJump(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	slow := &slowNetwork{clk: clk}
	e.adapters["fake"] = slow
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connect(t, e, "ana", network.Credentials{AccessToken: "tok"})

	done := make(chan struct{})
	go func() { e.healthLoop(ctx); close(done) }()
	waitFor(t, e, "the startup sweep", func() bool { return slow.verifies.Load() == 1 })
	for range 3 {
		sleeping(t, clk)
		clk.Advance(healthTick)
	}
	sleeping(t, clk)
	if n := slow.verifies.Load(); n != 1 {
		t.Errorf("%d checks after a three-minute sweep and three quiet minutes, want the startup one only", n)
	}
	// A real jump still checks everything.
	clk.Advance(3 * time.Hour)
	waitFor(t, e, "a check after a clock jump", func() bool { return slow.verifies.Load() == 2 })
	cancel()
	<-done
}

// unreachableNetwork cannot reach one server, as netclient says it, and
// counts what it is asked per server.
type unreachableNetwork struct {
	fakeNetwork
	mu    sync.Mutex
	asked map[string]int
}

func (u *unreachableNetwork) Verify(ctx context.Context, a account.Account, cr network.Credentials) (network.Profile, error) {
	u.mu.Lock()
	u.asked[a.Instance]++
	u.mu.Unlock()
	if a.Instance == "https://down.example" {
		return network.Profile{}, netclient.TransportError("down.example",
			&net.DNSError{Err: "no such host", Name: "down.example", IsNotFound: true}, errors.New("fake: unreachable"))
	}
	return u.fakeNetwork.Verify(ctx, a, cr)
}

func (u *unreachableNetwork) count(instance string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.asked[instance]
}

// A sweep asks a server it could not reach once: its other accounts wait
// for that first answer and get the same words without asking (nor
// reading the keyring), the other servers are asked as usual, and Check
// now always asks.
func TestASweepDoesNotAskAnUnreachableServerAgain(t *testing.T) {
	e, _, _ := newTestEngine(t)
	servers := &unreachableNetwork{asked: map[string]int{}}
	e.adapters["fake"] = servers
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 20; i++ {
		instance := "https://down.example"
		if i%4 == 0 {
			instance = "https://up.example"
		}
		a, err := e.accountFor(ctx, "fake", instance, fmt.Sprint("user", i))
		if err != nil {
			t.Fatal(err)
		}
		a, err = e.storeSignIn(ctx, a, network.Profile{RemoteID: a.RemoteID, Handle: "@" + a.RemoteID}, network.Credentials{AccessToken: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if n, _ := e.sweep(ctx, true); n != 20 {
		t.Fatalf("swept %d accounts", n)
	}
	if got := servers.count("https://down.example"); got != 1 {
		t.Errorf("the unreachable server was asked %d times for 15 accounts, want once", got)
	}
	if got := servers.count("https://up.example"); got != 5 {
		t.Errorf("the reachable server was asked %d times for its 5 accounts", got)
	}
	for i, id := range ids {
		a, _ := e.Account(ctx, id)
		want := ""
		if i%4 != 0 {
			want = "Could not check: could not reach down.example: no server by that name was found (DNS)"
		}
		if a.LastError != want || a.State != account.Connected || a.LastCheckedAt == nil {
			t.Errorf("account %d: %s %q, want connected %q", i, a.State, a.LastError, want)
		}
	}
	before := servers.count("https://down.example")
	if _, err := e.Check(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if servers.count("https://down.example") != before+1 {
		t.Error("Check now did not ask the server")
	}
}

package secret

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// slowBackend is a keyring whose calls wait until released (a locked
// keyring waiting on its unlock prompt), counting the calls in flight.
type slowBackend struct {
	mu       sync.Mutex
	values   map[string]string
	sets     []string // values in the order their Set landed
	inFlight int
	maxIn    int
	calls    int
	hold     chan struct{} // nil: answer at once
}

func newSlowBackend() *slowBackend { return &slowBackend{values: map[string]string{}} }

func (b *slowBackend) enter() {
	b.mu.Lock()
	b.calls++
	b.inFlight++
	b.maxIn = max(b.maxIn, b.inFlight)
	hold := b.hold
	b.mu.Unlock()
	if hold != nil {
		<-hold
	} else {
		runtime.Gosched()
	}
}

func (b *slowBackend) leave() {
	b.mu.Lock()
	b.inFlight--
	b.mu.Unlock()
}

func (b *slowBackend) Get(service, user string) (string, error) {
	b.enter()
	defer b.leave()
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.values[service+"/"+user]
	if !ok {
		return "", errNotFoundBackend
	}
	return v, nil
}

func (b *slowBackend) Set(service, user, password string) error {
	b.enter()
	defer b.leave()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.values[service+"/"+user] = password
	b.sets = append(b.sets, password)
	return nil
}

func (b *slowBackend) Delete(service, user string) error {
	b.enter()
	defer b.leave()
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.values, service+"/"+user)
	return nil
}

func (b *slowBackend) stats() (calls, maxIn int, sets []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls, b.maxIn, append([]string(nil), b.sets...)
}

var errNotFoundBackend = keyring.ErrNotFound

// A keyring that answers slowly but does answer: calls wait their turn,
// one at a time, and all succeed.
func TestKeyringCallsOneAtATime(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	b := newSlowBackend()
	k := &Keyring{Timeout: time.Minute, backend: b}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			if i%2 == 0 {
				errs <- k.Set(ctx, Credentials, "1", "v")
				return
			}
			_, err := k.Get(ctx, ClientSecret, "1")
			if errors.Is(err, ErrUnavailable) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a call failed on a keyring that answers: %v", err)
		}
	}
	if calls, maxIn, _ := b.stats(); calls != 40 || maxIn != 1 {
		t.Fatalf("%d calls reached the keyring with up to %d in flight; want 40, one at a time", calls, maxIn)
	}
}

// A keyring stuck on its unlock prompt: the first call gives up after the
// timeout with an unknown outcome; every call after it fails at once
// without reaching the keyring; once it answers, the late Set has landed
// and the next Set (of the newer value the caller kept) wins.
func TestStuckKeyringFailsFastAndNeverReorders(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	b := newSlowBackend()
	b.hold = make(chan struct{})
	k := &Keyring{Timeout: 20 * time.Millisecond, backend: b}
	ctx := context.Background()

	err := k.Set(ctx, Credentials, "acct", "old")
	for _, want := range []error{ErrUnavailable, ErrNotAnswering, ErrOutcomeUnknown} {
		if !errors.Is(err, want) {
			t.Fatalf("stuck Set: %v; want it to be %v", err, want)
		}
	}
	if !strings.Contains(err.Error(), "the keyring is not answering (locked?)") {
		t.Fatalf("stuck Set says %q", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				errs <- k.Set(ctx, Credentials, "acct", "new")
			case 1:
				_, err := k.Get(ctx, Credentials, "acct")
				errs <- err
			default:
				errs <- k.Delete(ctx, SMTPPassword, "smtp")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrNotAnswering) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a call while the keyring is stuck: %v; want ErrNotAnswering", err)
		}
	}
	if calls, maxIn, _ := b.stats(); calls != 1 || maxIn != 1 {
		t.Fatalf("%d calls reached the stuck keyring (%d at once); want only the first", calls, maxIn)
	}

	// The person unlocks: the stuck Set lands late, then the keyring is
	// free again and the newer value, written again, is what stays.
	close(b.hold)
	waitFor(t, func() bool { _, err := k.Get(ctx, Credentials, "acct"); return err == nil })
	if err := k.Set(ctx, Credentials, "acct", "new"); err != nil {
		t.Fatalf("Set after the keyring answered: %v", err)
	}
	got, err := k.Get(ctx, Credentials, "acct")
	if err != nil || got != "new" {
		t.Fatalf("after unlocking: %q, %v; want the newer value", got, err)
	}
	if _, _, sets := b.stats(); len(sets) != 2 || sets[0] != "old" || sets[1] != "new" {
		t.Fatalf("writes landed as %q; want old then new", sets)
	}
}

// A read that times out has no unknown outcome: nothing was changed.
func TestStuckReadIsNotAnUnknownOutcome(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	b := newSlowBackend()
	b.hold = make(chan struct{})
	defer close(b.hold)
	k := &Keyring{Timeout: 10 * time.Millisecond, backend: b}
	_, err := k.Get(context.Background(), Credentials, "acct")
	if !errors.Is(err, ErrNotAnswering) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("stuck Get: %v", err)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within 10 s")
		}
		runtime.Gosched()
	}
}

package testbed

import (
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// StuckSecrets owns org.freedesktop.secrets on the test's session bus and
// never answers: every method call, on any object, waits until the test
// ends, as a Secret Service waiting on an unlock prompt nobody answers
// does. It counts the calls waiting at once.
type StuckSecrets struct {
	conn    *dbus.Conn
	release chan struct{}

	mu       sync.Mutex
	waiting  int
	maxWait  int
	received int
	arrived  chan struct{} // closed and replaced on every call
}

// StartStuckSecrets takes the Secret Service's name on the session bus.
// When the test ends the waiting calls get an error answer, so the
// caller's goroutines end too.
func StartStuckSecrets(t testing.TB) *StuckSecrets {
	t.Helper()
	RequireSessionBus(t)
	waitNameFree(t, "org.freedesktop.secrets", 10*time.Second)
	s := &StuckSecrets{release: make(chan struct{}), arrived: make(chan struct{})}
	conn, err := dbus.ConnectSessionBus(dbus.WithHandler(stuckHandler{s}))
	if err != nil {
		t.Fatalf("testbed: stuck Secret Service: connecting to the session bus: %v", err)
	}
	s.conn = conn
	t.Cleanup(func() {
		close(s.release)
		_, _ = conn.ReleaseName("org.freedesktop.secrets")
		conn.Close()
	})
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("testbed: stuck Secret Service: taking org.freedesktop.secrets: reply %v, %v", reply, err)
	}
	return s
}

// Stats is how many calls arrived in all, and the most that waited at once.
func (s *StuckSecrets) Stats() (received, maxWaiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received, s.maxWait
}

// WaitCall waits until at least n calls have arrived.
func (s *StuckSecrets) WaitCall(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := s.received, s.arrived
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("testbed: %d call(s) reached the stuck Secret Service within %s, want %d", got, timeout, n)
		}
	}
}

func (s *StuckSecrets) wait() {
	s.mu.Lock()
	s.received++
	s.waiting++
	s.maxWait = max(s.maxWait, s.waiting)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
	<-s.release
	s.mu.Lock()
	s.waiting--
	s.mu.Unlock()
}

// stuckHandler answers every object, interface and method with one that
// waits.
type stuckHandler struct{ s *StuckSecrets }

func (h stuckHandler) LookupObject(dbus.ObjectPath) (dbus.ServerObject, bool) { return h, true }
func (h stuckHandler) LookupInterface(string) (dbus.Interface, bool)          { return h, true }
func (h stuckHandler) LookupMethod(string) (dbus.Method, bool)                { return stuckMethod(h), true }

type stuckMethod struct{ s *StuckSecrets }

func (m stuckMethod) Call(...any) ([]any, error) {
	m.s.wait()
	return nil, dbus.MakeFailedError(errStuckEnded)
}

func (m stuckMethod) DecodeArguments(_ *dbus.Conn, _ string, _ *dbus.Message, args []any) ([]any, error) {
	return args, nil
}

func (stuckMethod) NumArguments() int     { return 0 }
func (stuckMethod) NumReturns() int       { return 0 }
func (stuckMethod) ArgumentValue(int) any { return nil }
func (stuckMethod) ReturnValue(int) any   { return nil }

var errStuckEnded = stuckEnded{}

type stuckEnded struct{}

func (stuckEnded) Error() string { return "the test ended; this Secret Service never answered" }

// Package secret keeps tokens, client secrets and the SMTP password in the
// operating system's keyring, and nowhere else.
package secret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Kind is one kind of secret; each has its own keyring service name so the
// person can tell them apart in their keyring manager.
type Kind string

const (
	// Credentials is one profile's sign-in as one item: access and refresh
	// token with their ends (see Tokens), written whole.
	Credentials  Kind = "credentials"
	ClientSecret Kind = "client-secret"
	SMTPPassword Kind = "smtp-password"

	// AccessToken and RefreshToken are the two items a profile's sign-in was
	// kept in before Credentials; they are only read, to move them into one
	// Credentials item, and then deleted.
	AccessToken  Kind = "access-token"
	RefreshToken Kind = "refresh-token"
)

// Service is the keyring service name under which a kind is stored.
func (k Kind) Service() string { return "SocialOmm " + string(k) }

var (
	// ErrNotFound means no secret is stored under that name.
	ErrNotFound = errors.New("secret not found in the keyring")
	// ErrUnavailable means no keyring could be reached; the secret was not
	// stored anywhere.
	ErrUnavailable = errors.New("no keyring is available")
	// ErrNotAnswering is in the chain (with ErrUnavailable) of every call
	// refused because an earlier keyring call has not come back.
	ErrNotAnswering = errors.New("the keyring is not answering (locked?)")
	// ErrOutcomeUnknown is in the chain (with ErrUnavailable) of a Set or
	// Delete that did not come back in time: it may still land. Keep the
	// value and write it again once the keyring answers.
	ErrOutcomeUnknown = errors.New("the keyring did not say whether it kept the secret")
)

// DefaultTimeout bounds every keyring call: a locked keyring waiting on an
// unlock prompt must not hang the engine.
const DefaultTimeout = 10 * time.Second

// Store is the interface the rest of core uses, so tests can swap in a
// keyring.MockInit-backed Keyring or fail on purpose.
type Store interface {
	Get(ctx context.Context, kind Kind, key string) (string, error)
	Set(ctx context.Context, kind Kind, key, value string) error
	Delete(ctx context.Context, kind Kind, key string) error
}

// backend is the keyring itself (go-keyring's functions); tests of the
// serialisation put one in that blocks.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (goKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// Keyring is the OS keyring through go-keyring, one call at a time, each
// with a timeout.
//
// go-keyring's calls cannot be cancelled: one waiting on an unlock prompt
// goes on after its timeout. So calls are serialised. While one is in
// flight the next waits its turn (within its own timeout); once the one in
// flight has outlived its timeout, every other call fails at once with
// ErrNotAnswering instead of starting another call that would hang too. No
// call is issued while a stuck one runs, so a Set that lands late can never
// overwrite a newer value.
type Keyring struct {
	Timeout time.Duration

	backend backend // nil: go-keyring

	mu    sync.Mutex
	busy  bool          // a call is in flight
	stuck bool          // the call in flight has outlived its timeout
	turn  chan struct{} // closed and replaced when busy or stuck change
}

// NewKeyring returns a Keyring with the default timeout.
func NewKeyring() *Keyring { return &Keyring{Timeout: DefaultTimeout} }

func (k *Keyring) Get(ctx context.Context, kind Kind, key string) (string, error) {
	var value string
	err := k.call(ctx, "read", func(b backend) error {
		v, err := b.Get(kind.Service(), key)
		value = v
		return err
	})
	return value, err
}

func (k *Keyring) Set(ctx context.Context, kind Kind, key, value string) error {
	return k.call(ctx, "save", func(b backend) error { return b.Set(kind.Service(), key, value) })
}

// Delete removes a secret; deleting one that is not there is not an error.
func (k *Keyring) Delete(ctx context.Context, kind Kind, key string) error {
	err := k.call(ctx, "delete", func(b backend) error { return b.Delete(kind.Service(), key) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Probe reports whether a keyring answers. It reads a name that is never
// written, so "not found" is the healthy answer.
func (k *Keyring) Probe(ctx context.Context) error {
	_, err := k.Get(ctx, Credentials, "socialomm-probe")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// call runs fn as the one keyring call in flight. what ("read", "save",
// "delete") goes into the error of a call that did not come back.
func (k *Keyring) call(ctx context.Context, what string, fn func(backend) error) error {
	if !sessionBusReachable() {
		return fmt.Errorf("%w: there is no D-Bus session bus for the Secret Service", ErrUnavailable)
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := k.take(ctx, timeout); err != nil {
		return err
	}
	b := k.backend
	if b == nil {
		b = goKeyring{}
	}
	done := make(chan error, 1)
	go func() {
		// The watchdog is the call's, not the caller's: a caller that gives
		// up early does not make the keyring count as stuck, and one that
		// waits does not keep others waiting past the timeout.
		watchdog := time.AfterFunc(timeout, k.markStuck)
		err := fn(b)
		watchdog.Stop()
		k.release()
		done <- err
	}()
	select {
	case err := <-done:
		return translate(err)
	case <-ctx.Done():
		if what == "read" {
			return &notAnswering{detail: fmt.Sprintf("it did not answer within %s", timeout)}
		}
		return &notAnswering{unknown: true,
			detail: fmt.Sprintf("it did not answer within %s, so this %s may still happen once it is unlocked", timeout, what)}
	}
}

// notAnswering is the error of a call refused or abandoned because the
// keyring did not answer. It Is ErrUnavailable and ErrNotAnswering, and
// ErrOutcomeUnknown when a change may still land.
type notAnswering struct {
	detail  string
	unknown bool
}

func (e *notAnswering) Error() string { return ErrNotAnswering.Error() + ": " + e.detail }

func (e *notAnswering) Is(target error) bool {
	return target == ErrUnavailable || target == ErrNotAnswering || (e.unknown && target == ErrOutcomeUnknown)
}

// take waits for the turn to call the keyring: until no call is in flight,
// or the one in flight is stuck (then it fails at once), or ctx ends.
func (k *Keyring) take(ctx context.Context, timeout time.Duration) error {
	for {
		k.mu.Lock()
		if k.turn == nil {
			k.turn = make(chan struct{})
		}
		switch {
		case k.stuck:
			k.mu.Unlock()
			return &notAnswering{detail: "an earlier call to it has not come back"}
		case !k.busy:
			k.busy = true
			k.changedLocked()
			k.mu.Unlock()
			return nil
		}
		turn := k.turn
		k.mu.Unlock()
		select {
		case <-turn:
		case <-ctx.Done():
			return &notAnswering{detail: fmt.Sprintf("it was busy for longer than %s", timeout)}
		}
	}
}

func (k *Keyring) markStuck() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.busy && !k.stuck {
		k.stuck = true
		k.changedLocked()
	}
}

func (k *Keyring) release() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.busy, k.stuck = false, false
	k.changedLocked()
}

// changedLocked wakes every caller waiting for its turn; k.mu is held.
func (k *Keyring) changedLocked() {
	if k.turn != nil {
		close(k.turn)
	}
	k.turn = make(chan struct{})
}

func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("the secret is too large for the keyring: %w", err)
	}
	// go-keyring's errors describe the keyring, never the secret.
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// sessionBusReachable guards against go-keyring's D-Bus library
// auto-launching a stray dbus-daemon when no session bus exists (a headless
// machine); then there is simply no keyring. Tests using keyring.MockInit set
// SOCIALOMM_KEYRING=mock to bypass the check.
func sessionBusReachable() bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return true
	}
	if os.Getenv("SOCIALOMM_KEYRING") == "mock" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return true
		}
	}
	return false
}

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
	"time"

	"github.com/zalando/go-keyring"
)

// Kind is one kind of secret; each has its own keyring service name so the
// person can tell them apart in their keyring manager.
type Kind string

const (
	AccessToken  Kind = "access-token"
	RefreshToken Kind = "refresh-token"
	ClientSecret Kind = "client-secret"
	SMTPPassword Kind = "smtp-password"
)

// Service is the keyring service name under which a kind is stored.
func (k Kind) Service() string { return "SocialOmm " + string(k) }

var (
	// ErrNotFound means no secret is stored under that name.
	ErrNotFound = errors.New("secret not found in the keyring")
	// ErrUnavailable means no keyring could be reached; the secret was not
	// stored anywhere.
	ErrUnavailable = errors.New("no keyring is available")
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

// Keyring is the OS keyring through go-keyring, with a timeout.
type Keyring struct {
	Timeout time.Duration
}

// NewKeyring returns a Keyring with the default timeout.
func NewKeyring() *Keyring { return &Keyring{Timeout: DefaultTimeout} }

func (k *Keyring) Get(ctx context.Context, kind Kind, key string) (string, error) {
	var value string
	err := k.call(ctx, func() error {
		v, err := keyring.Get(kind.Service(), key)
		value = v
		return err
	})
	return value, err
}

func (k *Keyring) Set(ctx context.Context, kind Kind, key, value string) error {
	return k.call(ctx, func() error { return keyring.Set(kind.Service(), key, value) })
}

// Delete removes a secret; deleting one that is not there is not an error.
func (k *Keyring) Delete(ctx context.Context, kind Kind, key string) error {
	err := k.call(ctx, func() error { return keyring.Delete(kind.Service(), key) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Probe reports whether a keyring answers. It reads a name that is never
// written, so "not found" is the healthy answer.
func (k *Keyring) Probe(ctx context.Context) error {
	_, err := k.Get(ctx, AccessToken, "socialomm-probe")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (k *Keyring) call(ctx context.Context, fn func() error) error {
	if !sessionBusReachable() {
		return fmt.Errorf("%w: there is no D-Bus session bus for the Secret Service", ErrUnavailable)
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return translate(err)
	case <-ctx.Done():
		return fmt.Errorf("%w: the keyring did not answer within %s (is it locked?)", ErrUnavailable, timeout)
	}
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

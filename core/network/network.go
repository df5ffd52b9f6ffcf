// Package network is the contract every social network adapter fulfils, and
// the errors by which adapters tell lost access apart from network trouble.
//
// It also holds what the adapters share without knowing any one network:
// server words made safe to show and waits said in words (words.go),
// rate-limit waits read and clamped (wait.go), and the transient errors
// every adapter builds the same way, each with the adapter's own sentinel
// (transient.go). Sending a request is package netclient's.
package network

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// Adapter is what the engine needs from a network once an account exists.
// Connecting differs too much between networks (browser sign-in, app
// passwords) to share one signature; each network package offers its own.
type Adapter interface {
	// Name is the network's key, as stored in account.Network ("mastodon").
	Name() string
	// Verify checks the access token cheaply and says whose it is.
	Verify(ctx context.Context, acct account.Account, creds Credentials) (Profile, error)
	// Publish sends a text post. idempotencyKey is stable for one target, so a
	// network that honours it never posts twice.
	Publish(ctx context.Context, acct account.Account, creds Credentials, text, idempotencyKey string) (Published, error)
	// Revoke asks the network to end the token; networks without revocation
	// return ErrRevokeUnsupported.
	Revoke(ctx context.Context, acct account.Account, creds Credentials) error
}

// Refresher is implemented by networks whose tokens can be renewed.
type Refresher interface {
	Refresh(ctx context.Context, acct account.Account, creds Credentials) (Credentials, error)
}

// ErrOutcomeUnknown means a publish was sent but no clear answer came back
// (timeout, cut connection, 5xx after sending): the post may or may not be
// out. Publishing again blindly could post twice; look first.
var ErrOutcomeUnknown = errors.New("the post may or may not have been published")

// ErrRevokeUnsupported means the network offers no way to revoke a token.
var ErrRevokeUnsupported = errors.New("this network offers no way to revoke access from an app")

// Profile is who a token belongs to, as the network says.
type Profile struct {
	RemoteID    string
	Handle      string // "@user@host" or the network's usual form
	DisplayName string
	AvatarURL   string
	ProfileURL  string
}

// Credentials are the secrets of one connection. They are handed to the
// secret store as soon as they exist and never written anywhere else.
type Credentials struct {
	AccessToken  string
	RefreshToken string
	// Expiry is when the access token stops working; zero if the network
	// gives no expiry.
	Expiry time.Time
	// ConnectionExpiry is when the whole connection ends without the person
	// (refresh-token life, long-lived token); zero if none is given.
	ConnectionExpiry time.Time
}

// Published is the network's record of a post that went out.
type Published struct {
	RemoteID string
	URL      string
}

// LostAccessError means the token no longer works and the person has to
// reconnect. Message is the network's own words (never a token).
type LostAccessError struct {
	Reason  account.Reason
	Message string
}

func (e *LostAccessError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("access lost (%s)", e.Reason)
	}
	return fmt.Sprintf("access lost (%s): %s", e.Reason, e.Message)
}

// TransientError means the network could not be asked (down, slow,
// rate-limited, 5xx). It never changes an account's state.
type TransientError struct {
	Message    string
	RetryAfter time.Duration // zero if the network did not say
	Err        error
}

// ErrServerUnreachable is in the chain of a TransientError for a server that
// could not be reached at all (its name, no answer, a refused connection, a
// certificate), as opposed to one that answered with trouble.
var ErrServerUnreachable = errors.New("the server could not be reached")

func (e *TransientError) Error() string { return e.Message }
func (e *TransientError) Unwrap() error { return e.Err }

// ReasonOf returns the reason access was lost, or "" if err is not a lost
// connection.
func ReasonOf(err error) account.Reason {
	var lost *LostAccessError
	if errors.As(err, &lost) {
		return lost.Reason
	}
	return account.ReasonNone
}

// IsTransient reports whether err is network trouble rather than lost access.
func IsTransient(err error) bool {
	var t *TransientError
	return errors.As(err, &t)
}

// Package oauthnet is what the networks that need the person's own app keys
// share: X, LinkedIn, Facebook Pages, Instagram and Threads.
//
// It holds the keys type and their lookup, one careful HTTP request helper
// on netclient (tokens and secrets scrubbed from answers, never replayed,
// transport failures in plain words), the reading of token endpoint answers
// (RFC 6749 and Meta's variants) and their errors, the end of a sign-in
// (Finish), what Facebook, Instagram and Threads have in common (the Graph
// API error mapping, the sign-in configuration, long-lived tokens, two-step
// publishing), and the "paste the final URL" sign-in for networks that
// refuse a loopback redirect.
//
// Nothing here logs, and no error text ever carries a token, a client
// secret, an authorization code or a URL holding one.
package oauthnet

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// Keys are the person's own app keys for one network, entered in Settings.
// ClientSecret is a secret: it lives in the keyring only.
type Keys struct {
	ClientID string
	// ClientSecret is empty for public clients (X with PKCE).
	ClientSecret string
	// RedirectURI overrides the network's default redirect URI for the
	// networks where the person registers one by hand (the Meta networks,
	// whose sign-in ends on a page whose address the person pastes back).
	RedirectURI string
}

// ErrNoKeys means Settings holds no client id for the network yet.
var ErrNoKeys = errors.New("this network needs your own app keys: add them in Settings")

// Check reports whether keys are usable; secret says whether the network
// demands a client secret.
func (k Keys) Check(network string, secret bool) error {
	if strings.TrimSpace(k.ClientID) == "" {
		return fmt.Errorf("%s needs your own app keys: add the client id in Settings: %w", network, ErrNoKeys)
	}
	if secret && strings.TrimSpace(k.ClientSecret) == "" {
		return fmt.Errorf("%s needs your app's client secret too: add it in Settings: %w", network, ErrNoKeys)
	}
	return nil
}

// KeysFunc looks the keys up when they are needed, so a change in Settings
// applies without rebuilding the adapters.
type KeysFunc func(ctx context.Context) (Keys, error)

// Lookup finds the keys with f and checks them (Check); with a nil f there
// are none, and the error says so.
func (f KeysFunc) Lookup(ctx context.Context, network string, secret bool) (Keys, error) {
	if f == nil {
		return Keys{}, Keys{}.Check(network, secret)
	}
	k, err := f(ctx)
	if err != nil {
		return Keys{}, err
	}
	return k, k.Check(network, secret)
}

// StaticKeys is a KeysFunc that always gives k.
func StaticKeys(k Keys) KeysFunc {
	return func(context.Context) (Keys, error) { return k, nil }
}

// LoopbackRedirectURI is the redirect URI to register with a network that
// matches redirect URIs exactly, port included (X, LinkedIn): the sign-in
// must then listen on that one port (oauth.Options.PreferredPort).
func LoopbackRedirectURI(port int) string {
	return "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
}

// ErrPortTaken means the fixed loopback port a network's registration names
// is in use by another program, so the sign-in cannot come back to the app.
var ErrPortTaken = errors.New("the sign-in port is in use by another program")

// CheckRedirect compares the redirect URI a loopback attempt got with the
// one registered with the network, and says in words what to do when they
// differ (the port was taken and the OS chose another).
func CheckRedirect(network, got, registered string) error {
	if got == registered {
		return nil
	}
	gu, err1 := url.Parse(got)
	ru, err2 := url.Parse(registered)
	if err1 == nil && err2 == nil && gu.Host != ru.Host {
		return fmt.Errorf("%s only sends the sign-in back to %s, but port %s is in use by another program; "+
			"close that program and try again: %w", network, registered, ru.Port(), ErrPortTaken)
	}
	return fmt.Errorf("%s only sends the sign-in back to %s, but this attempt listens at %s", network, registered, got)
}

// Finish ends a sign-in the way every network here does: tok must hold an
// access token; credentials turns it into the connection's credentials
// (dating it, or trading it for a long-lived one); verify (the adapter's
// Verify) asks whose they are. A failure at any step gives neither profile
// nor credentials.
func Finish(ctx context.Context, networkName string, tok *oauth2.Token,
	credentials func(context.Context, Token) (network.Credentials, error),
	verify func(context.Context, account.Account, network.Credentials) (network.Profile, error),
) (network.Profile, network.Credentials, error) {
	if tok == nil || tok.AccessToken == "" {
		return network.Profile{}, network.Credentials{}, errors.New(networkName + " gave no access token")
	}
	creds, err := credentials(ctx, FromOAuth2(tok))
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	p, err := verify(ctx, account.Account{}, creds)
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	return p, creds, nil
}

// KeysOf converts the catalog's keys to the adapters'.
func KeysOf(k network.ClientKeys) Keys {
	return Keys{ClientID: k.ClientID, ClientSecret: k.ClientSecret, RedirectURI: k.RedirectURI}
}

// KeysFrom is a KeysFunc reading the keys with f (nil: none).
func KeysFrom(f func(ctx context.Context) (network.ClientKeys, error)) KeysFunc {
	if f == nil {
		return nil
	}
	return func(ctx context.Context) (Keys, error) {
		k, err := f(ctx)
		return KeysOf(k), err
	}
}

// Loopback is one loopback sign-in with a network that takes the sign-in
// back only on its one registered port (X, LinkedIn).
type Loopback struct {
	// Title names the network in words; Web is the Instance of its accounts.
	Title, Web string
	// RedirectPort is the port registered with the network.
	RedirectPort int
	Keys         network.ClientKeys
	Config       func(keys Keys, redirectURI string) *oauth2.Config
	Done         func(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error)
}

func (l Loopback) Port() int     { return l.RedirectPort }
func (l Loopback) Where() string { return l.Title }

// Authorize refuses a listener on another port than the registered one,
// in words, since the network would not send the sign-in back there.
func (l Loopback) Authorize(_ context.Context, redirectURI string) (*oauth2.Config, error) {
	if err := CheckRedirect(l.Title, redirectURI, LoopbackRedirectURI(l.RedirectPort)); err != nil {
		return nil, err
	}
	return l.Config(KeysOf(l.Keys), redirectURI), nil
}

func (l Loopback) Finish(ctx context.Context, tok *oauth2.Token) (network.SignedIn, error) {
	p, creds, err := l.Done(ctx, tok)
	return network.SignedIn{Instance: l.Web, Profile: p, Credentials: creds}, err
}

package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/bluesky"
	"github.com/socialomm/desktop/core/network/facebook"
	"github.com/socialomm/desktop/core/network/instagram"
	"github.com/socialomm/desktop/core/network/linkedin"
	"github.com/socialomm/desktop/core/network/mastodon"
	"github.com/socialomm/desktop/core/network/threads"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// Networks is the catalog of the networks SocialOmm offers, in the order
// the Connect menu lists them. Adding a network is one package under
// core/network and one line here.
func Networks() Catalog {
	return network.NewCatalog(
		mastodon.Entry(),
		bluesky.Entry(),
		x.Entry(),
		linkedin.Entry(),
		facebook.Entry(),
		instagram.Entry(),
		threads.Entry(),
	)
}

// The catalog's types, for the window and the command line, which talk to
// the engine only.
type (
	Catalog      = network.Catalog
	NetworkEntry = network.Entry
	SignInKind   = network.SignInKind
	FormField    = network.Field
)

// The ways of signing in (NetworkEntry.SignIn).
const (
	SignInServer      = network.SignInServer
	SignInAppPassword = network.SignInAppPassword
	SignInLoopback    = network.SignInLoopback
	SignInPaste       = network.SignInPaste
)

// Networks is the engine's catalog.
func (e *Engine) Networks() Catalog { return e.catalog }

// entry is a network's catalog entry.
func (e *Engine) entry(name string) (network.Entry, bool) {
	return e.catalog.Lookup(name)
}

// openNetworks builds each network's adapter from its entry.
func (e *Engine) openNetworks(deps network.Deps, endpoints map[string]string) {
	for _, n := range e.catalog.Entries() {
		if n.New == nil {
			continue
		}
		d := deps
		d.Base = endpoints[n.Name]
		if n.Keys != nil {
			d.Keys = e.clientKeysFunc(n.Name)
		}
		e.adapters[n.Name] = n.New(d)
	}
}

func (e *Engine) clientKeysFunc(name string) func(context.Context) (network.ClientKeys, error) {
	return func(ctx context.Context) (network.ClientKeys, error) {
		k, err := e.NetworkKeys(ctx, name)
		return network.ClientKeys{ClientID: k.ClientID, ClientSecret: k.ClientSecret, RedirectURI: k.RedirectURI}, err
	}
}

// registrations keeps the apps networks register per server in the
// keyring, and notes the shared ones in the database.
type registrations struct{ e *Engine }

func (r registrations) load(ctx context.Context, key string) (string, error) {
	raw, err := r.e.secrets.Get(ctx, secret.ClientSecret, key)
	if errors.Is(err, secret.ErrNotFound) {
		return "", nil
	}
	return raw, err
}

func (r registrations) save(ctx context.Context, key, value string) error {
	if err := r.e.secrets.Set(ctx, secret.ClientSecret, key, value); err != nil {
		return fmt.Errorf("keep SocialOmm's registration in the keyring: %w", err)
	}
	return nil
}

func (r registrations) LoadForAccount(ctx context.Context, a account.Account) (string, error) {
	return r.load(ctx, credentialKey(a))
}

func (r registrations) SaveForAccount(ctx context.Context, a account.Account, value string) error {
	return r.save(ctx, credentialKey(a), value)
}

func (r registrations) LoadForServer(ctx context.Context, networkName, instance string) (string, error) {
	return r.load(ctx, store.AppKey(networkName, instance))
}

func (r registrations) SaveForServer(ctx context.Context, networkName, instance, value string, app network.ServerApp) error {
	if err := r.save(ctx, store.AppKey(networkName, instance), value); err != nil {
		return err
	}
	return r.e.store.SaveNetworkApp(ctx, store.NetworkApp{Network: networkName, Instance: instance,
		ClientID: app.ClientID, RedirectURI: app.RedirectURI, Scopes: app.Scopes})
}

// accessEnded says whether a publish was refused only because the access
// token ended.
func (e *Engine) accessEnded(name string, ad network.Adapter, err error, creds network.Credentials) bool {
	if ender, ok := ad.(network.AccessEnder); ok {
		return ender.AccessEnded(err, creds)
	}
	reason := network.ReasonOf(err)
	return e.needsKeys(name) && creds.RefreshToken != "" && (reason == account.ReasonExpired || reason == account.ReasonInvalid)
}

// needsKeys reports whether a network signs in with the person's own app
// keys.
func (e *Engine) needsKeys(name string) bool {
	n, ok := e.entry(name)
	return ok && n.Keys != nil
}

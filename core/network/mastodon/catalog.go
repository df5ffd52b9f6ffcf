package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// Title is how people write the network.
const Title = "Mastodon"

// Entry is Mastodon's entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "mastodon.svg",
		TextLimit: DefaultTextLimit, InstanceLimit: true,
		SignIn:    network.SignInServer,
		FormTitle: "Connect a Mastodon profile",
		Form: []network.Field{{
			Key: "instance", Label: "Server", Placeholder: "mastodon.social",
			Hint:    "Your server's address, like mastodon.social or @you@your.server",
			Metavar: "SERVER", Example: "mastodon.social", Usage: "the Mastodon server, e.g. mastodon.social",
			Empty: "type your server's address",
			Check: func(v string) error { _, err := NormalizeInstance(v); return err },
		}},
		ConnectHelp: "  mastodon --instance SERVER   any Mastodon-compatible server (mastodon.social, https://…, @you@server)\n",
		New: func(d network.Deps) network.Adapter {
			a := New(d.HTTP, WithClock(d.Clock))
			a.registrations = d.Apps
			if d.Apps != nil {
				a.apps = a.accountApp
			}
			return a
		},
	}
}

// accountApp is the registration that issued an account's token: its own,
// else its server's shared one.
func (a *Adapter) accountApp(ctx context.Context, acct account.Account) (App, error) {
	raw, err := a.registrations.LoadForAccount(ctx, acct)
	if err == nil && raw == "" {
		raw, err = a.registrations.LoadForServer(ctx, NetworkName, acct.Instance)
	}
	if err != nil {
		return App{}, err
	}
	return decodeApp(raw)
}

func decodeApp(raw string) (App, error) {
	var app App
	if raw == "" {
		return app, nil
	}
	if err := json.Unmarshal([]byte(raw), &app); err != nil {
		return App{}, fmt.Errorf("a stored registration is unreadable: %w", err)
	}
	return app, nil
}

// BeginLoopback starts a sign-in on a server (req.Values["instance"], or
// the account's own server on Update).
//
// Which registration it signs in through: on Mastodon, one per server, since
// Mastodon accepts any loopback port and keeps an app when a profile goes.
// Elsewhere (GoToSocial) each profile gets its own: GoToSocial deletes an app
// together with any account that signed in through it, so a shared one would
// let one profile's deletion disconnect every other profile on that server.
// An account being updated reuses its own registration, listening on the
// port it was registered with, since GoToSocial matches the port exactly.
func (a *Adapter) BeginLoopback(ctx context.Context, req network.SignInRequest) (network.LoopbackAttempt, error) {
	if a.registrations == nil {
		return nil, errors.New("mastodon: no place to keep registrations")
	}
	var base string
	if req.Existing != nil {
		base = req.Existing.Instance
	} else {
		var err error
		if base, err = NormalizeInstance(req.Values["instance"]); err != nil {
			return nil, err
		}
	}
	host := hostWords(base)
	req.Say("Contacting " + host + "…")
	info, err := a.Instance(ctx, base)
	if err != nil {
		return nil, err
	}
	if info.BaseURL != "" && req.Existing == nil {
		base = info.BaseURL
	}
	var raw string
	switch {
	case req.Existing != nil:
		raw, _ = a.registrations.LoadForAccount(ctx, *req.Existing)
	case info.AnyLoopbackPort():
		raw, _ = a.registrations.LoadForServer(ctx, NetworkName, base)
	}
	app, _ := decodeApp(raw)
	if app.ClientID != "" {
		if err := CheckApp(ctx, a.client, base, app); errors.Is(err, ErrAppGone) {
			app = App{}
		}
	}
	return &attempt{a: a, req: req, base: base, host: host, anyPort: info.AnyLoopbackPort(), app: app}, nil
}

type attempt struct {
	a       *Adapter
	req     network.SignInRequest
	base    string
	host    string
	anyPort bool
	app     App
}

func (t *attempt) Port() int     { return t.app.Port() }
func (t *attempt) Where() string { return t.host }

// Authorize registers SocialOmm on the server when the registration at
// hand does not take this redirect URI.
func (t *attempt) Authorize(ctx context.Context, redirectURI string) (*oauth2.Config, error) {
	if !t.app.Accepts(redirectURI, t.anyPort) {
		t.req.Say("Registering SocialOmm on " + t.host + "…")
		app, err := Register(ctx, t.a.client, t.base, redirectURI)
		if err != nil {
			return nil, err
		}
		t.app = app
		if t.anyPort {
			raw, err := json.Marshal(app)
			if err != nil {
				return nil, err
			}
			if err := t.a.registrations.SaveForServer(ctx, NetworkName, t.base, string(raw),
				network.ServerApp{ClientID: app.ClientID, RedirectURI: app.RedirectURI, Scopes: Scopes}); err != nil {
				return nil, err
			}
		}
	}
	return OAuthConfig(t.base, t.app), nil
}

// Finish says whose token came back; the registration that issued it is
// kept next to it, since revoking needs that very registration.
func (t *attempt) Finish(ctx context.Context, tok *oauth2.Token) (network.SignedIn, error) {
	creds := network.Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	profile, err := t.a.Verify(ctx, account.Account{Network: NetworkName, Instance: t.base}, creds)
	if err != nil {
		return network.SignedIn{}, err
	}
	app := t.app
	return network.SignedIn{Instance: t.base, Profile: profile, Credentials: creds,
		Keep: func(ctx context.Context, acct account.Account) error {
			raw, err := json.Marshal(app)
			if err != nil {
				return err
			}
			return t.a.registrations.SaveForAccount(ctx, acct, string(raw))
		}}, nil
}

// hostWords is a server's address without its scheme, as progress
// messages name it.
func hostWords(base string) string {
	if h := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://"); h != "" {
		return h
	}
	return NetworkName
}

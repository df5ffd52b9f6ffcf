package bluesky

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// Title is how people write the network.
const Title = "Bluesky"

// Entry is Bluesky's entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "bluesky.svg",
		TextLimit: TextLimit, Count: Graphemes,
		SignIn:    network.SignInAppPassword,
		FormTitle: "Connect a Bluesky profile",
		Form: []network.Field{
			{Key: "handle", Label: "Handle", Placeholder: "you.bsky.social",
				Metavar: "HANDLE", Example: "ana.bsky.social", Usage: "the Bluesky handle, e.g. ana.bsky.social",
				Check: func(v string) error {
					if !IsHandle(v) {
						return errors.New("type your handle, like you.bsky.social")
					}
					return nil
				}},
			{Key: "password", Label: "App password", Placeholder: "xxxx-xxxx-xxxx-xxxx", Secret: true, Update: true,
				Hint: "Not your main password. " + AppPasswordHelp,
				Check: func(v string) error {
					if strings.TrimSpace(v) == "" {
						return errors.New("an app password is needed")
					}
					return nil
				}},
			{Key: "pds", Label: "Server (advanced)", Placeholder: "Found from your handle", Optional: true, Advanced: true,
				Hint:    "Only if your account lives on your own server (PDS)",
				Metavar: "URL", Usage: "the Bluesky server (PDS) URL, if not resolved from the handle"},
		},
		ConnectHelp: "  bluesky --handle HANDLE      with an app password read from $SECRET_ENV, else the first\n" +
			"                               line of standard input (never an argument); --pds URL skips resolving\n" +
			"                               the handle to its server\n",
		RemoveNote: "Also delete the app password SocialOmm used, in Bluesky under Settings → Privacy and security → App passwords.",
		New: func(d network.Deps) network.Adapter {
			return New(d.HTTP, WithClock(d.Clock))
		},
	}
}

// SignInForm signs in with an app password (never the account's main
// password, which is refused). On connect the handle is resolved to its
// server unless "pds" names it; on Update the account's own handle and
// server are used, with a new app password.
func (a *Adapter) SignInForm(ctx context.Context, req network.SignInRequest) (network.SignedIn, error) {
	handle, pds, password := req.Values["handle"], req.Values["pds"], req.Values["password"]
	if req.Existing != nil {
		if strings.TrimSpace(password) == "" {
			return network.SignedIn{}, errors.New("an app password is needed to reconnect " + req.Existing.Handle + ". " + AppPasswordHelp)
		}
		req.Say("Signing in to Bluesky as " + req.Existing.Handle + "…")
		handle, pds = strings.TrimPrefix(req.Existing.Handle, "@"), req.Existing.Instance
	} else {
		if strings.TrimSpace(password) == "" {
			return network.SignedIn{}, errors.New("an app password is needed, not your main password. " + AppPasswordHelp)
		}
		req.Say("Signing in to Bluesky as " + handle + "…")
	}
	profile, creds, server, err := a.Connect(ctx, handle, password, pds)
	if err != nil {
		return network.SignedIn{}, err
	}
	if req.Existing != nil {
		server = req.Existing.Instance
	}
	return network.SignedIn{Instance: server, Profile: profile, Credentials: creds}, nil
}

// Discard ends a session that came back as another profile.
func (a *Adapter) Discard(ctx context.Context, acct account.Account, creds network.Credentials) error {
	return a.Revoke(ctx, acct, creds)
}

// RefreshDue: the access token ends within five minutes (NeedsRefresh).
func (a *Adapter) RefreshDue(creds network.Credentials, _ time.Time) bool {
	return a.NeedsRefresh(creds)
}

// AccessEnded: Bluesky says when its access token ended (ExpiredToken).
func (a *Adapter) AccessEnded(err error, _ network.Credentials) bool {
	return errors.Is(err, ErrAccessExpired)
}

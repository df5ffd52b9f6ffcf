package core

import (
	"context"
	"fmt"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/bluesky"
	"github.com/socialomm/desktop/core/network/mastodon"
	"github.com/socialomm/desktop/core/network/x"
)

// The calls below predate the catalog; each is one sign-in through the
// one pipeline (Connect, StartPaste, ConnectChoice), kept for the callers
// and tests that name a network.

// ConnectMastodon connects a profile on a Mastodon-compatible server
// through its sign-in page.
func (e *Engine) ConnectMastodon(ctx context.Context, instance string, in SignIn) (account.Account, error) {
	return e.Connect(ctx, mastodon.NetworkName, map[string]string{"instance": instance}, in)
}

// ConnectBluesky connects a Bluesky profile with an app password; pds,
// when given, skips resolving the handle to its server.
func (e *Engine) ConnectBluesky(ctx context.Context, handle, appPassword, pds string, in SignIn) (account.Account, error) {
	return e.Connect(ctx, bluesky.NetworkName, map[string]string{"handle": handle, "password": appPassword, "pds": pds}, in)
}

// ConnectOAuth connects a profile of a keyed network whose browser sign-in
// comes back to SocialOmm on its fixed loopback port.
func (e *Engine) ConnectOAuth(ctx context.Context, name string, in SignIn) (account.Account, error) {
	info, ok := e.keyedNetwork(name)
	switch {
	case !ok:
		return account.Account{}, fmt.Errorf("%s does not connect with app keys", name)
	case !info.Loopback:
		return account.Account{}, fmt.Errorf("%s signs in by pasting the address the browser ends on: use StartPaste", info.Title)
	}
	return e.Connect(ctx, name, nil, in)
}

// FacebookPage is a profile to choose from after signing in.
type FacebookPage = ProfileChoice

// ConnectFacebookPage connects one chosen Page (ConnectChoice).
func (e *Engine) ConnectFacebookPage(ctx context.Context, p *PasteSignIn, pageID string) (account.Account, error) {
	return e.ConnectChoice(ctx, p, pageID)
}

// keyedNetworks holds what tests change about the keyed networks: the
// loopback ports they listen on, and X's adapter, whose spent refresh
// tokens a test tries again.
type keyedNetworks struct {
	x     network.Refresher
	ports map[string]int
}

func (e *Engine) openKeyed() {
	e.keyed = &keyedNetworks{ports: map[string]int{}}
	e.keyed.x, _ = e.adapters[x.NetworkName].(network.Refresher)
}

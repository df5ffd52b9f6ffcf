package linkedin

import (
	"context"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// Title is how people write the network.
const Title = "LinkedIn"

// Entry is LinkedIn's entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "linkedin.svg",
		TextLimit: TextLimit, Count: network.Runes,
		SignIn: network.SignInLoopback,
		Keys: &network.Keys{IDKey: "linkedin.client_id", SecretKey: "linkedin.client_secret",
			IDLabel: "Client ID", SecretLabel: "Primary Client Secret",
			NeedsSecret: NeedsSecret, RedirectPort: RedirectPort, DefaultRedirectURI: RedirectURI,
			PortalURL: "https://www.linkedin.com/developers/apps", PortalName: "LinkedIn"},
		Web: "https://www.linkedin.com",
		Setup: "Create an app on LinkedIn Developers, add the products Sign In with LinkedIn using OpenID Connect " +
			"and Share on LinkedIn, and under Auth add the redirect URL below. Copy the Client ID and the Primary Client Secret.",
		Life: "60 days from signing in; LinkedIn lets only approved apps renew it, so SocialOmm warns you before " +
			"it ends and Update signs in again.",
		NeverExpires: NeverExpires,
		New: func(d network.Deps) network.Adapter {
			opts := []Option{WithClock(d.Clock), WithKeys(oauthnet.KeysFrom(d.Keys))}
			if d.Base != "" {
				opts = append(opts, WithEndpoints(EndpointsAt(d.Base)))
			}
			return New(d.HTTP, opts...)
		},
	}
}

// EndpointsAt are LinkedIn's endpoints with every host at base (a test
// server with LinkedIn's paths).
func EndpointsAt(base string) Endpoints {
	return Endpoints{AuthURL: base + "/oauth/v2/authorization", TokenURL: base + "/oauth/v2/accessToken",
		APIBase: base, WebBase: DefaultEndpoints.WebBase}
}

// BeginLoopback starts a sign-in that comes back on LinkedIn's registered
// port.
func (a *Adapter) BeginLoopback(_ context.Context, req network.SignInRequest) (network.LoopbackAttempt, error) {
	port := RedirectPort
	if req.Port != 0 {
		port = req.Port
	}
	return oauthnet.Loopback{Title: Title, Web: "https://www.linkedin.com", RedirectPort: port, Keys: req.Keys,
		Config: a.OAuthConfig, Done: a.Finish}, nil
}

// Discard gives back a grant that came back as another profile.
func (a *Adapter) Discard(ctx context.Context, acct account.Account, creds network.Credentials) error {
	return a.Revoke(ctx, acct, creds)
}

// RefreshDue: only approved apps get a refresh token; without one the
// token runs its 60 days.
func (a *Adapter) RefreshDue(creds network.Credentials, now time.Time) bool {
	return CanRefresh(creds) && network.AccessEnding(creds, now)
}

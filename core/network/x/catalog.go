package x

import (
	"context"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// Title is how people write the network.
const Title = "X"

// Entry is X's entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "x.svg",
		TextLimit: TextLimit, Count: TextLength,
		SignIn: network.SignInLoopback,
		Keys: &network.Keys{IDKey: "x.client_id", SecretKey: "x.client_secret",
			IDLabel: "OAuth 2.0 Client ID", SecretLabel: "Client Secret (Web App type only)",
			NeedsSecret: NeedsSecret, RedirectPort: RedirectPort, DefaultRedirectURI: RedirectURI,
			PortalURL: "https://developer.x.com/en/portal/dashboard", PortalName: "X"},
		Web: DefaultEndpoints.WebBase,
		Setup: "In the X developer portal, open your Project's App, choose User authentication settings: OAuth 2.0, " +
			"type Native App, permissions Read and write, and add the callback URI below. Copy the OAuth 2.0 Client ID " +
			"(a Client Secret only exists for the Web App type; leave it empty for a Native App).",
		Life: "Access lasts 2 hours and SocialOmm renews it by itself while it runs; the connection lasts the " +
			"connection lifespan in Settings → Connections (90 days unless changed).",
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

// EndpointsAt are X's endpoints with every host at base (a test server
// with X's paths).
func EndpointsAt(base string) Endpoints {
	return Endpoints{AuthURL: base + "/i/oauth2/authorize", TokenURL: base + "/2/oauth2/token",
		RevokeURL: base + "/2/oauth2/revoke", APIBase: base, WebBase: DefaultEndpoints.WebBase}
}

// BeginLoopback starts a sign-in that comes back on X's registered port.
func (a *Adapter) BeginLoopback(_ context.Context, req network.SignInRequest) (network.LoopbackAttempt, error) {
	port := RedirectPort
	if req.Port != 0 {
		port = req.Port
	}
	return oauthnet.Loopback{Title: Title, Web: DefaultEndpoints.WebBase, RedirectPort: port, Keys: req.Keys,
		Config: a.OAuthConfig, Done: a.Finish}, nil
}

// Discard gives back a grant that came back as another profile.
func (a *Adapter) Discard(ctx context.Context, acct account.Account, creds network.Credentials) error {
	return a.Revoke(ctx, acct, creds)
}

// RenewalRefused: X answers a bare 401 "Unauthorized" whatever happened.
// An access token refused before its end together with a refresh token
// refused too means the whole grant was ended at X.
func (a *Adapter) RenewalRefused(reason account.Reason, creds network.Credentials, err error, now time.Time) error {
	if network.ReasonOf(err) == account.ReasonNone || reason != account.ReasonInvalid || !now.Before(creds.Expiry) {
		return nil
	}
	return &network.LostAccessError{Reason: account.ReasonRevoked,
		Message: "X refused SocialOmm's access before it ran out, and its renewal too: SocialOmm was removed in X's settings " +
			"(Security and account access → Apps and sessions → Connected apps), or the account is gone"}
}

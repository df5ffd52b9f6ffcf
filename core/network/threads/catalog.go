package threads

import (
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// Title is how people write the network.
const Title = "Threads"

// Entry is Threads's entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "threads.svg",
		TextLimit: TextLimit, Count: network.Runes,
		SignIn: network.SignInPaste,
		Keys: &network.Keys{IDKey: "threads.app_id", SecretKey: "threads.app_secret", RedirectKey: "threads.redirect_uri",
			IDLabel: "Threads app ID", SecretLabel: "Threads app secret",
			NeedsSecret: NeedsSecret, DefaultRedirectURI: oauthnet.PasteRedirectURI,
			PortalURL: "https://developers.facebook.com/apps", PortalName: "Meta"},
		Web: "https://www.threads.net",
		Setup: "Create an app on Meta for Developers with the Access the Threads API use case, add the redirect URI " +
			"below to its Redirect Callback URLs, and copy the Threads app ID and secret.",
		Life: "60 days, renewed by SocialOmm once a day while it checks the connection, up to the connection " +
			"lifespan in Settings → Connections.",

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

// EndpointsAt are Threads's endpoints with every host at base (a test server
// with Threads's paths).
func EndpointsAt(base string) Endpoints {
	return Endpoints{AuthURL: base + "/oauth/authorize", TokenURL: base + "/oauth/access_token",
		GraphBase: base, WebBase: DefaultEndpoints.WebBase}
}

// PasteConfig is the sign-in configuration for redirectURI.
func (a *Adapter) PasteConfig(keys network.ClientKeys, redirectURI string) *oauth2.Config {
	return a.OAuthConfig(oauthnet.KeysOf(keys), redirectURI)
}

// RefreshDueAtCheck: a check renews the long-lived token once it is a day
// old (each renewal gives 60 days from then).
func (a *Adapter) RefreshDueAtCheck(creds network.Credentials, now time.Time) bool {
	return RefreshDue(creds, now)
}

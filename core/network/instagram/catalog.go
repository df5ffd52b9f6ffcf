package instagram

import (
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// Title is how people write the network.
const Title = "Instagram"

// Entry is Instagram's entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "instagram.svg",
		TextLimit: TextLimit, Count: network.Runes,
		SignIn: network.SignInPaste,
		Keys: &network.Keys{IDKey: "instagram.app_id", SecretKey: "instagram.app_secret", RedirectKey: "instagram.redirect_uri",
			IDLabel: "Instagram app ID", SecretLabel: "Instagram app secret",
			NeedsSecret: NeedsSecret, DefaultRedirectURI: oauthnet.PasteRedirectURI,
			PortalURL: "https://developers.facebook.com/apps", PortalName: "Meta"},
		Web: "https://www.instagram.com",
		Setup: "Create an app on Meta for Developers with the Instagram product (API setup with Instagram login), " +
			"add the redirect URI below under Business login settings, and copy the Instagram app ID and secret. " +
			"Your Instagram account must be a professional (business or creator) account.",
		Life: "60 days, renewed by SocialOmm once a day while it checks the connection, up to the connection " +
			"lifespan in Settings → Connections.",
		Note: Note,
		ConnectHelp: "                               Instagram takes no text-only posts: posting needs an image, which SocialOmm\n" +
			"                               cannot attach yet\n",
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

// EndpointsAt are Instagram's endpoints with every host at base (a test server
// with Instagram's paths).
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

// Note is what Instagram connections must say wherever they are offered:
// every Instagram post needs an image.
const Note = "Instagram takes no text-only posts: every post needs an image or a video, and Compose sends text only for now, " +
	"so scheduled posts to Instagram will fail with that reason. Connecting still keeps the profile watched."

package facebook

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// Title is how people write the network: SocialOmm connects Pages only.
const Title = "Facebook Pages"

// Entry is Facebook Pages' entry in the network catalog.
func Entry() network.Entry {
	return network.Entry{
		Name: NetworkName, Title: Title, Icon: "facebook.svg",
		TextLimit: TextLimit, Count: network.Runes,
		SignIn: network.SignInPaste,
		Keys: &network.Keys{IDKey: "facebook.app_id", SecretKey: "facebook.app_secret", RedirectKey: "facebook.redirect_uri",
			IDLabel: "App ID", SecretLabel: "App Secret",
			NeedsSecret: NeedsSecret, DefaultRedirectURI: oauthnet.PasteRedirectURI,
			PortalURL: "https://developers.facebook.com/apps", PortalName: "Meta"},
		Web: DefaultEndpoints.WebBase,
		Setup: "Create an app on Meta for Developers with Facebook Login, add the redirect URI below to its Valid OAuth " +
			"Redirect URIs, and ask for pages_show_list, pages_manage_posts and pages_read_engagement. Copy the App ID " +
			"and App Secret (App settings → Basic).",
		Life: "Never expires: a Page stays connected until SocialOmm is removed in Facebook's settings or you " +
			"lose your role on the Page.",
		ConnectArgs:  " [--page ID]",
		ChoiceUsage:  "the id of the Facebook Page to connect",
		ConnectHelp:  "                               --page ID picks the Page; a single Page is picked by itself, several are listed\n",
		NeverExpires: NeverExpires,
		// One Facebook login manages many Pages, and SocialOmm keeps no
		// id of that login: all Pages form one group.
		SignInGroup: func(string, string) string { return NetworkName },
		New: func(d network.Deps) network.Adapter {
			opts := []Option{WithClock(d.Clock), WithKeys(oauthnet.KeysFrom(d.Keys))}
			if d.Base != "" {
				opts = append(opts, WithEndpoints(EndpointsAt(d.Base)))
			}
			return New(d.HTTP, opts...)
		},
	}
}

// EndpointsAt are Facebook's endpoints with every host at base (a test
// server with Facebook's paths).
func EndpointsAt(base string) Endpoints {
	return Endpoints{AuthURL: base + "/" + DefaultVersion + "/dialog/oauth",
		GraphBase: base + "/" + DefaultVersion, WebBase: DefaultEndpoints.WebBase}
}

// PasteConfig is the sign-in configuration for redirectURI.
func (a *Adapter) PasteConfig(keys network.ClientKeys, redirectURI string) *oauth2.Config {
	return a.OAuthConfig(oauthnet.KeysOf(keys), redirectURI)
}

// Choices are the Pages the person manages.
func (a *Adapter) Choices(ctx context.Context, user network.Profile, creds network.Credentials) ([]network.Choice, error) {
	pages, err := a.Pages(ctx, creds.AccessToken)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("you signed in to Facebook as %s, who manages no Pages that SocialOmm was allowed to see. "+
			"SocialOmm posts to Pages only: sign in again and tick your Pages when Facebook asks which ones to share", user.DisplayName)
	}
	out := make([]network.Choice, len(pages))
	for i, p := range pages {
		out[i] = network.Choice{ID: p.ID, Name: p.Name, Category: p.Category, CanPost: p.CanPost(),
			Profile: p.Profile(), Credentials: p.Credentials(), Tasks: p.Tasks}
	}
	return out, nil
}

// NotManaged: the person who signed in does not manage the Page.
func (a *Adapter) NotManaged(want string, user network.Profile) string {
	return fmt.Sprintf("you signed in to Facebook as %s, who does not manage the Page %s. Nothing was changed. "+
		"Log out of Facebook in your browser, then choose Update again and sign in as someone who manages %s, "+
		"and tick it when Facebook asks which Pages to share.", user.DisplayName, want, want)
}

// Pick finds the Page with id, which the person's role must let them post on.
func (a *Adapter) Pick(choices []network.Choice, user network.Profile, id string) (network.Choice, error) {
	for _, c := range choices {
		if c.ID != id {
			continue
		}
		if !c.CanPost {
			return c, fmt.Errorf("your role on %s does not allow posting (Facebook lists only %s for you); "+
				"ask a Page admin for content access, then connect again", c.Name, strings.Join(c.Tasks, ", "))
		}
		return c, nil
	}
	var names []string
	for _, c := range choices {
		names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.ID))
	}
	return network.Choice{}, fmt.Errorf("%s does not manage a Page with the id %q; the Pages are: %s",
		user.DisplayName, id, strings.Join(names, ", "))
}

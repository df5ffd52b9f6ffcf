// Package facebook connects SocialOmm to Facebook Pages with the person's
// own app keys: Facebook Login (the manual flow,
// https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow),
// a long-lived user token
// (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived),
// and from it one Page access token per Page, which does not expire
// ("Page access tokens ... obtained from a long-lived User access token
// have no expiration date", same page). SocialOmm keeps one account per
// Page, chosen after the sign-in.
//
// Connecting: Meta refuses a loopback redirect (exact https redirect URIs
// only, see oauthnet.PasteRedirectURI), so the person registers an https
// redirect URI and pastes the address the browser ends on:
//
//  1. cfg := facebook.OAuthConfig(keys, keys.RedirectURI or oauthnet.PasteRedirectURI)
//  2. flow, _ := oauthnet.NewManualFlow(cfg); open flow.AuthCodeURL()
//  3. the person pastes the final address: code, err := flow.Code(pasted)
//  4. tok, err := flow.Exchange(ctx, client, "Facebook", code, now)
//  5. user, userCreds, err := adapter.Finish(ctx, tok) (long-lived user token)
//  6. pages, err := adapter.Pages(ctx, userCreds.AccessToken): the chooser
//  7. for each chosen Page: page.Profile(), page.Credentials() (never expire)
//
// The user token itself is only needed for step 6; it may be kept to list
// Pages again later (60 days).
package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// NetworkName is the key stored in account.Network.
const NetworkName = "facebook"

const displayName = "Facebook"

// TextLimit is a post's text limit: 63,206 characters. Meta's Graph API
// reference states no limit for /{page-id}/feed's message; this is the
// long-standing figure for Facebook posts that third parties measure and
// cite (e.g. https://ferryman.io/character-limits/facebook). Facebook's own
// refusal, if it ever differs, comes back as a *oauthnet.RejectedError.
const TextLimit = 63206

// Scopes: list the person's Pages, post to them, and read them (which
// pages_manage_posts requires alongside).
const Scopes = "pages_show_list pages_manage_posts pages_read_engagement"

// NeedsSecret: the code exchange and the long-lived exchange send the app
// secret.
const NeedsSecret = true

// NeverExpires: a Page connection does not expire. Credentials from
// Page.Credentials have zero Expiry and ConnectionExpiry; the engine shows
// "Never expires" and skips the app-wide lifespan cap for this network.
const NeverExpires = true

// DefaultVersion is the Graph API version in every path. Meta supports a
// version for about two years: update it with the app.
const DefaultVersion = "v23.0"

// Endpoints are where Facebook answers. Tests point them at local servers.
type Endpoints struct {
	// AuthURL is the Login dialog (https://www.facebook.com/vXX.0/dialog/oauth).
	AuthURL string
	// GraphBase is the versioned Graph root (https://graph.facebook.com/vXX.0).
	GraphBase string
	// WebBase is where Pages and posts are shown.
	WebBase string
}

// DefaultEndpoints are Facebook's real hosts.
var DefaultEndpoints = Endpoints{
	AuthURL:   "https://www.facebook.com/" + DefaultVersion + "/dialog/oauth",
	GraphBase: "https://graph.facebook.com/" + DefaultVersion,
	WebBase:   "https://www.facebook.com",
}

// TokenURL is the Graph /oauth/access_token endpoint.
func (e Endpoints) TokenURL() string {
	return strings.TrimRight(e.GraphBase, "/") + "/oauth/access_token"
}

// OAuthConfig is the Login configuration with DefaultEndpoints.
func OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return DefaultEndpoints.OAuthConfig(keys, redirectURI)
}

// OAuthConfig is the Login configuration at e. The scope goes as one
// comma-separated value, the form Meta's documents show.
func (e Endpoints) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return oauthnet.MetaOAuthConfig(keys, redirectURI, e.AuthURL, e.TokenURL(), Scopes)
}

// Option changes an Adapter's defaults.
type Option func(*Adapter)

// WithClock sets the clock for expiry dates and waits.
func WithClock(c clock.Clock) Option { return func(a *Adapter) { a.clock = c } }

// WithEndpoints points the adapter at other hosts (tests).
func WithEndpoints(e Endpoints) Option { return func(a *Adapter) { a.ep = e } }

// WithKeys tells the adapter how to find the person's app keys (Finish's
// long-lived exchange).
func WithKeys(f oauthnet.KeysFunc) Option { return func(a *Adapter) { a.keys = f } }

// Adapter is the Facebook Pages network.Adapter. Page tokens never expire
// and cannot be refreshed, so it is no network.Refresher.
type Adapter struct {
	client *http.Client
	clock  clock.Clock
	ep     Endpoints
	keys   oauthnet.KeysFunc
}

var _ network.Adapter = (*Adapter)(nil)

// New returns an Adapter using client (a client with a 30 s timeout if nil).
func New(client *http.Client, opts ...Option) *Adapter {
	if client == nil {
		client = oauthnet.DefaultClient()
	}
	a := &Adapter{client: client, clock: clock.Real{}, ep: DefaultEndpoints}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name is "facebook".
func (a *Adapter) Name() string { return NetworkName }

// Endpoints are the hosts this adapter talks to.
func (a *Adapter) Endpoints() Endpoints { return a.ep }

// OAuthConfig is the Login configuration at this adapter's endpoints.
func (a *Adapter) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return a.ep.OAuthConfig(keys, redirectURI)
}

func (a *Adapter) graph() oauthnet.GraphClient {
	return oauthnet.GraphClient{HTTP: a.client, Network: displayName, Base: a.ep.GraphBase, Classify: Classify, Now: a.clock.Now}
}

// Finish trades the sign-in's short-lived user token for a long-lived one
// (grant_type=fb_exchange_token) and says whose it is (GET /me). The
// credentials are the person's user token, 60 days: use them with Pages
// to make the Page accounts, whose tokens never expire.
func (a *Adapter) Finish(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error) {
	return oauthnet.Finish(ctx, displayName, tok, a.longLived, a.user)
}

// longLived trades the sign-in's user token for a long-lived one.
func (a *Adapter) longLived(ctx context.Context, t oauthnet.Token) (network.Credentials, error) {
	keys, err := a.keys.Lookup(ctx, displayName, NeedsSecret)
	if err != nil {
		return network.Credentials{}, err
	}
	form := url.Values{
		"grant_type": {"fb_exchange_token"}, "client_id": {keys.ClientID},
		"client_secret": {keys.ClientSecret}, "fb_exchange_token": {t.AccessToken},
	}
	return oauthnet.LongLived(ctx, a.client, displayName, a.ep.TokenURL(), form, a.clock.Now)
}

// user says who signed in, with GET /me and the user token.
func (a *Adapter) user(ctx context.Context, _ account.Account, creds network.Credentials) (network.Profile, error) {
	id, name, err := a.me(ctx, creds.AccessToken, "who signed in")
	if err != nil {
		return network.Profile{}, err
	}
	return network.Profile{RemoteID: id, Handle: name, DisplayName: name}, nil
}

// me asks GET /me (id and name) with token: the person with a user token,
// the Page with a Page token. what names the answer if it cannot be read.
func (a *Adapter) me(ctx context.Context, token, what string) (id, name string, err error) {
	rep, err := a.graph().Get(ctx, "/me", url.Values{"fields": {"id,name"}}, token)
	if err != nil {
		return "", "", err
	}
	var me struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if json.Unmarshal(rep.Body, &me) != nil || me.ID == "" {
		return "", "", oauthnet.Malformed(displayName, what)
	}
	return me.ID, me.Name, nil
}

// Page is one Facebook Page the person manages, with its Page token.
type Page struct {
	ID       string
	Name     string
	Category string
	// Tasks are the person's roles on the Page ("CREATE_CONTENT", "MANAGE", ...).
	Tasks []string
	// PictureURL is the Page's picture, when Facebook gave one.
	PictureURL  string
	accessToken string
}

// CanPost reports whether the person may publish on the Page
// (CREATE_CONTENT or MANAGE task).
func (p Page) CanPost() bool {
	return slices.Contains(p.Tasks, "CREATE_CONTENT") || slices.Contains(p.Tasks, "MANAGE")
}

// Profile is the Page as the account row shows it.
func (p Page) Profile() network.Profile {
	return network.Profile{
		RemoteID: p.ID, Handle: p.Name, DisplayName: p.Name, AvatarURL: p.PictureURL,
		ProfileURL: "https://www.facebook.com/" + p.ID,
	}
}

// Credentials are the Page token: no expiry (NeverExpires).
func (p Page) Credentials() network.Credentials {
	return network.Credentials{AccessToken: p.accessToken}
}

// String never shows the token.
func (p Page) String() string { return fmt.Sprintf("%s (%s)", p.Name, p.ID) }

// MaxPages bounds how many Pages Pages lists (and how many result pages it
// follows).
const MaxPages = 1000

// Pages lists the Pages the person manages, with their Page tokens, from
// GET /me/accounts with the long-lived user token, following Facebook's
// paging. The person chooses which become accounts; CanPost tells which
// allow posting.
func (a *Adapter) Pages(ctx context.Context, userToken string) ([]Page, error) {
	g := a.graph()
	rep, err := g.Get(ctx, "/me/accounts", url.Values{"fields": {"id,name,category,tasks,access_token,picture{url}"}, "limit": {"100"}}, userToken)
	var out []Page
	for {
		if err != nil {
			return nil, err
		}
		var j struct {
			Data []struct {
				ID          string   `json:"id"`
				Name        string   `json:"name"`
				Category    string   `json:"category"`
				Tasks       []string `json:"tasks"`
				AccessToken string   `json:"access_token"`
				Picture     struct {
					Data struct {
						URL string `json:"url"`
					} `json:"data"`
				} `json:"picture"`
			} `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if json.Unmarshal(rep.Body, &j) != nil {
			return nil, oauthnet.Malformed(displayName, "the list of your Pages")
		}
		for _, d := range j.Data {
			if d.ID == "" || d.AccessToken == "" {
				continue
			}
			out = append(out, Page{ID: d.ID, Name: d.Name, Category: d.Category, Tasks: d.Tasks,
				PictureURL: d.Picture.Data.URL, accessToken: d.AccessToken})
		}
		if j.Paging.Next == "" || len(out) >= MaxPages || len(j.Data) == 0 {
			return out, nil
		}
		rep, err = g.GetURL(ctx, j.Paging.Next, userToken)
	}
}

// Verify checks a Page token with GET /me, which answers the Page.
func (a *Adapter) Verify(ctx context.Context, _ account.Account, creds network.Credentials) (network.Profile, error) {
	id, name, err := a.me(ctx, creds.AccessToken, "the Page's details")
	if err != nil {
		return network.Profile{}, err
	}
	return network.Profile{RemoteID: id, Handle: name, DisplayName: name,
		ProfileURL: strings.TrimRight(a.ep.WebBase, "/") + "/" + id}, nil
}

// Publish posts text on the Page (acct.RemoteID) with POST
// /{page-id}/feed. Facebook honours no idempotency key: when the request
// went out and no clear answer came back, the error Is
// oauthnet.ErrOutcomeUnknown.
func (a *Adapter) Publish(ctx context.Context, acct account.Account, creds network.Credentials, text, _ string) (network.Published, error) {
	if err := oauthnet.CheckText(displayName, text, TextLimit); err != nil {
		return network.Published{}, err
	}
	if acct.RemoteID == "" {
		return network.Published{}, errors.New("cannot post to Facebook: the Page's id is not known")
	}
	rep, written, err := a.graph().Post(ctx, "/"+url.PathEscape(acct.RemoteID)+"/feed", url.Values{"message": {text}}, creds.AccessToken)
	if err != nil {
		return network.Published{}, oauthnet.AfterSend(err, written)
	}
	var j struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(rep.Body, &j) != nil || j.ID == "" {
		return network.Published{}, oauthnet.OutcomeUnknown(oauthnet.Malformed(displayName, "the post it created"))
	}
	return network.Published{RemoteID: j.ID, URL: strings.TrimRight(a.ep.WebBase, "/") + "/" + url.PathEscape(j.ID)}, nil
}

// Revoke: a Page token cannot be revoked on its own. Facebook's revocation
// (DELETE /{user-id}/permissions with the user token) removes SocialOmm
// from every Page of the person at once, so SocialOmm does not do it for
// one Page; the person removes the app under Settings > Business
// integrations on Facebook.
func (a *Adapter) Revoke(context.Context, account.Account, network.Credentials) error {
	return fmt.Errorf("Facebook: %w for a single Page; remove the app under Settings > Business integrations on Facebook", network.ErrRevokeUnsupported)
}

// Classify turns one Graph API answer into the app's error words; see
// oauthnet.ClassifyGraph (code 190 subcodes 460 password_changed, 463
// expired, 467 invalid, 458 revoked, 459 checkpoint; 10/200 scope_lost;
// 4/17/32/613 rate limits). It is pure.
func Classify(status int, header http.Header, body []byte, now time.Time) error {
	if header == nil {
		header = http.Header{}
	}
	return oauthnet.ClassifyGraph(displayName, status, header, body, now)
}

// Package threads connects SocialOmm to Threads with the person's own app
// keys: the Threads authorization window and token exchange
// (https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions),
// 60-day long-lived tokens refreshed once at least 24 hours old
// (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens),
// and text posts in two steps, a TEXT container then its publication
// (https://developers.facebook.com/docs/threads/posts).
//
// Connecting: Meta refuses a loopback redirect (see
// oauthnet.PasteRedirectURI), so the person registers an https redirect URI
// in the App Dashboard and pastes the address the browser ends on:
//
//  1. cfg := threads.OAuthConfig(keys, keys.RedirectURI or oauthnet.PasteRedirectURI)
//  2. flow, _ := oauthnet.NewManualFlow(cfg); open flow.AuthCodeURL()
//  3. code, err := flow.Code(pasted) (Threads appends "#_"; it is dropped)
//  4. tok, err := flow.Exchange(ctx, client, "Threads", code, now)
//  5. profile, creds, err := adapter.Finish(ctx, tok): the long-lived token
package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// NetworkName is the key stored in account.Network.
const NetworkName = "threads"

const displayName = "Threads"

// TextLimit: "Text posts are limited to 500 characters"
// (https://developers.facebook.com/docs/threads/posts). Characters are
// counted as code points here; publishers report that Threads counts an
// emoji by its UTF-8 length, which Meta's page does not say, so a text near
// the limit with many emoji may still be refused by Threads (its words then
// come back in a *oauthnet.RejectedError).
const TextLimit = 500

// Scopes: the profile, and publishing.
const Scopes = "threads_basic threads_content_publish"

// NeedsSecret: the code exchange and the long-lived exchange send the app
// secret.
const NeedsSecret = true

// NeverExpires: Threads connections end unless refreshed (60-day tokens).
const NeverExpires = false

// DefaultVersion is the Threads Graph API version of API paths.
const DefaultVersion = "v1.0"

// Endpoints are where Threads answers. Tests point them at local servers.
type Endpoints struct {
	AuthURL  string
	TokenURL string
	// GraphBase is the unversioned root (/access_token,
	// /refresh_access_token); API paths go under GraphBase/Version.
	GraphBase string
	Version   string
	WebBase   string
}

// DefaultEndpoints are Threads' real hosts.
var DefaultEndpoints = Endpoints{
	AuthURL:   "https://threads.net/oauth/authorize",
	TokenURL:  "https://graph.threads.net/oauth/access_token",
	GraphBase: "https://graph.threads.net",
	Version:   DefaultVersion,
	WebBase:   "https://www.threads.net",
}

// OAuthConfig is the sign-in configuration with DefaultEndpoints.
func OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return DefaultEndpoints.OAuthConfig(keys, redirectURI)
}

// OAuthConfig is the configuration at e; the scope goes comma-separated.
func (e Endpoints) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return oauthnet.MetaOAuthConfig(keys, redirectURI, e.AuthURL, e.TokenURL, Scopes)
}

// Option changes an Adapter's defaults.
type Option func(*Adapter)

// WithClock sets the clock for expiry dates, refresh timing and waits.
func WithClock(c clock.Clock) Option { return func(a *Adapter) { a.clock = c } }

// WithEndpoints points the adapter at other hosts (tests).
func WithEndpoints(e Endpoints) Option { return func(a *Adapter) { a.ep = e } }

// WithKeys tells the adapter how to find the person's app keys (Finish).
func WithKeys(f oauthnet.KeysFunc) Option { return func(a *Adapter) { a.keys = f } }

// Adapter is the Threads network.Adapter and network.Refresher.
type Adapter struct {
	client *http.Client
	clock  clock.Clock
	ep     Endpoints
	keys   oauthnet.KeysFunc
}

var (
	_ network.Adapter   = (*Adapter)(nil)
	_ network.Refresher = (*Adapter)(nil)
)

// New returns an Adapter using client (a client with a 30 s timeout if nil).
func New(client *http.Client, opts ...Option) *Adapter {
	if client == nil {
		client = oauthnet.DefaultClient()
	}
	a := &Adapter{client: client, clock: clock.Real{}, ep: DefaultEndpoints}
	for _, o := range opts {
		o(a)
	}
	if a.ep.Version == "" {
		a.ep.Version = DefaultVersion
	}
	return a
}

// Name is "threads".
func (a *Adapter) Name() string { return NetworkName }

// Endpoints are the hosts this adapter talks to.
func (a *Adapter) Endpoints() Endpoints { return a.ep }

// OAuthConfig is the sign-in configuration at this adapter's endpoints.
func (a *Adapter) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return a.ep.OAuthConfig(keys, redirectURI)
}

func (a *Adapter) api() oauthnet.GraphClient {
	return oauthnet.GraphClient{HTTP: a.client, Network: displayName,
		Base: strings.TrimRight(a.ep.GraphBase, "/") + "/" + a.ep.Version, Classify: Classify, Now: a.clock.Now}
}

// tokens are Threads' long-lived tokens: "th_exchange_token" and
// "th_refresh_token" at the unversioned Graph root.
func (a *Adapter) tokens() oauthnet.LongLivedGraph {
	return oauthnet.LongLivedGraph{HTTP: a.client, Network: displayName, Base: a.ep.GraphBase, Prefix: "th", Keys: a.keys, Now: a.clock.Now}
}

// Finish trades the sign-in's short-lived token for a long-lived one (GET
// /access_token?grant_type=th_exchange_token) and says whose it is.
// Expiry and ConnectionExpiry are 60 days away (expires_in).
func (a *Adapter) Finish(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error) {
	return a.tokens().Finish(ctx, tok, a.Verify)
}

// RefreshDue reports whether creds may be refreshed at now (the long-lived
// token is at least 24 hours old).
func RefreshDue(creds network.Credentials, now time.Time) bool {
	return oauthnet.RefreshDue(oauthnet.LongLivedIssuedAt(creds), now)
}

// Refresh renews the long-lived token with GET
// /refresh_access_token?grant_type=th_refresh_token: 60 days from now.
// While the token is under 24 hours old, Refresh returns creds unchanged
// and asks nothing.
func (a *Adapter) Refresh(ctx context.Context, _ account.Account, creds network.Credentials) (network.Credentials, error) {
	return a.tokens().Refresh(ctx, creds)
}

// Verify checks the token with GET /me and says whose it is.
func (a *Adapter) Verify(ctx context.Context, _ account.Account, creds network.Credentials) (network.Profile, error) {
	rep, err := a.api().Get(ctx, "/me", url.Values{"fields": {"id,username,name,threads_profile_picture_url"}}, creds.AccessToken)
	if err != nil {
		return network.Profile{}, err
	}
	var me struct {
		ID       json.Number `json:"id"`
		Username string      `json:"username"`
		Name     string      `json:"name"`
		Picture  string      `json:"threads_profile_picture_url"`
	}
	dec := json.NewDecoder(strings.NewReader(string(rep.Body)))
	dec.UseNumber()
	if dec.Decode(&me) != nil || me.ID == "" || me.Username == "" {
		return network.Profile{}, oauthnet.Malformed(displayName, "the profile it sent")
	}
	name := strings.TrimSpace(me.Name)
	if name == "" {
		name = me.Username
	}
	return network.Profile{
		RemoteID: me.ID.String(), Handle: "@" + me.Username, DisplayName: name, AvatarURL: me.Picture,
		ProfileURL: strings.TrimRight(a.ep.WebBase, "/") + "/@" + url.PathEscape(me.Username),
	}, nil
}

// Publish posts text in two steps: a TEXT container (POST
// /{threads-user-id}/threads, media_type=TEXT), then POST
// /{threads-user-id}/threads_publish. A failure at the first step posted
// nothing; one after the publish request went out may have (the error Is
// oauthnet.ErrOutcomeUnknown). The link is the post's permalink when
// Threads gives it.
func (a *Adapter) Publish(ctx context.Context, acct account.Account, creds network.Credentials, text, _ string) (network.Published, error) {
	if err := oauthnet.CheckText(displayName, text, TextLimit); err != nil {
		return network.Published{}, err
	}
	if acct.RemoteID == "" {
		return network.Published{}, errors.New("cannot post to Threads: the account's id is not known (check the account first)")
	}
	user := "/" + url.PathEscape(acct.RemoteID)
	return a.api().PublishContainer(ctx, creds.AccessToken, oauthnet.Container{
		Path: user + "/threads", Form: url.Values{"media_type": {"TEXT"}, "text": {text}},
		What: "the post it prepared", PublishPath: user + "/threads_publish",
	})
}

// Revoke: the Threads API has no revocation endpoint; the person removes
// the app in Threads' settings (Account > Website permissions).
func (a *Adapter) Revoke(context.Context, account.Account, network.Credentials) error {
	return fmt.Errorf("Threads: %w; remove the app in Threads under Settings > Account > Website permissions", network.ErrRevokeUnsupported)
}

// Classify turns one Threads Graph answer into the app's error words; see
// oauthnet.ClassifyGraph (code 190 subcodes, 10/200 scope_lost,
// 4/17/32/613 rate limits). It is pure.
func Classify(status int, header http.Header, body []byte, now time.Time) error {
	if header == nil {
		header = http.Header{}
	}
	return oauthnet.ClassifyGraph(displayName, status, header, body, now)
}

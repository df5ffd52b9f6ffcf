// Package instagram connects SocialOmm to Instagram professional accounts
// with the person's own app keys, through the Instagram API with Instagram
// Login (Business Login,
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login).
//
// Instagram does not take text-only posts: every post is an image, a video
// or a carousel, with the text as its caption
// (https://developers.facebook.com/docs/instagram-platform/content-publishing).
// SocialOmm's choice: Publish (text only, the network.Adapter method)
// refuses at once with ErrNeedsMedia and sends nothing; PublishImage posts
// a caption with an image the network can fetch from a public https URL,
// in the documented two steps (POST /{ig-user-id}/media makes a container,
// POST /{ig-user-id}/media_publish publishes it).
//
// Connecting: Meta refuses a loopback redirect (see
// oauthnet.PasteRedirectURI), so the person registers an https redirect URI
// in the App Dashboard and pastes the address the browser ends on:
//
//  1. cfg := instagram.OAuthConfig(keys, keys.RedirectURI or oauthnet.PasteRedirectURI)
//  2. flow, _ := oauthnet.NewManualFlow(cfg); open flow.AuthCodeURL()
//  3. code, err := flow.Code(pasted) (Instagram appends "#_"; it is dropped)
//  4. tok, err := flow.Exchange(ctx, client, "Instagram", code, now)
//  5. profile, creds, err := adapter.Finish(ctx, tok): the long-lived token
//
// Life: the long-lived token lasts 60 days and can be refreshed once it is
// at least 24 hours old; a refreshed token lasts 60 days from the refresh
// (https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// NetworkName is the key stored in account.Network.
const NetworkName = "instagram"

const displayName = "Instagram"

// TextLimit is the caption limit: 2,200 characters
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media:
// caption, "Maximum 2200 characters, 30 hashtags, and 20 @ tags").
const TextLimit = 2200

// Scopes: the profile, and content publishing.
const Scopes = "instagram_business_basic instagram_business_content_publish"

// NeedsSecret: the code exchange and the long-lived exchange send the app
// secret.
const NeedsSecret = true

// NeverExpires: Instagram connections end unless refreshed (60-day tokens).
const NeverExpires = false

// DefaultVersion is the Graph API version of API paths.
const DefaultVersion = "v23.0"

// ErrNeedsMedia: Instagram takes no text-only post.
var ErrNeedsMedia = errors.New("Instagram does not take text-only posts: a post needs an image or a video, with the text as its caption")

// Endpoints are where Instagram answers. Tests point them at local servers.
type Endpoints struct {
	// AuthURL is the authorization window.
	AuthURL string
	// TokenURL exchanges the code for a short-lived token.
	TokenURL string
	// GraphBase is the unversioned Graph root (/access_token,
	// /refresh_access_token); API paths go under GraphBase/Version.
	GraphBase string
	Version   string
	// WebBase is where profiles are shown.
	WebBase string
}

// DefaultEndpoints are Instagram's real hosts.
var DefaultEndpoints = Endpoints{
	AuthURL:   "https://www.instagram.com/oauth/authorize",
	TokenURL:  "https://api.instagram.com/oauth/access_token",
	GraphBase: "https://graph.instagram.com",
	Version:   DefaultVersion,
	WebBase:   "https://www.instagram.com",
}

// OAuthConfig is the Business Login configuration with DefaultEndpoints.
func OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return DefaultEndpoints.OAuthConfig(keys, redirectURI)
}

// OAuthConfig is the configuration at e; the scope goes comma-separated,
// as the authorization window's reference shows.
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

// Adapter is the Instagram network.Adapter and network.Refresher.
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

// Name is "instagram".
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

// tokens are Instagram's long-lived tokens: "ig_exchange_token" and
// "ig_refresh_token" at the unversioned Graph root.
func (a *Adapter) tokens() oauthnet.LongLivedGraph {
	return oauthnet.LongLivedGraph{HTTP: a.client, Network: displayName, Base: a.ep.GraphBase, Prefix: "ig", Keys: a.keys, Now: a.clock.Now}
}

// Finish trades the sign-in's short-lived token (1 hour) for a long-lived
// one (GET /access_token?grant_type=ig_exchange_token) and says whose it is.
// Expiry and ConnectionExpiry are 60 days away (expires_in).
func (a *Adapter) Finish(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error) {
	return a.tokens().Finish(ctx, tok, a.Verify)
}

// RefreshDue reports whether creds may be refreshed at now: the long-lived
// token is at least 24 hours old (its issue time estimated from its expiry,
// oauthnet.LongLivedIssuedAt).
func RefreshDue(creds network.Credentials, now time.Time) bool {
	return oauthnet.RefreshDue(oauthnet.LongLivedIssuedAt(creds), now)
}

// Refresh renews the long-lived token with GET
// /refresh_access_token?grant_type=ig_refresh_token: 60 days from now.
// While the token is under 24 hours old (RefreshDue), Instagram would
// refuse: Refresh then returns creds unchanged and asks nothing.
func (a *Adapter) Refresh(ctx context.Context, _ account.Account, creds network.Credentials) (network.Credentials, error) {
	return a.tokens().Refresh(ctx, creds)
}

// Verify checks the token with GET /me and says whose it is. RemoteID is
// the professional account's user_id, the id content publishing uses.
func (a *Adapter) Verify(ctx context.Context, _ account.Account, creds network.Credentials) (network.Profile, error) {
	rep, err := a.api().Get(ctx, "/me", url.Values{"fields": {"user_id,username,name,profile_picture_url"}}, creds.AccessToken)
	if err != nil {
		return network.Profile{}, err
	}
	var me struct {
		ID       json.Number `json:"id"`
		UserID   json.Number `json:"user_id"`
		Username string      `json:"username"`
		Name     string      `json:"name"`
		Picture  string      `json:"profile_picture_url"`
	}
	dec := json.NewDecoder(strings.NewReader(string(rep.Body)))
	dec.UseNumber()
	if dec.Decode(&me) != nil || (me.UserID == "" && me.ID == "") || me.Username == "" {
		return network.Profile{}, oauthnet.Malformed(displayName, "the profile it sent")
	}
	id := me.UserID.String()
	if id == "" {
		id = me.ID.String()
	}
	name := strings.TrimSpace(me.Name)
	if name == "" {
		name = me.Username
	}
	return network.Profile{
		RemoteID: id, Handle: "@" + me.Username, DisplayName: name, AvatarURL: me.Picture,
		ProfileURL: strings.TrimRight(a.ep.WebBase, "/") + "/" + url.PathEscape(me.Username) + "/",
	}, nil
}

// Publish cannot post text alone on Instagram: it returns a
// *oauthnet.RejectedError that Is ErrNeedsMedia and sends nothing. Use
// PublishImage.
func (a *Adapter) Publish(context.Context, account.Account, network.Credentials, string, string) (network.Published, error) {
	return network.Published{}, &oauthnet.RejectedError{Network: displayName, Message: ErrNeedsMedia.Error(), Err: ErrNeedsMedia}
}

// PublishImage posts an image with caption, in Instagram's two steps: a
// container (POST /{ig-user-id}/media with image_url and caption), then
// POST /{ig-user-id}/media_publish. imageURL must be a public https JPEG
// Instagram can fetch. A failure at the first step posted nothing; one
// after the second request went out may have posted (the error Is
// oauthnet.ErrOutcomeUnknown). The link comes from the media's permalink
// when Instagram gives it.
func (a *Adapter) PublishImage(ctx context.Context, acct account.Account, creds network.Credentials, imageURL, caption string) (network.Published, error) {
	if n := utf8.RuneCountInString(caption); n > TextLimit {
		return network.Published{}, &oauthnet.RejectedError{Network: displayName,
			Message: fmt.Sprintf("the caption has %d characters; Instagram allows %d", n, TextLimit), Err: oauthnet.ErrTooLong}
	}
	if u, err := url.Parse(imageURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return network.Published{}, &oauthnet.RejectedError{Network: displayName, Err: ErrNeedsMedia,
			Message: "the image must be at a public https address Instagram can fetch"}
	}
	if acct.RemoteID == "" {
		return network.Published{}, errors.New("cannot post to Instagram: the account's id is not known (check the account first)")
	}
	user := "/" + url.PathEscape(acct.RemoteID)
	return a.api().PublishContainer(ctx, creds.AccessToken, oauthnet.Container{
		Path: user + "/media", Form: url.Values{"image_url": {imageURL}, "caption": {caption}},
		What: "the container it made", PublishPath: user + "/media_publish",
	})
}

// Revoke: the Instagram API with Instagram Login has no revocation
// endpoint; the person removes the app in Instagram's settings (Website
// permissions > Apps and websites).
func (a *Adapter) Revoke(context.Context, account.Account, network.Credentials) error {
	return fmt.Errorf("Instagram: %w; remove the app in Instagram under Settings > Website permissions > Apps and websites", network.ErrRevokeUnsupported)
}

// Instagram's own publishing codes
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes).
const (
	// SubcodePublishLimit: the account reached its content publishing
	// limit (100 posts in 24 hours).
	SubcodePublishLimit = 2207042
	// CodeNotReady / SubcodeNotReady: the container is not ready yet.
	CodeNotReady    = 9007
	SubcodeNotReady = 2207027
)

// Classify turns one Instagram Graph answer into the app's error words. It
// is pure: Meta's common mapping (oauthnet.ClassifyGraph: code 190
// subcodes, 10/200 scope_lost, 4/17/32/613 rate limits), plus Instagram's
// publishing limit and "media not ready", which are waits, not refusals.
func Classify(status int, header http.Header, body []byte, now time.Time) error {
	if header == nil {
		header = http.Header{}
	}
	if g, ok := oauthnet.ParseGraphError(body); ok {
		switch {
		case g.Subcode == SubcodePublishLimit:
			return oauthnet.Transient(displayName, status, g.Words(), oauthnet.RetryAfter(header, now), true)
		case g.Code == CodeNotReady || g.Subcode == SubcodeNotReady:
			return oauthnet.Transient(displayName, status, g.Words(), oauthnet.RetryAfter(header, now), false)
		}
	}
	return oauthnet.ClassifyGraph(displayName, status, header, body, now)
}

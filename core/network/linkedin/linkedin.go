// Package linkedin connects SocialOmm to LinkedIn with the person's own app
// keys: the authorization code flow with a client secret
// (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow),
// Sign In with LinkedIn using OpenID Connect for identity (GET /v2/userinfo,
// https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2),
// and the Posts API to publish (POST /rest/posts,
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api).
//
// Connecting (the engine runs core/oauth):
//
//  1. s, _ := oauth.Start(ctx, oauth.Options{PreferredPort: linkedin.RedirectPort, NetworkName: "LinkedIn"})
//  2. oauthnet.CheckRedirect("LinkedIn", s.RedirectURI(), linkedin.RedirectURI)
//  3. cfg := linkedin.OAuthConfig(keys, s.RedirectURI()); open s.AuthCodeURL(cfg)
//  4. code, _ := s.Wait(ctx); tok, _ := s.Exchange(ctx, cfg, code)
//  5. profile, creds, err := adapter.Finish(ctx, tok)
//
// Life: access tokens last 60 days (expires_in 5184000). Refresh tokens
// come only to apps LinkedIn approved for them (Marketing Developer Platform
// partners), with refresh_token_expires_in (a year, counted from the first
// sign-in and not extended by refreshing:
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens).
// ConnectionExpiry is that date when given, else the access token's.
//
// LinkedIn answers 401 serviceErrorCode 65601 ("The token used in the
// request has been revoked by the user") for tokens that are fine, right
// after they are issued (reported for years:
// github.com/decioferreira/omniauth-linkedin-oauth2 issues 17 and 81,
// github.com/jclusso/omniauth-linkedin-openid issue 6). So 65601 is retried
// once, after a short wait, before it counts as revoked: Verify and Publish
// do it themselves; RetryOnce tells any other caller.
package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// NetworkName is the key stored in account.Network.
const NetworkName = "linkedin"

const displayName = "LinkedIn"

// TextLimit is the Posts API's commentary limit
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api:
// commentary, "The user generated commentary for the post", 3000
// characters).
const TextLimit = 3000

// Scopes: OpenID Connect identity (openid profile) and posting as the
// member (w_member_social).
const Scopes = "openid profile w_member_social"

// AccessTokenLifetime is LinkedIn's documented access token life (60
// days), used when an answer gives no expires_in.
const AccessTokenLifetime = 60 * 24 * time.Hour

// RedirectPort and RedirectURI: LinkedIn matches the redirect URL against
// the app's "Authorized redirect URLs" exactly, so the sign-in listens on
// one fixed loopback port and the person registers RedirectURI.
const (
	RedirectPort = 47811
	RedirectURI  = "http://127.0.0.1:47811/callback"
)

// NeedsSecret: LinkedIn's authorization code flow sends the client secret.
const NeedsSecret = true

// NeverExpires: LinkedIn connections end (60-day tokens).
const NeverExpires = false

// DefaultVersion is the LinkedIn-Version header sent to the Posts API
// (YYYYMM). LinkedIn sunsets each version about a year after release:
// update it with the app.
const DefaultVersion = "202601"

// DefaultRetryDelay is the wait before a 65601 answer is asked again.
const DefaultRetryDelay = 3 * time.Second

// Endpoints are where LinkedIn answers. Tests point them at local servers.
type Endpoints struct {
	AuthURL  string
	TokenURL string
	// APIBase is the REST root (GET /v2/userinfo, POST /rest/posts).
	APIBase string
	// WebBase is where posts are shown.
	WebBase string
	// Version is the LinkedIn-Version header; DefaultVersion when empty.
	Version string
}

// DefaultEndpoints are LinkedIn's real hosts.
var DefaultEndpoints = Endpoints{
	AuthURL:  "https://www.linkedin.com/oauth/v2/authorization",
	TokenURL: "https://www.linkedin.com/oauth/v2/accessToken",
	APIBase:  "https://api.linkedin.com",
	WebBase:  "https://www.linkedin.com",
	Version:  DefaultVersion,
}

// OAuthConfig is the authorization-code configuration with
// DefaultEndpoints.
func OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return DefaultEndpoints.OAuthConfig(keys, redirectURI)
}

// OAuthConfig is the configuration at e. LinkedIn reads client_id and
// client_secret from the token request's form.
func (e Endpoints) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     keys.ClientID,
		ClientSecret: keys.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: e.AuthURL, TokenURL: e.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  redirectURI,
		Scopes:       strings.Fields(Scopes),
	}
}

// Option changes an Adapter's defaults.
type Option func(*Adapter)

// WithClock sets the clock for expiry dates, waits and the 65601 retry.
func WithClock(c clock.Clock) Option { return func(a *Adapter) { a.clock = c } }

// WithEndpoints points the adapter at other hosts (tests).
func WithEndpoints(e Endpoints) Option { return func(a *Adapter) { a.ep = e } }

// WithKeys tells the adapter how to find the person's app keys (Refresh).
func WithKeys(f oauthnet.KeysFunc) Option { return func(a *Adapter) { a.keys = f } }

// WithRetryDelay sets the wait before a 65601 is asked again.
func WithRetryDelay(d time.Duration) Option { return func(a *Adapter) { a.retryDelay = d } }

// Adapter is the LinkedIn network.Adapter and network.Refresher.
type Adapter struct {
	client     *http.Client
	clock      clock.Clock
	ep         Endpoints
	keys       oauthnet.KeysFunc
	retryDelay time.Duration
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
	a := &Adapter{client: client, clock: clock.Real{}, ep: DefaultEndpoints, retryDelay: DefaultRetryDelay}
	for _, o := range opts {
		o(a)
	}
	if a.ep.Version == "" {
		a.ep.Version = DefaultVersion
	}
	return a
}

// Name is "linkedin".
func (a *Adapter) Name() string { return NetworkName }

// Endpoints are the hosts this adapter talks to.
func (a *Adapter) Endpoints() Endpoints { return a.ep }

// OAuthConfig is the sign-in configuration at this adapter's endpoints.
func (a *Adapter) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return a.ep.OAuthConfig(keys, redirectURI)
}

// Finish turns a finished sign-in's token into the connection: it dates it
// and asks whose it is (with the 65601 retry).
func (a *Adapter) Finish(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error) {
	return oauthnet.Finish(ctx, displayName, tok, func(_ context.Context, t oauthnet.Token) (network.Credentials, error) {
		return a.credentials(t, network.Credentials{}), nil
	}, a.Verify)
}

// credentials dates t; old carries a refresh token and its end when the
// answer repeats neither.
func (a *Adapter) credentials(t oauthnet.Token, old network.Credentials) network.Credentials {
	now := a.clock.Now()
	life := AccessTokenLifetime
	if t.ExpiresIn > 0 {
		life = time.Duration(t.ExpiresIn) * time.Second
	}
	c := network.Credentials{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: now.Add(life)}
	switch {
	case t.RefreshToken != "" && t.RefreshTokenExpiresIn > 0:
		c.ConnectionExpiry = now.Add(time.Duration(t.RefreshTokenExpiresIn) * time.Second)
	case t.RefreshToken == "" && old.RefreshToken != "":
		c.RefreshToken, c.ConnectionExpiry = old.RefreshToken, old.ConnectionExpiry
	}
	if c.ConnectionExpiry.IsZero() || (c.RefreshToken == "" && c.ConnectionExpiry.After(c.Expiry)) {
		c.ConnectionExpiry = c.Expiry
	}
	return c
}

// CanRefresh reports whether the connection has a refresh token: LinkedIn
// gives one only to apps it approved for programmatic refresh.
func CanRefresh(creds network.Credentials) bool { return creds.RefreshToken != "" }

// ErrNoRefreshToken means LinkedIn gave this connection no refresh token:
// it ends with its access token, and the person connects again before.
var ErrNoRefreshToken = errors.New("LinkedIn gave this connection no refresh token; connect again before it expires")

// userinfo is the OpenID Connect userinfo answer.
type userinfo struct {
	Sub        string `json:"sub"`
	Name       string `json:"name"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Picture    string `json:"picture"`
}

// Verify checks the token with GET /v2/userinfo, asking once more after a
// short wait when LinkedIn answers 65601.
func (a *Adapter) Verify(ctx context.Context, _ account.Account, creds network.Credentials) (network.Profile, error) {
	var rep oauthnet.Reply
	err := a.retryOnce(ctx, func() error {
		var err error
		rep, _, err = a.call(ctx, http.MethodGet, "/v2/userinfo", creds.AccessToken, nil, false)
		return err
	})
	if err != nil {
		return network.Profile{}, err
	}
	var u userinfo
	if json.Unmarshal(rep.Body, &u) != nil || u.Sub == "" {
		return network.Profile{}, oauthnet.Malformed(displayName, "the profile it sent")
	}
	name := strings.TrimSpace(u.Name)
	if name == "" {
		name = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	if name == "" {
		name = u.Sub
	}
	return network.Profile{RemoteID: u.Sub, Handle: name, DisplayName: name, AvatarURL: u.Picture}, nil
}

// Publish posts text as the member with POST /rest/posts, the Posts API's
// text-only post: author urn:li:person:<sub> (acct.RemoteID), visible to
// everyone, in the main feed. The text is escaped for LinkedIn's "little
// text" format so characters such as # @ ( ) * _ reach the post as typed.
// LinkedIn honours no idempotency key: when the request went out and no
// clear answer came back, the error Is oauthnet.ErrOutcomeUnknown.
func (a *Adapter) Publish(ctx context.Context, acct account.Account, creds network.Credentials, text, _ string) (network.Published, error) {
	if err := oauthnet.CheckText(displayName, text, TextLimit); err != nil {
		return network.Published{}, err
	}
	if acct.RemoteID == "" {
		return network.Published{}, errors.New("cannot post to LinkedIn: the member's id is not known yet (check the account first)")
	}
	body, _ := json.Marshal(map[string]any{
		"author":     "urn:li:person:" + acct.RemoteID,
		"commentary": EscapeLittleText(text),
		"visibility": "PUBLIC",
		"distribution": map[string]any{
			"feedDistribution":               "MAIN_FEED",
			"targetEntities":                 []any{},
			"thirdPartyDistributionChannels": []any{},
		},
		"lifecycleState":            "PUBLISHED",
		"isReshareDisabledByAuthor": false,
	})
	var rep oauthnet.Reply
	var written bool
	// A 401 means LinkedIn did not take the post, so the 65601 retry cannot
	// post twice.
	err := a.retryOnce(ctx, func() error {
		var err error
		rep, written, err = a.call(ctx, http.MethodPost, "/rest/posts", creds.AccessToken, body, true)
		return err
	})
	if err != nil {
		return network.Published{}, oauthnet.AfterSend(err, written)
	}
	urn := rep.Header.Get("X-RestLi-Id")
	if urn == "" {
		urn = rep.Header.Get("X-LinkedIn-Id")
	}
	if !strings.HasPrefix(urn, "urn:li:") {
		return network.Published{}, oauthnet.OutcomeUnknown(oauthnet.Malformed(displayName, "the id of the post it created"))
	}
	return network.Published{
		RemoteID: urn,
		URL:      strings.TrimRight(a.ep.WebBase, "/") + "/feed/update/" + urn + "/",
	}, nil
}

// Refresh trades the refresh token for a new access token (grant_type
// refresh_token with the client id and secret in the form). LinkedIn keeps
// the refresh token's end date; the answer's refresh_token_expires_in
// counts down to it. Without a refresh token the error Is
// ErrNoRefreshToken (nothing is asked).
func (a *Adapter) Refresh(ctx context.Context, _ account.Account, creds network.Credentials) (network.Credentials, error) {
	if creds.RefreshToken == "" {
		return network.Credentials{}, ErrNoRefreshToken
	}
	keys, err := a.keys.Lookup(ctx, displayName, NeedsSecret)
	if err != nil {
		return network.Credentials{}, err
	}
	form := url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {creds.RefreshToken},
		"client_id": {keys.ClientID}, "client_secret": {keys.ClientSecret},
	}
	t, err := oauthnet.TokenCall(ctx, a.client, displayName, oauthnet.TokenRequest{URL: a.ep.TokenURL, Form: form}, a.clock.Now())
	if err != nil {
		return network.Credentials{}, err
	}
	return a.credentials(t, creds), nil
}

// Revoke: LinkedIn documents no token revocation for member tokens (only
// introspection); the person removes the app on LinkedIn under Settings >
// Data privacy > Permitted services.
func (a *Adapter) Revoke(context.Context, account.Account, network.Credentials) error {
	return fmt.Errorf("LinkedIn: %w; remove the app under Settings > Data privacy > Permitted services on LinkedIn", network.ErrRevokeUnsupported)
}

// retryOnce runs f, and once more after the retry delay when its error asks
// for it (65601). The second answer stands, as a plain error.
func (a *Adapter) retryOnce(ctx context.Context, f func() error) error {
	err := f()
	if !RetryOnce(err) {
		return err
	}
	select {
	case <-ctx.Done():
		return oauthnet.TransportError(displayName, ctx.Err())
	case <-a.clock.After(a.retryDelay):
	}
	err = f()
	var r *RetryOnceError
	if errors.As(err, &r) {
		return r.Lost
	}
	return err
}

// call performs an authenticated request and classifies the answer. rest
// adds the headers the versioned /rest APIs require.
func (a *Adapter) call(ctx context.Context, method, path, token string, jsonBody []byte, rest bool) (oauthnet.Reply, bool, error) {
	req := oauthnet.Request{Method: method, URL: strings.TrimRight(a.ep.APIBase, "/") + path, Token: token, JSON: jsonBody}
	if rest {
		req.Header = http.Header{"Linkedin-Version": {a.ep.Version}, "X-Restli-Protocol-Version": {"2.0.0"}}
	}
	return oauthnet.Call(ctx, a.client, displayName, req, Classify, a.clock.Now)
}

// littleTextReserved are the characters LinkedIn's little text format
// reserves; each must be escaped with a backslash to appear as typed
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
const littleTextReserved = `\|{}@[]()<>#*_~`

// EscapeLittleText escapes text for the Posts API's commentary field. A #
// that starts a word is left as it is: "#word" is little's HashtagElement,
// shown as the hashtag the person typed.
func EscapeLittleText(text string) string {
	var b strings.Builder
	rs := []rune(text)
	for i, r := range rs {
		if r == '#' && i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1])) &&
			(i == 0 || !(unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1]))) {
			b.WriteRune(r)
			continue
		}
		if strings.ContainsRune(littleTextReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

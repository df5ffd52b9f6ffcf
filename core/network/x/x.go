// Package x connects SocialOmm to X with the person's own app keys: OAuth
// 2.0 with PKCE as a public client (client id only; a client secret is used
// when the person's app is a confidential one), refresh with rotation,
// GET /2/users/me to check, POST /2/tweets to publish.
//
// Connecting (the engine runs core/oauth):
//
//  1. s, _ := oauth.Start(ctx, oauth.Options{PreferredPort: x.RedirectPort, NetworkName: "X"})
//  2. oauthnet.CheckRedirect("X", s.RedirectURI(), x.RedirectURI): X
//     matches the registered callback exactly, port included.
//  3. cfg := x.OAuthConfig(keys, s.RedirectURI()); open s.AuthCodeURL(cfg).
//  4. code, _ := s.Wait(ctx); tok, _ := s.Exchange(ctx, cfg, code)
//  5. profile, creds, err := adapter.Finish(ctx, tok)
//
// Life: the access token lasts 2 hours (expires_in 7200); with
// offline.access a refresh token comes too, and every refresh rotates it
// (the old one stops working, so store the new pair at once). X does not
// say how long a refresh token lives: ConnectionExpiry stays zero and the
// app-wide lifespan applies.
//
// Docs: https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
// (2-hour tokens, offline.access, refresh), .../user-access-token (authorize
// URL, token and revoke requests), https://docs.x.com/fundamentals/rate-limits
// (x-rate-limit-reset), https://docs.x.com/x-api/posts/lookup/quickstart
// (Post shape).
package x

import (
	"context"
	"encoding/json"
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
const NetworkName = "x"

// displayName names X in words for the person.
const displayName = "X"

// TextLimit is a post's limit in X's weighted characters
// (https://docs.x.com/fundamentals/counting-characters: 280, most scripts
// count 1, CJK and emoji 2, a link 23). TextLength counts the same way.
const TextLimit = 280

// Scopes are what SocialOmm asks for: read and write posts, read the
// profile, and offline.access for a refresh token.
const Scopes = "tweet.read tweet.write users.read offline.access"

// AccessTokenLifetime is X's documented access token life, used when an
// answer gives no expires_in.
const AccessTokenLifetime = 2 * time.Hour

// RedirectPort is the loopback port SocialOmm signs in to X on. X compares
// the callback with the app's registered Callback URI exactly, port
// included (X's own xurl tool does the same: github.com/xdevplatform/xurl
// issue 63), so the port is fixed and RedirectURI is what the person
// registers in the X developer portal.
const RedirectPort = 47810

// RedirectURI is the callback to register in the X developer portal
// (User authentication settings > Callback URI).
const RedirectURI = "http://127.0.0.1:47810/callback"

// NeedsSecret: X accepts a public client (client id only) with PKCE.
const NeedsSecret = false

// NeverExpires: X connections end (2-hour tokens, refresh needed).
const NeverExpires = false

// Endpoints are where X answers. Tests point them at local servers.
type Endpoints struct {
	AuthURL   string
	TokenURL  string
	RevokeURL string
	// APIBase is the REST API root (GET /2/users/me, POST /2/tweets).
	APIBase string
	// WebBase is where posts and profiles are shown.
	WebBase string
}

// DefaultEndpoints are X's real hosts.
var DefaultEndpoints = Endpoints{
	AuthURL:   "https://x.com/i/oauth2/authorize",
	TokenURL:  "https://api.x.com/2/oauth2/token",
	RevokeURL: "https://api.x.com/2/oauth2/revoke",
	APIBase:   "https://api.x.com",
	WebBase:   "https://x.com",
}

// OAuthConfig is the authorization-code configuration for the loopback flow
// with DefaultEndpoints.
func OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return DefaultEndpoints.OAuthConfig(keys, redirectURI)
}

// OAuthConfig is the authorization-code configuration at e. A public client
// sends its id in the form; a confidential one (a secret in Settings)
// authenticates with Basic, as X requires.
func (e Endpoints) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if keys.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     keys.ClientID,
		ClientSecret: keys.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: e.AuthURL, TokenURL: e.TokenURL, AuthStyle: style},
		RedirectURL:  redirectURI,
		Scopes:       strings.Fields(Scopes),
	}
}

// Option changes an Adapter's defaults.
type Option func(*Adapter)

// WithClock sets the clock used for expiry dates and rate-limit waits.
func WithClock(c clock.Clock) Option { return func(a *Adapter) { a.clock = c } }

// WithEndpoints points the adapter at other hosts (tests).
func WithEndpoints(e Endpoints) Option { return func(a *Adapter) { a.ep = e } }

// WithKeys tells the adapter how to find the person's app keys, which
// refresh and revoke need.
func WithKeys(f oauthnet.KeysFunc) Option { return func(a *Adapter) { a.keys = f } }

// Adapter is the X network.Adapter and network.Refresher. It is safe for
// concurrent use.
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
	return a
}

// Name is "x".
func (a *Adapter) Name() string { return NetworkName }

// Endpoints are the hosts this adapter talks to.
func (a *Adapter) Endpoints() Endpoints { return a.ep }

// OAuthConfig is the sign-in configuration at this adapter's endpoints.
func (a *Adapter) OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config {
	return a.ep.OAuthConfig(keys, redirectURI)
}

// Finish turns the token of a finished sign-in into the connection: it asks
// whose token it is and dates it (access: expires_in, 2 hours; connection:
// zero, X does not say, unless no refresh token came, in which case the
// connection ends with the access token).
func (a *Adapter) Finish(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error) {
	return oauthnet.Finish(ctx, displayName, tok, func(_ context.Context, t oauthnet.Token) (network.Credentials, error) {
		return a.credentials(t, ""), nil
	}, a.Verify)
}

func (a *Adapter) credentials(t oauthnet.Token, oldRefresh string) network.Credentials {
	now := a.clock.Now()
	life := AccessTokenLifetime
	if t.ExpiresIn > 0 {
		life = time.Duration(t.ExpiresIn) * time.Second
	}
	c := network.Credentials{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: now.Add(life)}
	if c.RefreshToken == "" {
		c.RefreshToken = oldRefresh
	}
	if c.RefreshToken == "" {
		c.ConnectionExpiry = c.Expiry
	}
	return c
}

// userJSON is the part of X's User object SocialOmm reads.
type userJSON struct {
	Data *struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		Username        string `json:"username"`
		ProfileImageURL string `json:"profile_image_url"`
	} `json:"data"`
}

// Verify checks the token with GET /2/users/me and says whose it is.
func (a *Adapter) Verify(ctx context.Context, _ account.Account, creds network.Credentials) (network.Profile, error) {
	rep, _, err := a.call(ctx, http.MethodGet, "/2/users/me?user.fields=profile_image_url", creds.AccessToken, nil)
	if err != nil {
		return network.Profile{}, err
	}
	var j userJSON
	if json.Unmarshal(rep.Body, &j) != nil || j.Data == nil || j.Data.ID == "" || j.Data.Username == "" {
		return network.Profile{}, oauthnet.Malformed(displayName, "the profile it sent")
	}
	name := strings.TrimSpace(j.Data.Name)
	if name == "" {
		name = j.Data.Username
	}
	return network.Profile{
		RemoteID:    j.Data.ID,
		Handle:      "@" + j.Data.Username,
		DisplayName: name,
		AvatarURL:   j.Data.ProfileImageURL,
		ProfileURL:  strings.TrimRight(a.ep.WebBase, "/") + "/" + url.PathEscape(j.Data.Username),
	}, nil
}

// Publish posts text with POST /2/tweets. X honours no idempotency key:
// when the request went out and no clear answer came back the error Is
// oauthnet.ErrOutcomeUnknown; never send it again blindly.
func (a *Adapter) Publish(ctx context.Context, acct account.Account, creds network.Credentials, text, _ string) (network.Published, error) {
	if strings.TrimSpace(text) == "" {
		return network.Published{}, oauthnet.ErrEmptyText
	}
	if n := TextLength(text); n > TextLimit {
		return network.Published{}, &oauthnet.RejectedError{Network: displayName,
			Message: fmt.Sprintf("the text counts %d characters as X counts them; X allows %d", n, TextLimit), Err: oauthnet.ErrTooLong}
	}
	body, _ := json.Marshal(map[string]string{"text": text})
	rep, written, err := a.call(ctx, http.MethodPost, "/2/tweets", creds.AccessToken, body)
	if err != nil {
		return network.Published{}, oauthnet.AfterSend(err, written)
	}
	var j struct {
		Data *struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(rep.Body, &j) != nil || j.Data == nil || j.Data.ID == "" {
		return network.Published{}, oauthnet.OutcomeUnknown(oauthnet.Malformed(displayName, "the post it created"))
	}
	return network.Published{RemoteID: j.Data.ID, URL: a.postLink(acct, j.Data.ID)}, nil
}

// Refresh trades the refresh token for a new pair at the token endpoint.
// X rotates: the returned RefreshToken replaces the old one, which stops
// working; store the result before using it. A refresh token X no longer
// takes gives lost access (see oauthnet.ClassifyToken).
func (a *Adapter) Refresh(ctx context.Context, _ account.Account, creds network.Credentials) (network.Credentials, error) {
	if creds.RefreshToken == "" {
		return network.Credentials{}, oauthnet.Lost(account.ReasonExpired,
			"X gave no refresh token for this connection (offline.access was not granted); connect again")
	}
	keys, err := a.keys.Lookup(ctx, displayName, NeedsSecret)
	if err != nil {
		return network.Credentials{}, err
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {creds.RefreshToken}}
	tr := oauthnet.TokenRequest{URL: a.ep.TokenURL, Form: form}
	a.authenticate(&tr, keys)
	t, err := oauthnet.TokenCall(ctx, a.client, displayName, tr, a.clock.Now())
	if err != nil {
		return network.Credentials{}, err
	}
	return a.credentials(t, creds.RefreshToken), nil
}

// Revoke ends the connection at POST /2/oauth2/revoke: the refresh token
// first, which ends the whole grant (RFC 7009 section 2.1), then the access
// token. With a refresh token, its revocation decides the result; the
// access token's is best effort.
func (a *Adapter) Revoke(ctx context.Context, _ account.Account, creds network.Credentials) error {
	keys, err := a.keys.Lookup(ctx, displayName, NeedsSecret)
	if err != nil {
		return err
	}
	revoke := func(token, hint string) error {
		if token == "" {
			return nil
		}
		tr := oauthnet.TokenRequest{URL: a.ep.RevokeURL, Form: url.Values{"token": {token}, "token_type_hint": {hint}}}
		a.authenticate(&tr, keys)
		_, err := oauthnet.TokenPost(ctx, a.client, displayName, tr, a.clock.Now())
		return err
	}
	errRefresh := revoke(creds.RefreshToken, "refresh_token")
	errAccess := revoke(creds.AccessToken, "access_token")
	if creds.RefreshToken != "" {
		return errRefresh
	}
	return errAccess
}

func (a *Adapter) authenticate(tr *oauthnet.TokenRequest, keys oauthnet.Keys) {
	if keys.ClientSecret != "" {
		tr.BasicID, tr.BasicSecret = keys.ClientID, keys.ClientSecret
		return
	}
	tr.Form.Set("client_id", keys.ClientID)
}

// call performs an authenticated API request and classifies the answer.
func (a *Adapter) call(ctx context.Context, method, path, token string, jsonBody []byte) (oauthnet.Reply, bool, error) {
	return oauthnet.Call(ctx, a.client, displayName, oauthnet.Request{
		Method: method, URL: strings.TrimRight(a.ep.APIBase, "/") + path, Token: token, JSON: jsonBody,
	}, Classify, a.clock.Now)
}

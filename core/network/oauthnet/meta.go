package oauthnet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// What Facebook, Instagram and Threads share beyond the Graph errors: Meta's
// long-lived user tokens and calls to a Graph host.

// LongLivedLifetime is the life of Meta's long-lived tokens: 60 days
// (https://developers.facebook.com/docs/instagram-platform/reference/access_token,
// https://developers.facebook.com/docs/threads/get-started/long-lived-tokens).
const LongLivedLifetime = 60 * 24 * time.Hour

// LongLivedMinAge: Instagram and Threads refresh a long-lived token only
// once it is at least 24 hours old
// (https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
const LongLivedMinAge = 24 * time.Hour

// RefreshDue reports whether a long-lived token issued at issuedAt may be
// refreshed at now (at least 24 hours old). Whether it should be is the
// engine's call (ahead of expiry); a refreshed token lasts 60 days from the
// refresh.
func RefreshDue(issuedAt, now time.Time) bool {
	return !issuedAt.IsZero() && now.Sub(issuedAt) >= LongLivedMinAge
}

// LongLivedIssuedAt estimates when the long-lived token in creds was
// issued, from its expiry (Credentials keep no issue date). It assumes the
// token was issued an hour after a full 60-day life would say, so that
// RefreshDue never fires before the 24 hours Meta asks for (Meta's
// expires_in is a little under 60 days).
func LongLivedIssuedAt(creds network.Credentials) time.Time {
	if creds.Expiry.IsZero() {
		return time.Time{}
	}
	return creds.Expiry.Add(-LongLivedLifetime + time.Hour)
}

// LongLivedCredentials dates a long-lived token: it stops working, and the
// connection with it, expires_in from now (60 days when not given).
func LongLivedCredentials(t Token, now time.Time) network.Credentials {
	life := LongLivedLifetime
	if t.ExpiresIn > 0 {
		life = time.Duration(t.ExpiresIn) * time.Second
	}
	end := now.Add(life)
	return network.Credentials{AccessToken: t.AccessToken, Expiry: end, ConnectionExpiry: end}
}

// MetaOAuthConfig is the sign-in configuration Facebook, Instagram and
// Threads share: the app's keys go in the token request's form; the
// redirect URI is redirectURI, else the keys' own, else PasteRedirectURI;
// the scopes go as one comma-separated value, the form Meta's documents
// show.
func MetaOAuthConfig(keys Keys, redirectURI, authURL, tokenURL, scopes string) *oauth2.Config {
	if redirectURI == "" {
		redirectURI = keys.RedirectURI
	}
	if redirectURI == "" {
		redirectURI = PasteRedirectURI
	}
	return &oauth2.Config{
		ClientID:     keys.ClientID,
		ClientSecret: keys.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  redirectURI,
		Scopes:       []string{strings.Join(strings.Fields(scopes), ",")},
	}
}

// LongLived asks a Meta token endpoint for a long-lived token (a GET, form
// in the query, every secret in it scrubbed from the answer) and dates it
// with LongLivedCredentials at now().
func LongLived(ctx context.Context, client *http.Client, networkName, tokenURL string, form url.Values, now func() time.Time) (network.Credentials, error) {
	t, err := TokenCall(ctx, client, networkName, TokenRequest{Method: http.MethodGet, URL: tokenURL, Form: form}, now())
	if err != nil {
		return network.Credentials{}, err
	}
	return LongLivedCredentials(t, now()), nil
}

// LongLivedGraph is the long-lived token protocol Instagram and Threads
// share, at Base, their unversioned Graph root: the sign-in's short-lived
// token is traded with GET Base/access_token?grant_type=<Prefix>_exchange_token
// (with the app secret), and the long-lived one renewed with GET
// Base/refresh_access_token?grant_type=<Prefix>_refresh_token once it is at
// least 24 hours old. Each lasts 60 days (expires_in) from then.
type LongLivedGraph struct {
	HTTP    *http.Client
	Network string // "Instagram", "Threads"
	Base    string
	Prefix  string // "ig", "th"
	// Keys finds the app keys; the exchange needs the client secret.
	Keys KeysFunc
	Now  func() time.Time
}

// Finish trades the sign-in's token for a long-lived one and asks verify
// (the adapter's Verify) whose it is; see the package's Finish.
func (l LongLivedGraph) Finish(ctx context.Context, tok *oauth2.Token,
	verify func(context.Context, account.Account, network.Credentials) (network.Profile, error),
) (network.Profile, network.Credentials, error) {
	return Finish(ctx, l.Network, tok, l.exchange, verify)
}

func (l LongLivedGraph) exchange(ctx context.Context, t Token) (network.Credentials, error) {
	keys, err := l.Keys.Lookup(ctx, l.Network, true)
	if err != nil {
		return network.Credentials{}, err
	}
	form := url.Values{"grant_type": {l.Prefix + "_exchange_token"}, "client_secret": {keys.ClientSecret}, "access_token": {t.AccessToken}}
	return LongLived(ctx, l.HTTP, l.Network, strings.TrimRight(l.Base, "/")+"/access_token", form, l.Now)
}

// Refresh renews the long-lived token in creds: 60 days from now. While it
// is under 24 hours old (RefreshDue), the network would refuse: Refresh
// then returns creds unchanged and asks nothing.
func (l LongLivedGraph) Refresh(ctx context.Context, creds network.Credentials) (network.Credentials, error) {
	if !RefreshDue(LongLivedIssuedAt(creds), l.Now()) {
		return creds, nil
	}
	form := url.Values{"grant_type": {l.Prefix + "_refresh_token"}, "access_token": {creds.AccessToken}}
	return LongLived(ctx, l.HTTP, l.Network, strings.TrimRight(l.Base, "/")+"/refresh_access_token", form, l.Now)
}

// GraphClient calls one Meta Graph host for one network.
type GraphClient struct {
	HTTP    *http.Client
	Network string // "Facebook", "Instagram", "Threads"
	// Base is the root API paths hang from ("https://graph.facebook.com/v23.0").
	Base string
	// Classify reads an answer (the network's own Classify).
	Classify func(status int, header http.Header, body []byte, now time.Time) error
	Now      func() time.Time
}

// Get asks path (with its query) with the token in the Authorization
// header, and classifies the answer.
func (g GraphClient) Get(ctx context.Context, path string, query url.Values, token string) (Reply, error) {
	u := strings.TrimRight(g.Base, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	rep, _, err := g.do(ctx, Request{Method: http.MethodGet, URL: u, Token: token})
	return rep, err
}

// Post sends form to path with the token in the Authorization header and
// classifies the answer; written says whether the request went out.
func (g GraphClient) Post(ctx context.Context, path string, form url.Values, token string) (Reply, bool, error) {
	return g.do(ctx, Request{Method: http.MethodPost, URL: strings.TrimRight(g.Base, "/") + path, Form: form, Token: token})
}

// GetURL asks a whole URL the network gave (a paging "next" link), only
// when it is on the same host as Base, so a token never goes elsewhere.
func (g GraphClient) GetURL(ctx context.Context, next string, token string) (Reply, error) {
	nu, err1 := url.Parse(next)
	bu, err2 := url.Parse(g.Base)
	if err1 != nil || err2 != nil || nu.Scheme != bu.Scheme || nu.Host != bu.Host {
		return Reply{}, Malformed(g.Network, "the link to the next page of results")
	}
	// The link carries the token in its query; the header is enough.
	q := nu.Query()
	secret := q.Get("access_token")
	q.Del("access_token")
	nu.RawQuery = q.Encode()
	rep, _, err := g.do(ctx, Request{Method: http.MethodGet, URL: nu.String(), Token: token, Secrets: []string{secret}})
	return rep, err
}

func (g GraphClient) do(ctx context.Context, req Request) (Reply, bool, error) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	return Call(ctx, g.HTTP, g.Network, req, g.Classify, now)
}

// Container is the first of the two steps Instagram and Threads publish in.
type Container struct {
	// Path makes the container ("/{ig-user-id}/media"), from Form.
	Path string
	Form url.Values
	// What names the container when its answer cannot be read ("the
	// container it made").
	What string
	// PublishPath publishes it ("/{ig-user-id}/media_publish").
	PublishPath string
}

// PublishContainer posts in Meta's two steps: POST c.Path with c.Form makes
// a container, POST c.PublishPath with its creation_id publishes it. A
// failure at the first step posted nothing; one after the second request
// went out may have posted (the error Is ErrOutcomeUnknown). The link comes
// from the media's permalink when the network gives it.
func (g GraphClient) PublishContainer(ctx context.Context, token string, c Container) (network.Published, error) {
	rep, _, err := g.Post(ctx, c.Path, c.Form, token)
	if err != nil {
		return network.Published{}, err
	}
	container, err := g.readID(rep, c.What)
	if err != nil {
		return network.Published{}, err
	}
	rep, written, err := g.Post(ctx, c.PublishPath, url.Values{"creation_id": {container}}, token)
	if err != nil {
		return network.Published{}, AfterSend(err, written)
	}
	id, err := g.readID(rep, "the post it published")
	if err != nil {
		return network.Published{}, OutcomeUnknown(err)
	}
	pub := network.Published{RemoteID: id}
	if rep, err := g.Get(ctx, "/"+url.PathEscape(id), url.Values{"fields": {"permalink"}}, token); err == nil {
		var j struct {
			Permalink string `json:"permalink"`
		}
		if json.Unmarshal(rep.Body, &j) == nil {
			pub.URL = j.Permalink
		}
	}
	return pub, nil
}

// readID reads the id of what the network made, kept exact (a JSON number
// may be larger than a float64 holds).
func (g GraphClient) readID(rep Reply, what string) (string, error) {
	var j struct {
		ID json.Number `json:"id"`
	}
	dec := json.NewDecoder(strings.NewReader(string(rep.Body)))
	dec.UseNumber()
	if dec.Decode(&j) != nil || j.ID == "" {
		return "", Malformed(g.Network, what)
	}
	return j.ID.String(), nil
}

package oauthnet

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	rep, written, err := Do(ctx, g.HTTP, g.Network, req)
	if err != nil {
		return Reply{}, written, err
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	safe := rep.Safe()
	if err := g.Classify(safe.Status, safe.Header, safe.Body, now()); err != nil {
		return Reply{}, written, err
	}
	return rep, written, nil
}

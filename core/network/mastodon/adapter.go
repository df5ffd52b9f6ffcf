// Package mastodon connects SocialOmm to Mastodon and the servers that speak
// its API (GoToSocial, the test bed's server): reading the address a person
// types, asking a server who it is, registering the app, and, once a token
// exists, checking it, posting, and telling lost access from network trouble.
//
// The browser sign-in itself is core/oauth's; this package gives it the
// oauth2.Config (OAuthConfig) and says whether an existing registration fits
// the loopback redirect URI of an attempt (App.Accepts).
package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/netclient"
)

// NetworkName is the key stored in account.Network.
const NetworkName = "mastodon"

// instanceTTL is how long what a server said about itself is trusted before
// it is asked again (the text limit can change).
const instanceTTL = 6 * time.Hour

// AppLookup finds the App that issued an account's token; Revoke needs its
// client id and secret.
type AppLookup func(ctx context.Context, acct account.Account) (App, error)

// Option changes an Adapter's defaults.
type Option func(*Adapter)

// WithClock sets the clock used for rate-limit waits and cache ages.
func WithClock(c clock.Clock) Option { return func(a *Adapter) { a.clock = c } }

// WithAppLookup lets Revoke find the App that issued a token. Without it
// Revoke can only say it does not know the app.
func WithAppLookup(f AppLookup) Option { return func(a *Adapter) { a.apps = f } }

// Adapter is the Mastodon network.Adapter. It is safe for concurrent use.
type Adapter struct {
	client *http.Client
	clock  clock.Clock
	apps   AppLookup
	// registrations keeps the apps SocialOmm registers (BeginLoopback).
	registrations network.Registrations

	mu        sync.Mutex
	instances map[string]cachedInstance
}

type cachedInstance struct {
	info InstanceInfo
	at   time.Time
}

var _ network.Adapter = (*Adapter)(nil)

// New returns an Adapter using client (a client with a 30 s timeout if
// nil).
func New(client *http.Client, opts ...Option) *Adapter {
	if client == nil {
		client = netclient.DefaultClient()
	}
	a := &Adapter{client: client, clock: clock.Real{}, instances: map[string]cachedInstance{}}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name is "mastodon".
func (a *Adapter) Name() string { return NetworkName }

// Instance is Probe with a cache per base URL, so a check or a post does not
// ask the server about itself every time. A stale entry is returned when the
// server cannot be asked again.
func (a *Adapter) Instance(ctx context.Context, baseURL string) (InstanceInfo, error) {
	now := a.clock.Now()
	a.mu.Lock()
	c, ok := a.instances[baseURL]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < instanceTTL && now.Sub(c.at) >= 0 {
		return c.info, nil
	}
	info, err := Probe(ctx, a.client, baseURL)
	if err != nil {
		if ok {
			return c.info, nil
		}
		return InstanceInfo{}, err
	}
	a.mu.Lock()
	a.instances[baseURL] = cachedInstance{info: info, at: now}
	a.mu.Unlock()
	return info, nil
}

// TextLimit is the server's status length limit. When the server cannot be
// asked it returns DefaultTextLimit together with the error.
func (a *Adapter) TextLimit(ctx context.Context, acct account.Account) (int, error) {
	base, err := baseOf(acct)
	if err != nil {
		return DefaultTextLimit, err
	}
	info, err := a.Instance(ctx, base)
	if err != nil {
		return DefaultTextLimit, err
	}
	return info.MaxCharacters, nil
}

// baseOf reads the account's server. It goes through NormalizeInstance again
// so that a token is never sent over plain http to a host that is not this
// computer, whatever was stored.
func baseOf(acct account.Account) (string, error) {
	base, err := NormalizeInstance(acct.Instance)
	if err != nil {
		return "", fmt.Errorf("the account's server address %q is not usable: %w", acct.Instance, err)
	}
	return base, nil
}

// accountJSON is the part of a Mastodon Account entity SocialOmm reads.
type accountJSON struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	Avatar      string `json:"avatar"`
	URL         string `json:"url"`
}

// Verify checks the token with GET /api/v1/accounts/verify_credentials and
// says whose it is. Handle is "@user@domain", the domain being the server's
// account domain (InstanceInfo.Domain; the base URL's host if the server
// cannot say).
func (a *Adapter) Verify(ctx context.Context, acct account.Account, creds network.Credentials) (network.Profile, error) {
	base, err := baseOf(acct)
	if err != nil {
		return network.Profile{}, err
	}
	host := displayHost(base)
	rep, err := a.get(ctx, base, "/api/v1/accounts/verify_credentials", creds.AccessToken)
	if err != nil {
		return network.Profile{}, err
	}
	var j accountJSON
	if err := json.Unmarshal(rep.body, &j); err != nil || j.ID == "" || (j.Acct == "" && j.Username == "") {
		return network.Profile{}, malformed(host, "its account details")
	}
	handle := j.Acct
	if handle == "" {
		handle = j.Username
	}
	if !strings.Contains(handle, "@") {
		handle += "@" + a.accountDomain(ctx, base)
	}
	name := strings.TrimSpace(j.DisplayName)
	if name == "" {
		name = j.Username
	}
	avatar := j.Avatar
	if isDefaultAvatar(avatar) {
		avatar = ""
	}
	return network.Profile{
		RemoteID:    j.ID,
		Handle:      "@" + strings.TrimPrefix(handle, "@"),
		DisplayName: name,
		AvatarURL:   avatar,
		ProfileURL:  j.URL,
	}, nil
}

// accountDomain is the domain of local handles on the server at base.
func (a *Adapter) accountDomain(ctx context.Context, base string) string {
	if info, err := a.Instance(ctx, base); err == nil && info.Domain != "" {
		return info.Domain
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	return u.Host
}

// isDefaultAvatar recognises the pictures servers give profiles without
// one: Mastodon's /avatars/original/missing.png and GoToSocial's
// /assets/default_avatars/ set (internal/typeutils/defaulticons.go).
func isDefaultAvatar(u string) bool {
	if u == "" {
		return true
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	return strings.HasSuffix(p.Path, "/missing.png") || strings.Contains(p.Path, "/assets/default_avatars/")
}

// statusJSON is the part of a Mastodon Status entity SocialOmm reads.
type statusJSON struct {
	ID         string `json:"id"`
	URI        string `json:"uri"`
	URL        string `json:"url"`
	CreatedAt  string `json:"created_at"`
	Visibility string `json:"visibility"`
	Content    string `json:"content"`
}

// Publish posts text with POST /api/v1/statuses. Visibility is left out so
// the account's own default applies, as in the server's web interface.
// idempotencyKey goes in the Idempotency-Key header: Mastodon then returns
// the first post for a repeat within an hour; GoToSocial v0.18.3 ignores it.
//
// When the request went out but no clear answer came back (timeout, cut
// connection, 5xx, an unreadable success) the error Is ErrOutcomeUnknown:
// look for the post with RecentPosts before sending again.
func (a *Adapter) Publish(ctx context.Context, acct account.Account, creds network.Credentials, text, idempotencyKey string) (network.Published, error) {
	base, err := baseOf(acct)
	if err != nil {
		return network.Published{}, err
	}
	if strings.TrimSpace(text) == "" {
		return network.Published{}, errors.New("there is nothing to post: the text is empty")
	}
	host := displayHost(base)
	rep, written, err := send(ctx, a.client, host, request{
		method:         http.MethodPost,
		url:            endpoint(base, "/api/v1/statuses"),
		form:           url.Values{"status": {text}},
		token:          creds.AccessToken,
		idempotencyKey: idempotencyKey,
	})
	if err != nil {
		if written {
			return network.Published{}, outcomeUnknown(err)
		}
		return network.Published{}, err
	}
	if err := Classify(host, rep.status, rep.header, rep.body, a.clock.Now()); err != nil {
		if answerLeavesOutcomeOpen(rep.status) {
			return network.Published{}, outcomeUnknown(err)
		}
		return network.Published{}, err
	}
	var j statusJSON
	if err := json.Unmarshal(rep.body, &j); err != nil || j.ID == "" {
		return network.Published{}, outcomeUnknown(malformed(host, "the post it created"))
	}
	link := j.URL
	if link == "" {
		link = j.URI
	}
	return network.Published{RemoteID: j.ID, URL: link}, nil
}

// answerLeavesOutcomeOpen: a gateway error, a server error or an odd answer
// after a post was sent does not prove the post was not stored.
func answerLeavesOutcomeOpen(status int) bool {
	return status >= 500 || status < 400
}

// outcomeUnknown adds ErrOutcomeUnknown to a transient error, keeping it
// transient (the account is fine) and its wait.
func outcomeUnknown(err error) error { return network.OutcomeUnknown(err, ErrOutcomeUnknown) }

func malformed(host, what string) error { return network.Malformed(host, what, ErrMalformedResponse) }

// Revoke ends the token with POST /oauth/revoke, using the App found by the
// WithAppLookup option. GoToSocial v0.18.3 has no such endpoint: the error
// then Is network.ErrRevokeUnsupported.
func (a *Adapter) Revoke(ctx context.Context, acct account.Account, creds network.Credentials) error {
	base, err := baseOf(acct)
	if err != nil {
		return err
	}
	if a.apps == nil {
		return fmt.Errorf("cannot revoke access on %s: SocialOmm's registration there is not known", displayHost(base))
	}
	app, err := a.apps(ctx, acct)
	if err != nil {
		return fmt.Errorf("cannot revoke access on %s: %w", displayHost(base), err)
	}
	return RevokeWithApp(ctx, a.client, base, app, creds.AccessToken)
}

// get performs an authenticated GET and classifies the answer.
func (a *Adapter) get(ctx context.Context, base, path, token string) (reply, error) {
	host := displayHost(base)
	rep, _, err := send(ctx, a.client, host, request{method: http.MethodGet, url: endpoint(base, path), token: token})
	if err != nil {
		return reply{}, err
	}
	if err := Classify(host, rep.status, rep.header, rep.body, a.clock.Now()); err != nil {
		return reply{}, err
	}
	return rep, nil
}

package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network"
)

// ClientName is how the app is listed on the server's authorization page.
const ClientName = "SocialOmm"

// Scopes are what SocialOmm asks for: its own profile (verify_credentials),
// its own recent posts (to find a post whose publish outcome was unknown)
// and posting. Mastodon has had these granular scopes since 2.4 and checks
// them; GoToSocial v0.18.3 stores any scope string and checks none (no
// scope test in internal/middleware/tokencheck.go or the handlers), and its
// later versions know the same granular names. Read, write and follow as a
// whole are deliberately not asked for.
const Scopes = "read:accounts read:statuses write:statuses"

// App is SocialOmm's registration on one server. ClientSecret is a secret:
// keep the whole App in the keyring, and keep the App that issued a token
// next to that token, since revoking needs the issuing app.
type App struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURI  string   `json:"redirect_uri"`
	Scopes       []string `json:"scopes"`
}

// Register registers SocialOmm on the server with POST /api/v1/apps for one
// redirect URI. Register once per server and reuse the App while Accepts
// says it fits (see Accepts for why the port matters).
//
// redirect_uris is sent as one form value: GoToSocial v0.18.3 takes a single
// string (internal/api/model/application.go RedirectURIs string) and
// Mastodon accepts one too.
func Register(ctx context.Context, client *http.Client, baseURL, redirectURI string) (App, error) {
	if u, err := url.Parse(redirectURI); err != nil || !u.IsAbs() || u.Host == "" {
		return App{}, fmt.Errorf("register SocialOmm: %q is not a usable redirect URI", redirectURI)
	}
	host := displayHost(baseURL)
	form := url.Values{
		"client_name":   {ClientName},
		"redirect_uris": {redirectURI},
		"scopes":        {Scopes},
	}
	rep, _, err := send(ctx, client, host, request{method: http.MethodPost, url: endpoint(baseURL, "/api/v1/apps"), form: form})
	if err != nil {
		return App{}, err
	}
	if err := Classify(host, rep.status, rep.header, rep.body, time.Now()); err != nil {
		return App{}, fmt.Errorf("register SocialOmm on %s: %w", host, err)
	}
	var j struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(rep.body, &j); err != nil || j.ClientID == "" || j.ClientSecret == "" {
		return App{}, &kindError{
			kind: ErrMalformedResponse,
			msg:  host + " accepted SocialOmm's registration but did not give it a client id and secret",
		}
	}
	return App{
		ClientID:     j.ClientID,
		ClientSecret: j.ClientSecret,
		RedirectURI:  redirectURI,
		Scopes:       strings.Fields(Scopes),
	}, nil
}

// Port is the loopback port the App was registered with, or 0. A sign-in
// should try to listen on it first, so that servers matching the redirect
// URI exactly (GoToSocial) take the existing registration.
func (a App) Port() int {
	u, err := url.Parse(a.RedirectURI)
	if err != nil {
		return 0
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0
	}
	return p
}

// Accepts reports whether a sign-in whose loopback listener answers at
// redirectURI can use this registration, or must register again first.
//
// The same URI always fits. A loopback URI on another port fits only where
// the server ignores the port of loopback redirect URIs as RFC 8252 section
// 7.3 asks (anyLoopbackPort, from InstanceInfo.AnyLoopbackPort): Mastodon
// does; GoToSocial v0.18.3 does not. GoToSocial hands the registered
// redirect_uris to its OAuth library as the client's "domain"
// (internal/processing/app.go, Domain: form.RedirectURIs) and checks every
// authorize and token request with oauth2/v4 manage.DefaultValidateURI,
// which requires the requested URL's Host, port included, to end with the
// registered one (manage/util.go: strings.HasSuffix(redirect.Host,
// base.Host)); so http://127.0.0.1:5000/callback does not fit
// http://127.0.0.1:6000/callback, nor does a port-less
// http://127.0.0.1/callback fit any port.
func (a App) Accepts(redirectURI string, anyLoopbackPort bool) bool {
	if a.RedirectURI == "" {
		return false
	}
	if a.RedirectURI == redirectURI {
		return true
	}
	if !anyLoopbackPort {
		return false
	}
	have, err1 := url.Parse(a.RedirectURI)
	want, err2 := url.Parse(redirectURI)
	if err1 != nil || err2 != nil {
		return false
	}
	// Doorkeeper compares everything but the port, and only for loopback IP
	// literals (not "localhost").
	return loopbackIP(have) && loopbackIP(want) &&
		have.Scheme == want.Scheme &&
		have.User.String() == want.User.String() &&
		have.Hostname() == want.Hostname() &&
		have.Path == want.Path &&
		have.RawQuery == want.RawQuery &&
		have.Fragment == want.Fragment
}

func loopbackIP(u *url.URL) bool {
	addr, err := netip.ParseAddr(u.Hostname())
	return err == nil && addr.IsLoopback()
}

// OAuthConfig is the authorization-code configuration for app on the server
// at baseURL, for the loopback browser flow (core/oauth). The client secret
// goes in the token request's form (Doorkeeper and GoToSocial both read
// client_id and client_secret from it).
func OAuthConfig(baseURL string, app App) *oauth2.Config {
	scopes := app.Scopes
	if len(scopes) == 0 {
		scopes = strings.Fields(Scopes)
	}
	return &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   endpoint(baseURL, "/oauth/authorize"),
			TokenURL:  endpoint(baseURL, "/oauth/token"),
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: app.RedirectURI,
		Scopes:      append([]string(nil), scopes...),
	}
}

// CheckApp asks whether the server still knows app, before a sign-in is
// started with it: a sign-in with a registration the server lost ends on an
// error page in the browser and never comes back to the loopback listener.
// GoToSocial v0.18.3 deletes a registration when any account that signed in
// through it is deleted (internal/processing/account/delete.go,
// deleteUserAndTokensForAccount), and Mastodon when the owner deletes it.
//
// It asks for an app-level token (grant_type=client_credentials, which both
// servers support; GoToSocial wants redirect_uri on it too). nil means the
// registration works; an error that Is ErrAppGone means register again
// (Mastodon: 401 invalid_client; GoToSocial: 400 invalid_client for a wrong
// secret, 400 "sql: no rows in result set" for an unknown client id). Other
// errors (network trouble, an unexpected refusal) say nothing about the
// registration: go on with it.
func CheckApp(ctx context.Context, client *http.Client, baseURL string, app App) error {
	host := displayHost(baseURL)
	scopes := app.Scopes
	if len(scopes) == 0 {
		scopes = strings.Fields(Scopes)
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {app.ClientID},
		"client_secret": {app.ClientSecret},
		"redirect_uri":  {app.RedirectURI},
		"scope":         {strings.Join(scopes, " ")},
	}
	rep, _, err := send(ctx, client, host, request{method: http.MethodPost, url: endpoint(baseURL, "/oauth/token"), form: form,
		secrets: []string{app.ClientSecret}})
	if err != nil {
		return err
	}
	gone := &kindError{kind: ErrAppGone, msg: host + " no longer knows SocialOmm's registration; SocialOmm registers again"}
	switch rep.status {
	case http.StatusUnauthorized:
		return gone
	case http.StatusBadRequest:
		var j struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(rep.body, &j)
		if j.Error == "invalid_client" || strings.Contains(j.Error, "no rows") {
			return gone
		}
	}
	return Classify(host, rep.status, rep.header, rep.body, time.Now())
}

// RevokeWithApp ends token on the server with POST /oauth/revoke (RFC 7009),
// authenticated as app, which must be the App that issued the token.
// Servers without the endpoint (GoToSocial v0.18.3: 404) give an error that
// Is network.ErrRevokeUnsupported.
func RevokeWithApp(ctx context.Context, client *http.Client, baseURL string, app App, token string) error {
	host := displayHost(baseURL)
	form := url.Values{
		"client_id":     {app.ClientID},
		"client_secret": {app.ClientSecret},
		"token":         {token},
	}
	rep, _, err := send(ctx, client, host, request{method: http.MethodPost, url: endpoint(baseURL, "/oauth/revoke"), form: form,
		secrets: []string{token, app.ClientSecret}})
	if err != nil {
		return err
	}
	switch rep.status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return &kindError{
			kind: network.ErrRevokeUnsupported,
			msg:  host + " offers no way for an app to give up its access",
		}
	case http.StatusUnauthorized, http.StatusBadRequest:
		// invalid_client: the registration is unknown to the server. Not a
		// statement about the account's access.
		return &RejectedError{Status: rep.status, Message: serverMessage(rep.body)}
	}
	if err := Classify(host, rep.status, rep.header, rep.body, time.Now()); err != nil {
		return err
	}
	return nil
}

package oauthnet

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/oauth"
)

// Meta (Facebook Login, the Instagram API with Instagram Login, Threads)
// matches redirect URIs exactly against the list registered in the App
// Dashboard, with "Strict Mode" on for every app since March 2018
// (https://developers.facebook.com/blog/post/2017/12/18/strict-uri-matching/),
// and asks for https ones ("Enforce HTTPS"). A loopback listener on
// http://127.0.0.1 with a port chosen per attempt, as RFC 8252 wants, can
// therefore not be registered. SocialOmm's choice for these networks: the
// person registers one https redirect URI (PasteRedirectURI by default; any
// https address of theirs works), the browser ends on that address after
// sign-in (a page that may not even load: that is fine), and the person
// copies the address from the browser's address bar into SocialOmm, which
// reads the code from it (ParseRedirectURL) after checking the state.
// Facebook's device login was not chosen: it is meant for TVs and needs a
// separate client token.

// PasteRedirectURI is the redirect URI SocialOmm suggests registering with
// the Meta networks. Nothing listens there; the person copies the address
// the browser ends on.
const PasteRedirectURI = "https://localhost/socialomm/callback"

// ErrStateMismatch means the pasted address came from another sign-in
// attempt (or was tampered with).
var ErrStateMismatch = errors.New("this address is from another sign-in attempt: start the sign-in again and paste the address it ends on")

// ErrNotAnAddress means what was pasted is not the address the sign-in
// ended on.
var ErrNotAnAddress = errors.New("that is not the address the sign-in ended on: copy the whole address from the browser's address bar")

// ParseRedirectURL reads the authorization code from the address the
// browser ended on after the network's sign-in, as the person pasted it.
// The state must be wantState. It accepts a whole URL or just its query
// ("code=...&state=..."), with or without the "#_" Meta appends
// (https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions:
// "#_ will be appended to the end of the redirect URI, but it is not part
// of the code itself"). A refusal on the network's page comes back as
// *oauth.ProviderError (errors.Is oauth.ErrDenied when the person declined).
// No error text carries the code or the address.
func ParseRedirectURL(pasted string, wantState string) (code string, err error) {
	s := strings.TrimSpace(pasted)
	if s == "" || len(s) > 16<<10 {
		return "", ErrNotAnAddress
	}
	var q url.Values
	if u, perr := url.Parse(s); perr == nil && u.Scheme != "" && u.Host != "" {
		q = u.Query()
		if len(q) == 0 && u.Fragment != "" {
			// Implicit-style answers carry the parameters in the fragment.
			q, _ = url.ParseQuery(u.Fragment)
		}
	} else {
		raw := strings.TrimPrefix(s, "?")
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		if !strings.Contains(raw, "=") {
			return "", ErrNotAnAddress
		}
		var qerr error
		if q, qerr = url.ParseQuery(raw); qerr != nil {
			return "", ErrNotAnAddress
		}
	}
	got := q.Get("state")
	if wantState == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(wantState)) != 1 {
		return "", ErrStateMismatch
	}
	if e := q.Get("error"); e != "" {
		desc := q.Get("error_description")
		if desc == "" {
			desc = q.Get("error_reason")
		}
		return "", &oauth.ProviderError{Code: Clean(e), Description: Clean(desc)}
	}
	code = strings.TrimSuffix(q.Get("code"), "#_")
	if code == "" {
		return "", oauth.ErrNoCode
	}
	return code, nil
}

// ManualFlow is one "paste the final URL" sign-in: its own state and PKCE
// verifier, used once. The network's page is opened with AuthCodeURL; the
// pasted address goes to Code; Exchange trades the code for a token.
//
// PKCE is sent to the Meta networks too: where a network does not use it,
// it ignores both the challenge and the verifier; where it does, it checks
// them. Either way nothing breaks.
type ManualFlow struct {
	cfg      oauth2.Config
	state    string
	verifier string
}

// NewManualFlow prepares a sign-in with cfg, whose RedirectURL must be the
// https address the person registered.
func NewManualFlow(cfg *oauth2.Config) (*ManualFlow, error) {
	if cfg == nil || cfg.RedirectURL == "" {
		return nil, errors.New("the redirect URI registered with the network is not set")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &ManualFlow{cfg: *cfg, state: base64.RawURLEncoding.EncodeToString(b), verifier: oauth2.GenerateVerifier()}, nil
}

// State is the attempt's state, for a caller that parses the address
// itself with ParseRedirectURL.
func (m *ManualFlow) State() string { return m.state }

// AuthCodeURL is the network's sign-in page for this attempt.
func (m *ManualFlow) AuthCodeURL(extra ...oauth2.AuthCodeOption) string {
	opts := append(append([]oauth2.AuthCodeOption(nil), extra...), oauth2.S256ChallengeOption(m.verifier))
	return m.cfg.AuthCodeURL(m.state, opts...)
}

// Code reads the code from the pasted address (see ParseRedirectURL).
func (m *ManualFlow) Code(pasted string) (string, error) { return ParseRedirectURL(pasted, m.state) }

// Exchange trades code for a token at the config's token endpoint with a
// form POST carrying the client id and secret, the registered redirect URI
// and the PKCE verifier: the shape Facebook, Instagram and Threads document.
// Meta's answers (flat, or wrapped in "data") are read by ParseToken; the
// token's Expiry counts from now. (Facebook's manual-flow page shows a GET
// with query parameters; its token endpoint takes the standard form POST
// too, which golang.org/x/oauth2/facebook has always used.) Errors are *oauth.ExchangeError (the
// network refused: its words, never the code) or a transient error.
func (m *ManualFlow) Exchange(ctx context.Context, client *http.Client, networkName, code string, now time.Time) (*oauth2.Token, error) {
	form := url.Values{
		"client_id":     {m.cfg.ClientID},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {m.cfg.RedirectURL},
		"code":          {code},
		"code_verifier": {m.verifier},
	}
	secrets := []string{code, m.verifier}
	if m.cfg.ClientSecret != "" {
		form.Set("client_secret", m.cfg.ClientSecret)
		secrets = append(secrets, m.cfg.ClientSecret)
	}
	rep, _, err := Do(ctx, client, networkName, Request{
		Method: http.MethodPost, URL: m.cfg.Endpoint.TokenURL, Form: form, Secrets: secrets,
	})
	if err != nil {
		return nil, err
	}
	if rep.Status < 200 || rep.Status > 299 {
		return nil, exchangeRefused(networkName, rep.Safe())
	}
	t, err := ParseToken(rep.Body)
	if err != nil {
		return nil, Malformed(networkName, "the sign-in's token")
	}
	return t.OAuth2(now), nil
}

func exchangeRefused(networkName string, rep Reply) error {
	if rep.Status == http.StatusTooManyRequests || rep.Status >= 500 {
		return Generic(networkName, rep.Status, rep.Header, rep.Body, "", time.Time{})
	}
	ee := &oauth.ExchangeError{StatusCode: rep.Status}
	var oe oauthError
	if jsonErr := json.Unmarshal(rep.Body, &oe); jsonErr == nil {
		ee.Code = Clean(jsonString(oe.Error))
		ee.Description = Clean(oe.ErrorDescription)
	}
	if g, ok := ParseGraphError(rep.Body); ok {
		ee.Code = Clean(g.Type)
		ee.Description = g.Words()
		if c := ClassifyGraph(networkName, rep.Status, rep.Header, rep.Body, time.Time{}); network.IsTransient(c) || errors.Is(c, ErrAppKeys) {
			return c
		}
	}
	if ee.Code == "invalid_client" || ee.Code == "unauthorized_client" {
		return keysRefused(networkName, rep.Status, ee.Description)
	}
	return ee
}

// Package fositetest runs a spec-strict OAuth 2.0 authorization server for tests,
// built from github.com/ory/fosite and served in-process on 127.0.0.1.
//
// It enforces PKCE with S256 only, rotates refresh tokens (a used refresh token is
// refused, and reusing one revokes the whole grant), revokes tokens (RFC 7009) at
// /revoke, and answers /userinfo with the subject for a valid bearer token and 401
// otherwise. Its authorization endpoint has no login page: it approves at once for
// the configured subject, or refuses with error=access_denied after SetDeny(true).
//
// A client registered with a loopback redirect URI such as
// http://127.0.0.1/callback accepts that URI on any port, as RFC 8252 section 7.3
// asks: fosite matches loopback redirect URIs ignoring the port.
//
// Refresh tokens are issued only when the "offline" or "offline_access" scope is
// granted, as fosite does by default.
package fositetest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/storage"
	"golang.org/x/oauth2"
)

// Defaults used for zero Options fields.
const (
	DefaultClientID    = "socialomm-desktop"
	DefaultSecret      = "test-client-secret"
	DefaultSubject     = "alice"
	DefaultRedirectURI = "http://127.0.0.1/callback"
)

// DefaultScopes are the scopes the client may request when Options.Scopes is nil.
var DefaultScopes = []string{"read", "write", "offline_access"}

// Options configure the server and its one registered client.
type Options struct {
	ClientID string // DefaultClientID when empty
	// Public registers a public client (no secret; token_endpoint_auth_method
	// "none"), as a desktop app is. Otherwise the client is confidential and
	// authenticates with Secret (DefaultSecret when empty) in the Basic header.
	Public bool
	Secret string
	// Scopes the client may request; DefaultScopes when nil.
	Scopes []string
	// RedirectURIs registered for the client; DefaultRedirectURI when nil.
	RedirectURIs []string
	// AccessTokenLifespan: 1 hour when zero. A few seconds makes
	// golang.org/x/oauth2 refresh on every Token call (it treats tokens within 10 s
	// of expiry as expired), without any sleeping.
	AccessTokenLifespan time.Duration
	// RefreshTokenLifespan: 30 days when zero, never expiring when -1.
	RefreshTokenLifespan time.Duration
	// Subject the authorization endpoint signs in as; DefaultSubject when empty.
	Subject string
}

// AuthorizeRequest is what the authorization endpoint received.
type AuthorizeRequest struct {
	ClientID, RedirectURI, ResponseType, Scope, State string
	CodeChallenge, CodeChallengeMethod                string
	Error                                             string // OAuth error sent back, "" when a code was issued
}

// TokenRequest is what the token endpoint received, and how it answered.
type TokenRequest struct {
	GrantType, ClientID, RedirectURI string
	CodeVerifier                     string
	HadCode, HadRefreshToken         bool
	Status                           int
	Error                            string // OAuth error answered, "" on success
}

// Server is a running authorization server.
type Server struct {
	URL          string // http://127.0.0.1:PORT
	ClientID     string
	ClientSecret string // "" for a public client
	Public       bool

	http     *httptest.Server
	provider fosite.OAuth2Provider
	store    *storage.MemoryStore

	// mu serialises every request: fosite's memory store is not fully
	// race-free, and tests gain nothing from parallel requests here.
	mu        sync.Mutex
	deny      bool
	subject   string
	authLog   []AuthorizeRequest
	tokenLog  []TokenRequest
	userinfos int
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("fositetest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New runs a server on 127.0.0.1; the caller must Close it. Start is the usual
// way in tests.
func New(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if !opts.Public && opts.Secret == "" {
		opts.Secret = DefaultSecret
	}
	if opts.Public {
		opts.Secret = ""
	}
	if opts.Scopes == nil {
		opts.Scopes = DefaultScopes
	}
	if opts.RedirectURIs == nil {
		opts.RedirectURIs = []string{DefaultRedirectURI}
	}
	if opts.AccessTokenLifespan == 0 {
		opts.AccessTokenLifespan = time.Hour
	}
	if opts.RefreshTokenLifespan == 0 {
		opts.RefreshTokenLifespan = 30 * 24 * time.Hour
	}
	if opts.Subject == "" {
		opts.Subject = DefaultSubject
	}

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()

	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		ln.Close()
		return nil, err
	}
	cfg := &fosite.Config{
		AccessTokenLifespan:            opts.AccessTokenLifespan,
		RefreshTokenLifespan:           opts.RefreshTokenLifespan,
		AuthorizeCodeLifespan:          10 * time.Minute,
		GlobalSecret:                   secret,
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		TokenURL:                       base + "/token",
		HashCost:                       4, // bcrypt's minimum: keeps client auth fast
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.DefaultAudienceMatchingStrategy,
		RedirectSecureChecker:          fosite.IsRedirectURISecureStrict,
	}
	hasher := &fosite.BCrypt{Config: cfg}
	cfg.ClientSecretsHasher = hasher

	client := &fosite.DefaultClient{
		ID:            opts.ClientID,
		RedirectURIs:  slices.Clone(opts.RedirectURIs),
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		Scopes:        slices.Clone(opts.Scopes),
		Public:        opts.Public,
	}
	if !opts.Public {
		h, err := hasher.Hash(context.Background(), []byte(opts.Secret))
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("hash client secret: %w", err)
		}
		client.Secret = h
	}
	store := storage.NewMemoryStore()
	store.Clients[client.ID] = client

	provider := compose.Compose(cfg, store, compose.NewOAuth2HMACStrategy(cfg),
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	)

	s := &Server{
		URL:          base,
		ClientID:     opts.ClientID,
		ClientSecret: opts.Secret,
		Public:       opts.Public,
		provider:     provider,
		store:        store,
		subject:      opts.Subject,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("GET /userinfo", s.userinfo)
	s.http = httptest.NewUnstartedServer(s.serialise(mux))
	s.http.Listener.Close()
	s.http.Listener = ln
	s.http.Start()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Endpoint is the server's oauth2.Endpoint.
func (s *Server) Endpoint() oauth2.Endpoint {
	style := oauth2.AuthStyleInHeader
	if s.Public {
		style = oauth2.AuthStyleInParams
	}
	return oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), AuthStyle: style}
}

// Config is a client config for redirectURI, asking for scopes (all the client's
// scopes when none are given).
func (s *Server) Config(redirectURI string, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = s.clientScopes()
	}
	return &oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		Endpoint:     s.Endpoint(),
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}

// AuthURL, TokenURL, RevokeURL and UserinfoURL are the endpoints.
func (s *Server) AuthURL() string     { return s.URL + "/authorize" }
func (s *Server) TokenURL() string    { return s.URL + "/token" }
func (s *Server) RevokeURL() string   { return s.URL + "/revoke" }
func (s *Server) UserinfoURL() string { return s.URL + "/userinfo" }

// SetDeny makes the authorization endpoint refuse (error=access_denied) as a
// person pressing "Deny" would, or approve again.
func (s *Server) SetDeny(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = deny
}

// SetSubject changes who signs in from now on (a person signing in as another
// profile). Tokens already issued keep their subject.
func (s *Server) SetSubject(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subject = subject
}

// Revoke revokes a token through the RFC 7009 endpoint, as the client would. As
// the RFC says, revoking an access token also revokes its refresh token and the
// other way round in fosite.
func (s *Server) Revoke(token string) error {
	form := url.Values{"token": {token}}
	if s.Public {
		form.Set("client_id", s.ClientID)
	}
	req, err := http.NewRequest(http.MethodPost, s.RevokeURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	if !s.Public {
		req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("revoke: %s: %s", resp.Status, body)
	}
	return nil
}

// RevokeAll revokes every token issued so far, as a person removing the app in
// the network's settings would.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := context.Background()
	var ids []string
	for _, r := range s.store.AccessTokens {
		ids = append(ids, r.GetID())
	}
	for _, r := range s.store.RefreshTokens {
		ids = append(ids, r.GetID())
	}
	for _, id := range ids {
		_ = s.store.RevokeRefreshToken(ctx, id)
		_ = s.store.RevokeAccessToken(ctx, id)
	}
}

// AuthorizeRequests is the log of the authorization endpoint.
func (s *Server) AuthorizeRequests() []AuthorizeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.authLog)
}

// TokenRequests is the log of the token endpoint.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokenLog)
}

// UserinfoRequests counts the calls to /userinfo.
func (s *Server) UserinfoRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userinfos
}

func (s *Server) clientScopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.store.GetClient(context.Background(), s.ClientID)
	if err != nil {
		return nil
	}
	return slices.Clone(c.GetScopes())
}

func (s *Server) serialise(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	entry := AuthorizeRequest{
		ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), ResponseType: q.Get("response_type"),
		Scope: q.Get("scope"), State: q.Get("state"),
		CodeChallenge: q.Get("code_challenge"), CodeChallengeMethod: q.Get("code_challenge_method"),
	}
	fail := func(ar fosite.AuthorizeRequester, err error) {
		entry.Error = fosite.ErrorToRFC6749Error(err).ErrorField
		s.authLog = append(s.authLog, entry)
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
	}

	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		fail(ar, err)
		return
	}
	if s.deny {
		fail(ar, fosite.ErrAccessDenied.WithHint("The person declined to grant access."))
		return
	}
	for _, scope := range ar.GetRequestedScopes() {
		ar.GrantScope(scope)
	}
	session := &fosite.DefaultSession{Subject: s.subject, Username: s.subject}
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, session)
	if err != nil {
		fail(ar, err)
		return
	}
	s.authLog = append(s.authLog, entry)
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_ = r.ParseForm()
	entry := TokenRequest{
		GrantType: r.PostForm.Get("grant_type"), ClientID: r.PostForm.Get("client_id"),
		RedirectURI: r.PostForm.Get("redirect_uri"), CodeVerifier: r.PostForm.Get("code_verifier"),
		HadCode: r.PostForm.Has("code"), HadRefreshToken: r.PostForm.Has("refresh_token"),
	}
	if id, _, ok := r.BasicAuth(); ok {
		if u, err := url.QueryUnescape(id); err == nil {
			entry.ClientID = u
		}
	}
	fail := func(ar fosite.AccessRequester, err error) {
		rfc := fosite.ErrorToRFC6749Error(err)
		entry.Status, entry.Error = rfc.StatusCode(), rfc.ErrorField
		s.tokenLog = append(s.tokenLog, entry)
		s.provider.WriteAccessError(ctx, w, ar, err)
	}
	ar, err := s.provider.NewAccessRequest(ctx, r, new(fosite.DefaultSession))
	if err != nil {
		fail(ar, err)
		return
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		fail(ar, err)
		return
	}
	entry.Status = http.StatusOK
	s.tokenLog = append(s.tokenLog, entry)
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := s.provider.NewRevocationRequest(ctx, r)
	s.provider.WriteRevocationResponse(ctx, w, err)
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	s.userinfos++
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store")
	token := fosite.AccessTokenFromRequest(r)
	_, ar, err := s.provider.IntrospectToken(ctx, token, fosite.AccessToken, new(fosite.DefaultSession))
	if token == "" || err != nil {
		code := "invalid_token"
		if token == "" {
			code = "invalid_request"
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error=%q`, code))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "The access token is invalid"})
		return
	}
	sess := ar.GetSession()
	body := map[string]any{
		"sub":    sess.GetSubject(),
		"scope":  strings.Join(ar.GetGrantedScopes(), " "),
		"client": ar.GetClient().GetID(),
	}
	if exp := sess.GetExpiresAt(fosite.AccessToken); !exp.IsZero() {
		body["exp"] = exp.Unix()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

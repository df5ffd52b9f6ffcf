// Package contract runs local servers that answer as X, LinkedIn, Facebook,
// Instagram and Threads document their APIs: the sign-in endpoints, token
// endpoints, identity, publishing, and every lost-access answer the adapters
// must tell apart. Each canned body carries the documentation page it was
// shaped after.
//
// A server keeps real state (codes bound to their redirect URI and PKCE
// challenge, tokens, refresh rotation where the network rotates) and is
// scriptable per test: SetState makes every API call answer as a lost or
// throttled connection would, Next queues one exact answer for one route.
//
// Every server listens on 127.0.0.1 only. Request logs keep no secret:
// tokens, codes, verifiers and client secrets are recorded as "[set]".
package contract

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
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
)

// Answer is one scripted answer.
type Answer struct {
	Status int
	Header map[string]string
	Body   string
}

// State is what every API call answers with until changed.
type State string

const (
	// OK: tokens work.
	OK State = ""
	// Revoked: the person removed the app in the network's settings.
	Revoked State = "revoked"
	// Expired: the token reached its end.
	Expired State = "expired"
	// Invalid: the token is not accepted, cause not given.
	Invalid State = "invalid"
	// PasswordChanged: the person changed their password (Meta).
	PasswordChanged State = "password_changed"
	// Checkpoint: the person must log in on the network to fix something (Meta).
	Checkpoint State = "checkpoint"
	// ScopeLost: a permission was taken away.
	ScopeLost State = "scope_lost"
	// RateLimited: the network asks to slow down.
	RateLimited State = "rate_limited"
	// Down: the network answers 5xx.
	Down State = "down"
)

// Request is what a server received, secrets masked.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Form   url.Values
	Header http.Header
	// JSON is the decoded JSON body, if any.
	JSON map[string]any
}

// secretNames are masked in logs.
var secretNames = []string{
	"client_secret", "code", "code_verifier", "refresh_token", "access_token",
	"fb_exchange_token", "token", "input_token",
}

type grant struct {
	user     string
	scope    string
	issued   time.Time
	revoked  bool
	family   *family
	clientID string
}

// family is one sign-in's chain of refresh tokens: reusing a spent one ends
// the whole chain, as rotating servers do.
type family struct{ dead bool }

type code struct {
	clientID, redirectURI, challenge, method, user, scope string
	used                                                  bool
}

// base is what every network's server shares.
type base struct {
	t    testing.TB
	srv  *httptest.Server
	URL  string
	mux  *http.ServeMux
	now  func() time.Time
	name string

	ClientID     string
	ClientSecret string
	// RedirectURIs registered with the app; matched exactly.
	RedirectURIs []string
	// RequirePKCE refuses an authorization request without a
	// code_challenge, as X does.
	RequirePKCE bool

	mu      sync.Mutex
	state   State
	once    []State // states for the next API calls, one each, before state applies
	next    map[string][]Answer
	log     []Request
	codes   map[string]*code
	access  map[string]*grant
	refresh map[string]*grant
	user    string
	held    map[string][]*hold
}

// hold keeps one request waiting at the door until released.
type hold struct {
	arrived, release chan struct{}
}

func newBase(t testing.TB, name string) *base {
	t.Helper()
	b := &base{
		t: t, name: name, mux: http.NewServeMux(), now: time.Now,
		ClientID: "socialomm-test-client", ClientSecret: "socialomm-test-secret",
		next: map[string][]Answer{}, codes: map[string]*code{},
		access: map[string]*grant{}, refresh: map[string]*grant{},
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("contract: listen: %v", err)
	}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(b.serve))
	b.srv.Listener.Close()
	b.srv.Listener = ln
	b.srv.Start()
	b.URL = b.srv.URL
	t.Cleanup(b.srv.Close)
	return b
}

// SetNow sets the server's clock (token ages, rate-limit resets).
func (b *base) SetNow(now func() time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = now
}

// Now is the server's time.
func (b *base) Now() time.Time {
	b.mu.Lock()
	now := b.now
	b.mu.Unlock()
	return now()
}

// SetState makes every API call answer as s until changed.
func (b *base) SetState(s State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state = s
}

// Once makes the next API call answer as s, then the set state applies
// again. Several calls queue.
func (b *base) Once(s State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.once = append(b.once, s)
}

// Next queues a over whatever the route would answer, once. route is
// "METHOD /path", e.g. "POST /2/tweets".
func (b *base) Next(route string, a Answer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next[route] = append(b.next[route], a)
}

// HoldNext makes the next request to route ("POST /2/oauth2/token") wait,
// before the server reads it, until release is called; arrived is closed
// when it comes. Tests use it to keep one request in flight while another
// process acts. The test's end releases it too.
func (b *base) HoldNext(route string) (arrived <-chan struct{}, release func()) {
	h := &hold{arrived: make(chan struct{}), release: make(chan struct{})}
	var once sync.Once
	release = func() { once.Do(func() { close(h.release) }) }
	b.t.Cleanup(release)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held == nil {
		b.held = map[string][]*hold{}
	}
	b.held[route] = append(b.held[route], h)
	return h.arrived, release
}

// SetUser changes who signs in from now on.
func (b *base) SetUser(user string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.user = user
}

// Requests is the log of what the server received, secrets masked.
func (b *base) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.log)
}

// RequestsTo is the log for one route ("POST /2/tweets").
func (b *base) RequestsTo(route string) []Request {
	var out []Request
	for _, r := range b.Requests() {
		if r.Method+" "+r.Path == route {
			out = append(out, r)
		}
	}
	return out
}

// Client is an HTTP client for this server.
func (b *base) Client() *http.Client { return b.srv.Client() }

func (b *base) serve(w http.ResponseWriter, r *http.Request) {
	var raw []byte
	if r.Body != nil {
		raw, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body.Close()
	}
	entry := Request{Method: r.Method, Path: r.URL.Path, Query: mask(r.URL.Query()), Header: r.Header.Clone()}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		form, _ := url.ParseQuery(string(raw))
		entry.Form = mask(form)
		r.PostForm = form
		r.Form = form
	} else if strings.HasPrefix(ct, "application/json") {
		_ = json.Unmarshal(raw, &entry.JSON)
	}
	if entry.Header.Get("Authorization") != "" {
		entry.Header.Set("Authorization", "[set]")
	}
	route := r.Method + " " + r.URL.Path
	b.mu.Lock()
	var h *hold
	if q := b.held[route]; len(q) > 0 {
		h = q[0]
		b.held[route] = q[1:]
	}
	b.mu.Unlock()
	if h != nil {
		close(h.arrived)
		<-h.release
	}
	b.mu.Lock()
	b.log = append(b.log, entry)
	var scripted *Answer
	if q := b.next[route]; len(q) > 0 {
		a := q[0]
		b.next[route] = q[1:]
		scripted = &a
	}
	b.mu.Unlock()
	if scripted != nil {
		write(w, *scripted)
		return
	}
	b.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rawBodyKey{}, raw)))
}

type rawBodyKey struct{}

// rawBody is the request body as the handler received it.
func rawBody(r *http.Request) []byte {
	b, _ := r.Context().Value(rawBodyKey{}).([]byte)
	return b
}

// param is a form field, else a query parameter.
func param(r *http.Request, name string) string {
	if r.PostForm != nil {
		if v := r.PostForm.Get(name); v != "" {
			return v
		}
	}
	return r.URL.Query().Get(name)
}

func mask(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if slices.Contains(secretNames, k) {
			out[k] = []string{"[set]"}
			continue
		}
		out[k] = slices.Clone(vs)
	}
	return out
}

func write(w http.ResponseWriter, a Answer) {
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" && a.Body != "" {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, a.Body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, _ := json.Marshal(v)
	write(w, Answer{Status: status, Body: string(data)})
}

func randomToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// currentState takes the next one-shot state, else the set state.
func (b *base) currentState() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.once) > 0 {
		s := b.once[0]
		b.once = b.once[1:]
		return s
	}
	return b.state
}

// authorize is the sign-in page: it approves at once for the current user
// and redirects with a code bound to the redirect URI and PKCE challenge,
// or with error=... as the networks do. suffix is appended to the redirect
// (Meta appends "#_").
func (b *base) authorize(w http.ResponseWriter, r *http.Request, suffix string) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != b.ClientID || !slices.Contains(b.RedirectURIs, redirect) {
		// Networks show an error page rather than redirecting to an
		// unregistered address.
		write(w, Answer{Status: http.StatusBadRequest, Header: map[string]string{"Content-Type": "text/html"},
			Body: "<html><body>Invalid redirect_uri or client_id</body></html>"})
		return
	}
	if q.Get("response_type") != "code" {
		b.redirectError(w, r, redirect, "unsupported_response_type", "response_type must be code", suffix)
		return
	}
	if b.RequirePKCE && q.Get("code_challenge") == "" {
		b.redirectError(w, r, redirect, "invalid_request", "Missing required parameter [code_challenge].", suffix)
		return
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" {
		b.redirectError(w, r, redirect, "invalid_request", "code_challenge_method must be S256", suffix)
		return
	}
	c := randomToken("code-")
	b.mu.Lock()
	b.codes[c] = &code{clientID: q.Get("client_id"), redirectURI: redirect, challenge: q.Get("code_challenge"),
		method: q.Get("code_challenge_method"), user: b.user, scope: q.Get("scope")}
	b.mu.Unlock()
	u, _ := url.Parse(redirect)
	rq := u.Query()
	rq.Set("code", c)
	if s := q.Get("state"); s != "" {
		rq.Set("state", s)
	}
	u.RawQuery = rq.Encode()
	http.Redirect(w, r, u.String()+suffix, http.StatusFound)
}

func (b *base) redirectError(w http.ResponseWriter, r *http.Request, redirect, code, desc, suffix string) {
	u, _ := url.Parse(redirect)
	rq := u.Query()
	rq.Set("error", code)
	rq.Set("error_description", desc)
	rq.Set("state", r.URL.Query().Get("state"))
	u.RawQuery = rq.Encode()
	http.Redirect(w, r, u.String()+suffix, http.StatusFound)
}

// redeem checks an authorization code as a strict server does: known,
// unused, same client and redirect URI, and the PKCE verifier when a
// challenge was sent. It returns the code's grant or an OAuth error code.
func (b *base) redeem(clientID, c, redirectURI, verifier string) (*code, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cd, ok := b.codes[c]
	if !ok || cd.used {
		return nil, "invalid_grant"
	}
	cd.used = true
	if cd.clientID != clientID || cd.redirectURI != redirectURI {
		return nil, "invalid_grant"
	}
	if cd.challenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if verifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != cd.challenge {
			return nil, "invalid_grant"
		}
	}
	return cd, ""
}

// issue makes an access token (and a refresh token when withRefresh) for
// user.
func (b *base) issue(user, scope, clientID string, withRefresh bool, fam *family) (access, refresh string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if fam == nil {
		fam = &family{}
	}
	g := &grant{user: user, scope: scope, issued: b.now(), family: fam, clientID: clientID}
	access = randomToken(b.name + "-access-")
	b.access[access] = g
	if withRefresh {
		refresh = randomToken(b.name + "-refresh-")
		b.refresh[refresh] = g
	}
	return access, refresh
}

// bearer finds the grant of the request's token (Authorization: Bearer,
// or the access_token parameter Meta also accepts), revoked or not; nil
// when the token was never issued.
func (b *base) bearer(r *http.Request) *grant {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" || tok == r.Header.Get("Authorization") {
		tok = param(r, "access_token")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.access[tok]
}

// dead reports whether g can no longer be used.
func (b *base) dead(g *grant) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return g == nil || g.revoked || g.family.dead
}

// revokeAll ends every token, as removing the app in the network's
// settings does.
func (b *base) revokeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, g := range b.access {
		g.revoked = true
	}
	for _, g := range b.refresh {
		g.revoked = true
	}
}

// RevokeAll ends every token issued so far (the person removed the app).
// Calls with those tokens then answer as the network answers for a revoked
// token.
func (b *base) RevokeAll() { b.revokeAll() }

// clientAuth reads the client credentials from Basic or the form.
func clientAuth(r *http.Request) (id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		return id, secret
	}
	return param(r, "client_id"), param(r, "client_secret")
}

// Location follows nothing: it asks authURL as a browser would and returns
// where the network sends the browser next.
func Location(t testing.TB, authURL string) string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatalf("contract: open the sign-in page: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("contract: the sign-in page answered %d, not a redirect", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// Browse does what the person's browser does for a loopback sign-in: opens
// the network's page, which approves at once, and follows the redirect to
// the app's listener.
func Browse(t testing.TB, authURL string) {
	t.Helper()
	loc := Location(t, authURL)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(loc)
	if err != nil {
		t.Fatalf("contract: follow the redirect to the app: %v", err)
	}
	resp.Body.Close()
}

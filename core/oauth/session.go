// Package oauth runs the desktop OAuth 2.0 sign-in of RFC 8252: the network's page
// opens in the person's own browser, and the answer comes back to a loopback
// listener on 127.0.0.1 that lives for one attempt only, protected by a random
// state and PKCE (S256).
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network/netclient"
)

// DefaultTimeout is how long an attempt waits for the browser to come back.
const DefaultTimeout = 5 * time.Minute

// ExchangeTimeout bounds the code exchange at a token endpoint, whatever
// client the caller gave.
const ExchangeTimeout = 30 * time.Second

// DefaultCallbackPath is the path of the loopback redirect URI.
const DefaultCallbackPath = "/callback"

// Options tune one sign-in attempt. The zero value is usable.
type Options struct {
	// Logger receives progress messages; nil discards them. Codes, tokens, the
	// state and the verifier are never logged.
	Logger *slog.Logger
	// Timeout bounds the wait for the browser; DefaultTimeout when zero. When it
	// passes, the listener closes even if nobody calls Wait or Close.
	Timeout time.Duration
	// CallbackPath is the redirect URI's path; DefaultCallbackPath when empty.
	CallbackPath string
	// NetworkName ("Mastodon", "X") is used in the pages the browser tab ends on.
	NetworkName string
	// PreferredPort, when set, is tried first: servers that match the
	// redirect URI exactly (GoToSocial) accept only the port the app was
	// registered with. If it is taken, the OS picks a free port and the
	// caller registers again for it.
	PreferredPort int
}

// Opener opens a URL in the person's browser.
type Opener func(ctx context.Context, url string) error

// Session is one sign-in attempt: a loopback listener, a state and a PKCE
// verifier, all used once. It is safe for concurrent use.
type Session struct {
	log         *slog.Logger
	network     string
	path        string
	timeout     time.Duration
	redirectURI string
	host        string // "127.0.0.1:PORT", the only Host header accepted
	state       string
	verifier    string // tests swap it to prove the server checks PKCE

	srv       *http.Server
	serveDone chan struct{}

	mu       sync.Mutex
	timer    *time.Timer // the attempt's deadline
	finished bool
	code     string
	err      error
	rejected int

	done       chan struct{} // closed once the outcome is known
	signalOnce sync.Once
	stopOnce   sync.Once
}

// Start opens the loopback listener on 127.0.0.1 with a port chosen by the OS for
// this attempt, and makes the state and PKCE verifier. The caller must end the
// attempt with Wait or Close (or let Options.Timeout pass).
func Start(ctx context.Context, opts Options) (*Session, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	path := opts.CallbackPath
	if path == "" {
		path = DefaultCallbackPath
	}
	if path[0] != '/' {
		path = "/" + path
	}
	state, err := randomToken(32)
	if err != nil {
		return nil, fmt.Errorf("make sign-in state: %w", err)
	}

	var lc net.ListenConfig
	var ln net.Listener
	if opts.PreferredPort > 0 {
		ln, err = lc.Listen(ctx, "tcp4", fmt.Sprintf("127.0.0.1:%d", opts.PreferredPort))
	}
	if ln == nil {
		ln, err = lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	}
	if err != nil {
		return nil, fmt.Errorf("open loopback listener for the sign-in: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	s := &Session{
		log:         logger.With("component", "oauth", "network", opts.NetworkName),
		network:     opts.NetworkName,
		path:        path,
		timeout:     timeout,
		redirectURI: "http://" + host + path,
		host:        host,
		state:       state,
		verifier:    oauth2.GenerateVerifier(),
		serveDone:   make(chan struct{}),
		done:        make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// net/http's own complaints (bad TLS hello, panics) go to our logger at
		// debug level instead of stderr. They never carry the query string.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(ln) // always ErrServerClosed after stop
	}()
	// The deadline is armed here rather than in Wait so that a forgotten
	// session still closes its port.
	s.mu.Lock()
	s.timer = time.AfterFunc(timeout, func() {
		if s.finish("", &TimeoutError{After: timeout}) {
			s.signal()
		}
		s.stop()
	})
	s.mu.Unlock()
	s.log.Info("waiting for sign-in", "redirect_uri", s.redirectURI, "timeout", timeout)
	return s, nil
}

// RedirectURI is http://127.0.0.1:PORT/callback for this attempt.
func (s *Session) RedirectURI() string { return s.redirectURI }

// AuthCodeURL is the network's authorization URL with this attempt's state and
// S256 code challenge. The redirect URI used is always RedirectURI(), whatever
// cfg.RedirectURL says; cfg is not modified.
func (s *Session) AuthCodeURL(cfg *oauth2.Config, extra ...oauth2.AuthCodeOption) string {
	c := s.config(cfg)
	// Ours go last so that extra options cannot replace the challenge.
	opts := append(append([]oauth2.AuthCodeOption(nil), extra...), oauth2.S256ChallengeOption(s.verifier))
	return c.AuthCodeURL(s.state, opts...)
}

// Wait blocks until the browser comes back with this attempt's state, the
// timeout passes, ctx is cancelled or Close is called, and returns the
// authorization code or ErrDenied, *ProviderError, ErrNoCode, ErrTimeout
// (*TimeoutError), ErrCancelled or ErrClosed. Callbacks with a wrong or missing
// state are answered and ignored: they cannot end the wait. When Wait returns,
// the listener is closed. Calling Wait again returns the same outcome.
func (s *Session) Wait(ctx context.Context) (string, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		if s.finish("", cancelled(ctx)) {
			s.signal()
		}
	}
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.code, s.err
}

// Exchange trades the code for tokens at cfg's token endpoint, sending this
// attempt's PKCE verifier and redirect URI. Errors are *ExchangeError.
func (s *Session) Exchange(ctx context.Context, cfg *oauth2.Config, code string) (*oauth2.Token, error) {
	c := s.config(cfg)
	// oauth2 falls back to http.DefaultClient (no timeout, any redirect)
	// when ctx names no client; the code exchange carries the code and
	// client secret, so it gets the guarded client and a bound either way.
	client, _ := ctx.Value(oauth2.HTTPClient).(*http.Client)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, netclient.Guard(client))
	ctx, cancel := context.WithTimeout(ctx, ExchangeTimeout)
	defer cancel()
	tok, err := c.Exchange(ctx, code, oauth2.VerifierOption(s.verifier))
	if err != nil {
		err = exchangeError(err)
		s.log.Warn("sign-in code exchange failed", "error", err)
		return nil, err
	}
	s.log.Info("sign-in complete", "has_refresh_token", tok.RefreshToken != "", "expiry", tok.Expiry)
	return tok, nil
}

// Close ends the attempt (Wait then returns ErrClosed if nothing had arrived) and
// closes the listener. It is idempotent and always returns nil.
func (s *Session) Close() error {
	if s.finish("", ErrClosed) {
		s.signal()
	}
	s.stop()
	return nil
}

// Run is the whole flow for networks whose client config can be built before
// the port is known: Start, open the browser, Wait, Exchange, Close.
func Run(ctx context.Context, cfg *oauth2.Config, open Opener, opts Options, extra ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	s, err := Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := open(ctx, s.AuthCodeURL(cfg, extra...)); err != nil {
		return nil, fmt.Errorf("open the browser for the sign-in: %w", err)
	}
	code, err := s.Wait(ctx)
	if err != nil {
		return nil, err
	}
	return s.Exchange(ctx, cfg, code)
}

func (s *Session) config(cfg *oauth2.Config) *oauth2.Config {
	c := *cfg
	if c.RedirectURL != "" && c.RedirectURL != s.redirectURI {
		s.log.Warn("client config had another redirect URL; using this attempt's", "configured", c.RedirectURL)
	}
	c.RedirectURL = s.redirectURI
	return &c
}

// ServeHTTP answers the loopback listener.
func (s *Session) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A page elsewhere that makes the browser call us (or DNS rebinding) would
	// come with another Host; the real redirect names 127.0.0.1:PORT exactly.
	if r.Host != s.host {
		writePage(w, http.StatusMisdirectedRequest, misdirectedPage())
		return
	}
	if r.URL.Path != s.path {
		writePage(w, http.StatusNotFound, notFoundPage())
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, http.StatusMethodNotAllowed, methodPage())
		return
	}
	q := r.URL.Query()

	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		writePage(w, http.StatusGone, finishedPage(s.network))
		return
	}
	if !s.stateMatches(q.Get("state")) {
		s.rejected++
		s.mu.Unlock()
		// Not an outcome: an attacker's request must not cancel the real one.
		s.log.Warn("rejected a sign-in callback that did not come from this attempt", "had_state", q.Has("state"))
		writePage(w, http.StatusBadRequest, wrongStatePage(s.network))
		return
	}
	var (
		code   string
		err    error
		status = http.StatusOK
		p      page
	)
	switch {
	case q.Get("error") != "":
		pe := &ProviderError{Code: q.Get("error"), Description: q.Get("error_description"), URI: q.Get("error_uri")}
		err = pe
		if errors.Is(pe, ErrDenied) {
			p = deniedPage(s.network)
		} else {
			p = providerErrorPage(s.network, pe)
		}
	case q.Get("code") != "":
		code = q.Get("code")
		p = successPage(s.network)
	default:
		err = ErrNoCode
		status = http.StatusBadRequest
		p = noCodePage(s.network)
	}
	s.setOutcomeLocked(code, err)
	s.mu.Unlock()

	// The page is written before Wait hears of the outcome, so the person sees it
	// before the listener shuts down.
	defer s.signal()
	writePage(w, status, p)
}

func (s *Session) stateMatches(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.state)) == 1
}

// finish records the outcome unless one is already known, and reports whether
// it did.
func (s *Session) finish(code string, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return false
	}
	s.setOutcomeLocked(code, err)
	return true
}

func (s *Session) setOutcomeLocked(code string, err error) {
	s.finished = true
	s.code, s.err = code, err
	switch {
	case err == nil:
		s.log.Info("sign-in callback received")
	case errors.Is(err, ErrClosed):
		s.log.Debug("sign-in attempt closed")
	default:
		s.log.Info("sign-in attempt ended", "error", err)
	}
}

func (s *Session) signal() { s.signalOnce.Do(func() { close(s.done) }) }

// stop closes the listener (synchronously: when stop returns, the port refuses
// connections) and lets a page being written finish, briefly.
func (s *Session) stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		if s.timer != nil { // nil only if the timer fired before Start stored it
			s.timer.Stop()
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
		<-s.serveDone
	})
}

func cancelled(ctx context.Context) error {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, context.Canceled) {
		return ErrCancelled
	}
	return fmt.Errorf("%w: %w", ErrCancelled, cause)
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

package netclient

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrRedirectRefused: a server answered a request that carries access to a
// profile with a redirect to another scheme, host or port. It is not
// followed: Go drops Authorization only across hosts, not on a downgrade
// from https to http or a move to another port of the same host, and never
// drops a token in a form or query.
var ErrRedirectRefused = errors.New("redirect refused")

// maxRedirects is Go's own limit, kept.
const maxRedirects = 10

// secretParams are query keys that carry a credential.
var secretParams = []string{"access_token", "token", "refresh_token", "client_secret", "code", "code_verifier", "password"}

// CheckRedirect is every SocialOmm client's redirect policy: a request that
// may carry a credential (an Authorization header, a secret in the query,
// or any body: a form or JSON with a token or code) follows redirects only
// to the same scheme, host and port. Plain GETs (an avatar, an instance's
// public page) follow any redirect, up to Go's limit.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	first := via[0]
	if !carriesCredential(first) || sameOrigin(first.URL, req.URL) {
		return nil
	}
	return &RedirectError{From: origin(first.URL), To: origin(req.URL)}
}

// RedirectError is a refused redirect; it Is ErrRedirectRefused. From and
// To are scheme://host:port only.
type RedirectError struct{ From, To string }

func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s redirected SocialOmm to %s (another scheme, host or port); "+
		"the request carried the profile's access, so SocialOmm did not follow it", e.From, e.To)
}

func (e *RedirectError) Is(target error) bool { return target == ErrRedirectRefused }

// carriesCredential reports whether r may hold a secret.
func carriesCredential(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return true // a body: a form with a code, a token, a client secret
	}
	q := r.URL.Query()
	for _, k := range secretParams {
		if q.Has(k) {
			return true
		}
	}
	return false
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// origin is scheme://host:port, never a path or query (they may hold a
// secret).
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(u.Hostname(), port(u))
}

// Guard returns a copy of client with CheckRedirect as its redirect policy
// and, when it had none, DefaultTimeout as its bound (every token endpoint
// is reached through it); a DefaultClient for nil.
func Guard(client *http.Client) *http.Client {
	if client == nil {
		return DefaultClient()
	}
	c := *client
	c.CheckRedirect = CheckRedirect
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return &c
}

// DefaultTimeout bounds one request of a DefaultClient.
const DefaultTimeout = 30 * time.Second

package netclient

import (
	"errors"
	"net/http"
	"testing"
)

func TestCheckRedirectKeepsCredentialsAtTheirOrigin(t *testing.T) {
	req := func(method, url, auth string) *http.Request {
		r, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	cases := []struct {
		name    string
		first   *http.Request
		to      string
		refused bool
	}{
		{"token, same origin", req("GET", "https://a.example/api", "Bearer t"), "https://a.example/other", false},
		{"token, default port spelled out", req("GET", "https://a.example/api", "Bearer t"), "https://a.example:443/x", false},
		{"token, https to http", req("GET", "https://a.example/api", "Bearer t"), "http://a.example/api", true},
		{"token, another port", req("GET", "https://a.example/api", "Bearer t"), "https://a.example:8443/api", true},
		{"token, another host", req("GET", "https://a.example/api", "Bearer t"), "https://b.example/api", true},
		{"token in the query", req("GET", "https://graph.example/me?access_token=t", ""), "https://evil.example/", true},
		{"a form (code, secret)", req("POST", "https://a.example/oauth/token", ""), "https://b.example/oauth/token", true},
		{"plain GET (avatar) to a CDN", req("GET", "https://a.example/avatar.png", ""), "https://cdn.example/a.png", false},
	}
	for _, c := range cases {
		err := CheckRedirect(req("GET", c.to, ""), []*http.Request{c.first})
		if c.refused != (err != nil) {
			t.Errorf("%s: err = %v, refused want %t", c.name, err, c.refused)
		}
		if err != nil && !errors.Is(err, ErrRedirectRefused) {
			t.Errorf("%s: %v is not ErrRedirectRefused", c.name, err)
		}
	}
	many := make([]*http.Request, maxRedirects)
	for i := range many {
		many[i] = req("GET", "https://a.example/", "")
	}
	if CheckRedirect(req("GET", "https://a.example/", ""), many) == nil {
		t.Error("followed more than Go's limit of redirects")
	}
}

func TestGuardBoundsEveryClient(t *testing.T) {
	for _, c := range []*http.Client{nil, {}, {Timeout: 5e9}} {
		g := Guard(c)
		if g.CheckRedirect == nil || g.Timeout <= 0 {
			t.Errorf("Guard(%+v) = %+v: no redirect policy or no timeout", c, g)
		}
		if c != nil && c.Timeout > 0 && g.Timeout != c.Timeout {
			t.Errorf("Guard changed a timeout the caller chose: %v", g.Timeout)
		}
		if c != nil && c.CheckRedirect != nil {
			t.Error("Guard changed the caller's client")
		}
	}
}

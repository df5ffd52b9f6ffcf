package mastodon

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/netclient"
)

// A Mastodon-compatible server (TLS) that answers an authorised request with
// a redirect to another scheme or port: SocialOmm does not follow it, the
// token never reaches the second server, and the error says what happened.
func TestAuthorisedRequestsDoNotFollowRedirectsElsewhere(t *testing.T) {
	cases := []struct {
		name string
		// second starts the server the redirect points to.
		second func(http.Handler) *httptest.Server
		scheme string
	}{
		{"https to http (downgrade)", httptest.NewServer, "http"},
		{"https to another port", httptest.NewTLSServer, "https"},
	}
	calls := []struct {
		name string
		do   func(a *Adapter, base string) error
	}{
		{"verify_credentials", func(a *Adapter, base string) error {
			_, err := a.Verify(context.Background(), accountAt(base), creds)
			return err
		}},
		{"publish", func(a *Adapter, base string) error {
			_, err := a.Publish(context.Background(), accountAt(base), creds, "hello", "key-1")
			return err
		}},
	}
	for _, c := range cases {
		for _, call := range calls {
			t.Run(c.name+"/"+call.name, func(t *testing.T) {
				var reached, withToken atomic.Int64
				second := c.second(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					reached.Add(1)
					if strings.Contains(r.Header.Get("Authorization"), token) || strings.Contains(r.URL.RawQuery, token) {
						withToken.Add(1)
					}
					w.Write([]byte(mastodonAccount))
				}))
				defer second.Close()
				first := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/api/v2/instance" {
						w.Write([]byte(mastodonV2Instance))
						return
					}
					// 302: Go turns the POST into a GET and keeps the
					// Authorization header for the same host name.
					http.Redirect(w, r, second.URL+r.URL.Path, http.StatusFound)
				}))
				defer first.Close()
				if !strings.HasPrefix(second.URL, c.scheme+"://127.0.0.1:") || !strings.HasPrefix(first.URL, "https://127.0.0.1:") {
					t.Fatalf("servers at %s and %s", first.URL, second.URL)
				}
				// The same client the engine builds: guarded, here trusting
				// the test certificate (both servers share it).
				a := New(netclient.Guard(first.Client()))
				err := call.do(a, first.URL)
				if err == nil {
					t.Fatal("the request succeeded through the redirect")
				}
				if reached.Load() != 0 || withToken.Load() != 0 {
					t.Fatalf("the second server was asked %d times, %d with the token", reached.Load(), withToken.Load())
				}
				if !errors.Is(err, netclient.ErrRedirectRefused) {
					t.Errorf("error does not say the redirect was refused: %v", err)
				}
				msg := err.Error()
				want := "redirected SocialOmm to " + second.URL
				if !strings.Contains(msg, want) || !strings.Contains(msg, "did not follow") {
					t.Errorf("error = %q, want it to say %q and that it was not followed", msg, want)
				}
				if strings.Contains(msg, token) {
					t.Errorf("the error text holds the token: %s", msg)
				}
			})
		}
	}
}

// The same server redirecting within itself (same scheme, host and port) is
// followed: only moves elsewhere are refused.
func TestAuthorisedRequestsFollowRedirectsWithinTheServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/instance":
			w.Write([]byte(mastodonV2Instance))
		case "/api/v1/accounts/verify_credentials":
			http.Redirect(w, r, "/moved/verify_credentials", http.StatusFound)
		default:
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(mastodonAccount))
		}
	}))
	defer srv.Close()
	if _, err := New(netclient.Guard(srv.Client())).Verify(context.Background(), accountAt(srv.URL), creds); err != nil {
		t.Fatalf("a redirect within the server was refused: %v", err)
	}
}

func accountAt(base string) account.Account {
	return account.Account{Network: "mastodon", Instance: base, RemoteID: "14715"}
}

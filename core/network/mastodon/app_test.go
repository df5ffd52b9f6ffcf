package mastodon

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/network"
)

func TestRegister(t *testing.T) {
	var got http.Request
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		got = *r
		// Shaped like Mastodon's documented answer (GoToSocial's is the same
		// minus redirect_uris and scopes).
		w.Write([]byte(`{
		  "id": "563419",
		  "name": "SocialOmm",
		  "website": null,
		  "scopes": ["read:accounts", "read:statuses", "write:statuses"],
		  "redirect_uri": "http://127.0.0.1:51234/callback",
		  "redirect_uris": ["http://127.0.0.1:51234/callback"],
		  "vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=",
		  "client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
		  "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw"
		}`))
	})
	app, err := Register(context.Background(), nil, base, "http://127.0.0.1:51234/callback")
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/api/v1/apps" {
		t.Errorf("request %s %s", got.Method, got.URL.Path)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	if got.Header.Get("Authorization") != "" {
		t.Error("registration must not send a token")
	}
	form := got.PostForm
	if form.Get("client_name") != "SocialOmm" || form.Get("redirect_uris") != "http://127.0.0.1:51234/callback" ||
		form.Get("scopes") != "read:accounts read:statuses write:statuses" || len(form["redirect_uris"]) != 1 {
		t.Errorf("form %v", form)
	}
	want := App{
		ClientID:     "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
		ClientSecret: "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
		RedirectURI:  "http://127.0.0.1:51234/callback",
		Scopes:       []string{"read:accounts", "read:statuses", "write:statuses"},
	}
	if !reflect.DeepEqual(app, want) {
		t.Errorf("got %+v, want %+v", app, want)
	}
	if app.Port() != 51234 {
		t.Errorf("Port %d", app.Port())
	}
}

func TestRegisterErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("422", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"error":"Validation failed: Redirect URI must be an absolute URI."}`))
		})
		_, err := Register(ctx, nil, base, "http://127.0.0.1:1/callback")
		var re *RejectedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "Redirect URI must be an absolute URI") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no secret", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"id":"1","client_id":"x"}`)) })
		_, err := Register(ctx, nil, base, "http://127.0.0.1:1/callback")
		if !errors.Is(err, ErrMalformedResponse) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad redirect", func(t *testing.T) {
		if _, err := Register(ctx, nil, "https://mastodon.social", "/callback"); err == nil {
			t.Fatal("a relative redirect URI was accepted")
		}
	})
}

func TestAppAccepts(t *testing.T) {
	app := App{RedirectURI: "http://127.0.0.1:51234/callback"}
	cases := []struct {
		redirect string
		anyPort  bool
		want     bool
	}{
		{"http://127.0.0.1:51234/callback", false, true},
		{"http://127.0.0.1:51234/callback", true, true},
		// GoToSocial v0.18.3: another port needs another registration.
		{"http://127.0.0.1:40000/callback", false, false},
		// Mastodon (Doorkeeper): the port of a loopback IP may vary...
		{"http://127.0.0.1:40000/callback", true, true},
		// ...but nothing else.
		{"http://127.0.0.1:40000/other", true, false},
		{"https://127.0.0.1:40000/callback", true, false},
		{"http://localhost:40000/callback", true, false},
		{"http://[::1]:40000/callback", true, false},
		{"http://ana@127.0.0.1:40000/callback", true, false},
		{"http://127.0.0.1:40000/callback?x=1", true, false},
		{"http://example.com:40000/callback", true, false},
	}
	for _, c := range cases {
		if got := app.Accepts(c.redirect, c.anyPort); got != c.want {
			t.Errorf("Accepts(%q, %v) = %v, want %v", c.redirect, c.anyPort, got, c.want)
		}
	}
	if (App{}).Accepts("http://127.0.0.1:1/callback", true) {
		t.Error("an empty App accepts nothing")
	}
	if (App{RedirectURI: "urn:ietf:wg:oauth:2.0:oob"}).Port() != 0 {
		t.Error("Port of a non-loopback URI should be 0")
	}
}

func TestOAuthConfig(t *testing.T) {
	app := App{ClientID: "id", ClientSecret: "secret", RedirectURI: "http://127.0.0.1:5/callback", Scopes: []string{"read:accounts", "write:statuses"}}
	cfg := OAuthConfig("https://mastodon.social", app)
	want := &oauth2.Config{
		ClientID:     "id",
		ClientSecret: "secret",
		Endpoint: oauth2.Endpoint{
			AuthURL:   "https://mastodon.social/oauth/authorize",
			TokenURL:  "https://mastodon.social/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: "http://127.0.0.1:5/callback",
		Scopes:      []string{"read:accounts", "write:statuses"},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	cfg.Scopes[0] = "changed"
	if app.Scopes[0] != "read:accounts" {
		t.Error("OAuthConfig shares the App's scope slice")
	}
	if got := OAuthConfig("https://m.example", App{}).Scopes; strings.Join(got, " ") != Scopes {
		t.Errorf("default scopes %v", got)
	}
}

func TestRevokeWithApp(t *testing.T) {
	ctx := context.Background()
	app := App{ClientID: "cid", ClientSecret: "csecret"}
	t.Run("Mastodon", func(t *testing.T) {
		var form map[string][]string
		var path, auth string
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			form, path, auth = r.PostForm, r.URL.Path, r.Header.Get("Authorization")
			w.Write([]byte(`{}`))
		})
		if err := RevokeWithApp(ctx, nil, base, app, "tok-123"); err != nil {
			t.Fatal(err)
		}
		if path != "/oauth/revoke" || auth != "" ||
			!reflect.DeepEqual(form, map[string][]string{"client_id": {"cid"}, "client_secret": {"csecret"}, "token": {"tok-123"}}) {
			t.Errorf("path %s auth %q form %v", path, auth, form)
		}
	})
	t.Run("GoToSocial has no endpoint", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"Not Found: page not found"}`))
		})
		err := RevokeWithApp(ctx, nil, base, app, "tok-123")
		if !errors.Is(err, network.ErrRevokeUnsupported) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("405", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusMethodNotAllowed) })
		if err := RevokeWithApp(ctx, nil, base, app, "tok"); !errors.Is(err, network.ErrRevokeUnsupported) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("not the issuing app", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":"unauthorized_client","error_description":"You are not authorized to revoke this token"}`))
		})
		err := RevokeWithApp(ctx, nil, base, app, "tok")
		var re *RejectedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "not authorized to revoke") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unknown client, echoing the secrets", func(t *testing.T) {
		base := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client","error_description":"unknown client csecret for token tok-123"}`))
		})
		err := RevokeWithApp(ctx, nil, base, app, "tok-123")
		var re *RejectedError
		if !errors.As(err, &re) || network.ReasonOf(err) != "" {
			t.Fatalf("got %#v", err)
		}
		if strings.Contains(err.Error(), "csecret") || strings.Contains(err.Error(), "tok-123") {
			t.Errorf("secret leaked: %v", err)
		}
	})
}

func TestCheckApp(t *testing.T) {
	ctx := context.Background()
	app := App{ClientID: "cid", ClientSecret: "csecret", RedirectURI: "http://127.0.0.1:5000/callback", Scopes: []string{"read:accounts", "write:statuses"}}
	cases := []struct {
		name   string
		status int
		body   string
		gone   bool
		ok     bool
	}{
		{"works", 200, `{"access_token":"MZVJM2I5","created_at":1795629608,"expires_in":7200,"scope":"read:accounts write:statuses","token_type":"Bearer"}`, false, true},
		{"Mastodon unknown client", 401, `{"error":"invalid_client","error_description":"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}`, true, false},
		{"GoToSocial wrong secret", 400, `{"error":"invalid_client","error_description":"Bad Request: could not get access token: invalid_client"}`, true, false},
		{"GoToSocial unknown client", 400, `{"error":"sql: no rows in result set","error_description":"Bad Request: could not get access token: sql: no rows in result set"}`, true, false},
		{"other refusal", 400, `{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed."}`, false, false},
		{"trouble", 503, ``, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var form map[string][]string
			base := serve(t, func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				form = r.PostForm
				if r.URL.Path != "/oauth/token" {
					t.Errorf("path %s", r.URL.Path)
				}
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			})
			err := CheckApp(ctx, nil, base, app)
			if (err == nil) != c.ok || errors.Is(err, ErrAppGone) != c.gone {
				t.Fatalf("got %v", err)
			}
			want := map[string][]string{
				"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"csecret"},
				"redirect_uri": {"http://127.0.0.1:5000/callback"}, "scope": {"read:accounts write:statuses"},
			}
			if !reflect.DeepEqual(form, want) {
				t.Errorf("form %v", form)
			}
			if err != nil && strings.Contains(err.Error(), "csecret") {
				t.Errorf("secret in %v", err)
			}
		})
	}
}

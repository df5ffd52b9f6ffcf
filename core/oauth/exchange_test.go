package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

// The code exchange carries the code, the verifier and maybe a client
// secret: with no client named by the caller it still never follows a
// redirect to another server (oauth2 alone would use http.DefaultClient,
// which re-sends the form on a 307).
func TestExchangeDoesNotFollowTheTokenEndpointElsewhere(t *testing.T) {
	var reached atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"stolen","token_type":"Bearer"}`))
	}))
	defer elsewhere.Close()
	token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/oauth/token", http.StatusTemporaryRedirect)
	}))
	defer token.Close()

	s, err := Start(context.Background(), Options{NetworkName: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := &oauth2.Config{ClientID: "app", ClientSecret: "app-secret-value",
		Endpoint: oauth2.Endpoint{AuthURL: token.URL + "/oauth/authorize", TokenURL: token.URL + "/oauth/token"}}
	_, err = s.Exchange(context.Background(), cfg, "the-sign-in-code")
	if err == nil {
		t.Fatal("the exchange succeeded through a redirect to another server")
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("the other server was sent the exchange %d times", n)
	}
	if !strings.Contains(err.Error(), "redirected SocialOmm to "+elsewhere.URL) {
		t.Errorf("error does not say what happened: %v", err)
	}
	for _, secret := range []string{"the-sign-in-code", "app-secret-value"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error holds %q: %v", secret, err)
		}
	}
}

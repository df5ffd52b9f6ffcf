package threads

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/internal/contract"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		reason    account.Reason
		transient bool
		rejected  bool
		words     string
	}{
		{name: "container", status: 200, body: `{"id":"17889455560051444"}`},
		{name: "460", status: 400, body: contract.GraphPasswordChanged, reason: account.ReasonPasswordChanged},
		{name: "463", status: 400, body: contract.GraphExpired, reason: account.ReasonExpired},
		{name: "467", status: 400, body: contract.GraphInvalidToken, reason: account.ReasonInvalid},
		{name: "458", status: 400, body: contract.GraphAppRemoved, reason: account.ReasonRevoked},
		{name: "459", status: 400, body: contract.GraphCheckpoint, reason: account.ReasonInvalid, words: "the account needs attention on Threads (checkpoint)"},
		{name: "10", status: 403, body: contract.GraphPermissionDenied, reason: account.ReasonScopeLost},
		{name: "media not found", status: 400, body: `{"error":{"message":"Media Not Found","type":"OAuthException","code":24,"error_subcode":4279009}}`, rejected: true},
		{name: "too long", status: 400, body: `{"error":{"message":"Param text must be at most 500 characters long.","type":"OAuthException","code":100}}`, rejected: true, words: "500 characters"},
		{name: "rate limit 4", status: 400, body: contract.GraphAppRateLimit, transient: true},
		{name: "500", status: 500, body: contract.GraphUnknown, transient: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Classify(c.status, nil, []byte(c.body), now)
			switch {
			case c.reason != "":
				if network.ReasonOf(err) != c.reason {
					t.Fatalf("got %#v, want %s", err, c.reason)
				}
			case c.transient:
				if !network.IsTransient(err) {
					t.Fatalf("got %#v, want transient", err)
				}
			case c.rejected:
				var re *oauthnet.RejectedError
				if !errors.As(err, &re) {
					t.Fatalf("got %#v, want refusal", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if c.words != "" && !strings.Contains(err.Error(), c.words) {
				t.Errorf("%q lacks %q", err, c.words)
			}
		})
	}
}

func FuzzClassify(f *testing.F) {
	for _, b := range []string{contract.GraphPasswordChanged, contract.GraphExpired, contract.GraphInvalidToken, contract.GraphAppRemoved,
		contract.GraphCheckpoint, contract.GraphPermission, contract.GraphUnknown,
		`{"id":"1"}`, `{"error":{"code":9007}}`, `{"error":{"error_subcode":2207042,"message":"\u0000"}}`} {
		f.Add(400, "", []byte(b))
	}
	f.Add(200, "x", []byte("<html>"))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		err := Classify(status, http.Header{"Retry-After": {retryAfter}}, body, now)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d gave no error", status)
			}
			return
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatalf("invalid UTF-8 %q", err)
		}
		var lost *network.LostAccessError
		var te *network.TransientError
		var re *oauthnet.RejectedError
		kinds := 0
		if errors.As(err, &lost) {
			kinds++
			if lost.Reason == account.ReasonNone {
				t.Fatal("no reason")
			}
		}
		if errors.As(err, &te) {
			kinds++
			if te.RetryAfter < 0 || te.RetryAfter > oauthnet.MaxRetryAfter {
				t.Fatalf("RetryAfter %v", te.RetryAfter)
			}
		}
		if errors.As(err, &re) {
			kinds++
		}
		if kinds != 1 {
			t.Fatalf("%#v is %d kinds", err, kinds)
		}
	})
}

func TestRefreshDue(t *testing.T) {
	issued := now
	creds := network.Credentials{Expiry: issued.Add(contract.LongLivedLifetime * time.Second)}
	cases := []struct {
		at   time.Time
		want bool
	}{
		{issued, false},
		{issued.Add(23 * time.Hour), false},
		{issued.Add(24 * time.Hour), false}, // the estimate keeps an hour's margin
		{issued.Add(25 * time.Hour), true},
		{issued.Add(59 * 24 * time.Hour), true},
	}
	for _, c := range cases {
		if got := RefreshDue(creds, c.at); got != c.want {
			t.Errorf("RefreshDue at +%v = %t, want %t", c.at.Sub(issued), got, c.want)
		}
	}
	if RefreshDue(network.Credentials{}, now) {
		t.Error("no expiry, no refresh")
	}
}

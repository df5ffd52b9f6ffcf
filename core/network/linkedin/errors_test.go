package linkedin

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
		header    http.Header
		body      string
		reason    account.Reason // lost access
		retryOnce bool
		transient bool
		retry     time.Duration
		rejected  bool
		is        error
		words     string
	}{
		{name: "userinfo", status: 200, body: contract.LinkedInUserinfo},
		{name: "post created", status: 201},
		{name: "65601 revoked, retried once", status: 401, body: contract.LinkedInRevoked, reason: account.ReasonRevoked, retryOnce: true,
			words: "revoked by the user"},
		{name: "65601 without code word", status: 401, body: `{"serviceErrorCode":65601,"message":"The token used in the request has been revoked by the user","status":401}`,
			reason: account.ReasonRevoked, retryOnce: true},
		{name: "65600 invalid", status: 401, body: contract.LinkedInInvalid, reason: account.ReasonInvalid, words: "Invalid access token"},
		{name: "expired", status: 401, body: contract.LinkedInExpired, reason: account.ReasonExpired},
		{name: "empty oauth2_access_token", status: 401, body: `{"message":"Empty oauth2_access_token","serviceErrorCode":401,"status":401}`,
			reason: account.ReasonInvalid},
		{name: "401 no body", status: 401, reason: account.ReasonInvalid},
		{name: "403 access denied", status: 403, body: contract.LinkedInAccessDenied, reason: account.ReasonScopeLost},
		{name: "403 other", status: 403, body: `{"status":403,"message":"Member is restricted"}`, rejected: true},
		{name: "426 version", status: 426, body: contract.LinkedInVersionSunset, rejected: true, is: oauthnet.ErrAppKeys, words: "update SocialOmm"},
		{name: "429 day limit waits to midnight UTC", status: 429, body: contract.LinkedInThrottled, transient: true, retry: 12 * time.Hour},
		{name: "429 retry-after", status: 429, header: http.Header{"Retry-After": {"60"}}, body: contract.LinkedInThrottled, transient: true, retry: time.Minute},
		{name: "500", status: 500, body: contract.LinkedInServerError, transient: true},
		{name: "504 HTML", status: 504, body: `<html><body>Gateway Timeout</body></html>`, transient: true},
		{name: "422 validation", status: 422, body: `{"status":422,"message":"ERROR :: /commentary :: is too long"}`, rejected: true, words: "too long"},
		{name: "200 not JSON", status: 200, body: `<html>`, transient: true, is: oauthnet.ErrMalformedResponse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Classify(c.status, c.header, []byte(c.body), now)
			switch {
			case c.reason != "":
				if network.ReasonOf(err) != c.reason || network.IsTransient(err) {
					t.Fatalf("got %#v, want lost %s", err, c.reason)
				}
				if RetryOnce(err) != c.retryOnce {
					t.Errorf("RetryOnce = %t", RetryOnce(err))
				}
			case c.transient:
				var te *network.TransientError
				if !errors.As(err, &te) || te.RetryAfter != c.retry {
					t.Fatalf("got %#v, want transient waiting %v", err, c.retry)
				}
			case c.rejected:
				var re *oauthnet.RejectedError
				if !errors.As(err, &re) {
					t.Fatalf("got %#v, want a refusal", err)
				}
			default:
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%v is not %v", err, c.is)
			}
			if c.words != "" && !strings.Contains(err.Error(), c.words) {
				t.Errorf("%q lacks %q", err, c.words)
			}
		})
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(200, "", []byte(contract.LinkedInUserinfo))
	f.Add(201, "", []byte(nil))
	f.Add(401, "", []byte(contract.LinkedInRevoked))
	f.Add(401, "", []byte(contract.LinkedInInvalid))
	f.Add(401, "", []byte(contract.LinkedInExpired))
	f.Add(403, "", []byte(contract.LinkedInAccessDenied))
	f.Add(426, "", []byte(contract.LinkedInVersionSunset))
	f.Add(429, "", []byte(contract.LinkedInThrottled))
	f.Add(429, "-1", []byte(`{"message":" DAY ","status":"x"}`))
	f.Add(500, "1e99", []byte(contract.LinkedInServerError))
	f.Add(-7, "", []byte("{\"message\":\"\xff\",\"serviceErrorCode\":65601}"))
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
		if RetryOnce(err) && lost.Reason != account.ReasonRevoked {
			t.Fatal("only revoked is retried")
		}
	})
}

func TestEscapeLittleText(t *testing.T) {
	cases := map[string]string{
		"Hello (world) @ana #golang #1 a#b":  `Hello \(world\) \@ana #golang #1 a\#b`,
		"*bold* _it_ ~s~ [x] {y} <z> | \\ #": `\*bold\* \_it\_ \~s\~ \[x\] \{y\} \<z\> \| \\ \#`,
		"plain words":                        "plain words",
	}
	for in, want := range cases {
		if got := EscapeLittleText(in); got != want {
			t.Errorf("EscapeLittleText(%q) = %q, want %q", in, got, want)
		}
	}
}

package x

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

type kind int

const (
	wantNil kind = iota
	wantLost
	wantTransient
	wantRejected
)

func TestClassify(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   kind
		reason account.Reason
		retry  time.Duration
		words  string
		is     error
	}{
		{name: "users/me", status: 200, body: contract.XUser, kind: wantNil},
		{name: "created post", status: 201, body: `{"data":{"id":"1445880548472328192","text":"Hello from the X API!"}}`, kind: wantNil},
		{name: "revoke", status: 200, body: `{"revoked":true}`, kind: wantNil},
		{name: "HTML 200", status: 200, body: `<html>captive portal</html>`, kind: wantTransient, is: oauthnet.ErrMalformedResponse},

		{name: "401 Unauthorized", status: 401, body: contract.XUnauthorized, kind: wantLost, reason: account.ReasonInvalid, words: "Unauthorized"},
		{name: "401 v1.1 invalid or expired", status: 401, body: `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`,
			kind: wantLost, reason: account.ReasonInvalid, words: "Invalid or expired token."},
		{name: "401 revoked words", status: 401, body: `{"title":"Unauthorized","status":401,"detail":"The access token was revoked"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "401 expired words", status: 401, body: `{"title":"Unauthorized","status":401,"detail":"Access token expired"}`,
			kind: wantLost, reason: account.ReasonExpired},
		{name: "401 empty", status: 401, kind: wantLost, reason: account.ReasonInvalid},

		{name: "403 duplicate", status: 403, body: contract.XDuplicate, kind: wantRejected, words: "duplicate content"},
		{name: "403 client not enrolled", status: 403, body: contract.XClientForbidden, kind: wantRejected, is: oauthnet.ErrAppKeys,
			words: "your X developer app is not allowed"},
		{name: "403 suspended", status: 403, body: `{"title":"Forbidden","status":403,"detail":"Your account is suspended and is not permitted to access this feature."}`,
			kind: wantLost, reason: account.ReasonRevoked},

		{name: "429 with reset", status: 429, header: h("x-rate-limit-reset", "1772626500", "x-rate-limit-remaining", "0"),
			body: contract.XRateLimited, kind: wantTransient, retry: 15 * time.Minute, words: "slow down"},
		{name: "429 reset in the past", status: 429, header: h("x-rate-limit-reset", "1772620000"), kind: wantTransient, retry: 0},
		{name: "429 retry-after", status: 429, header: h("Retry-After", "30"), kind: wantTransient, retry: 30 * time.Second},
		{name: "429 absurd reset capped", status: 429, header: h("x-rate-limit-reset", "99999999999"), kind: wantTransient, retry: oauthnet.MaxRetryAfter},

		{name: "503", status: 503, body: contract.XServiceUnavailable, kind: wantTransient, words: "HTTP 503"},
		{name: "502 HTML", status: 502, body: "<html><body>bad gateway</body></html>", kind: wantTransient},
		{name: "400 invalid request", status: 400, body: `{"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`,
			kind: wantRejected, words: "One or more parameters"},
		{name: "302", status: 302, kind: wantTransient},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Classify(c.status, c.header, []byte(c.body), now)
			check(t, err, c.kind, c.reason, c.retry)
			if c.words != "" && !strings.Contains(err.Error(), c.words) {
				t.Errorf("%q does not carry %q", err, c.words)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%v is not %v", err, c.is)
			}
			if err != nil && strings.Contains(err.Error(), "<") {
				t.Errorf("HTML in %q", err)
			}
		})
	}
}

func check(t *testing.T, err error, k kind, reason account.Reason, retry time.Duration) {
	t.Helper()
	switch k {
	case wantNil:
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	case wantLost:
		if network.ReasonOf(err) != reason {
			t.Fatalf("got %#v (reason %q), want lost %q", err, network.ReasonOf(err), reason)
		}
		if network.IsTransient(err) {
			t.Fatal("lost access must not be transient")
		}
	case wantTransient:
		var te *network.TransientError
		if !errors.As(err, &te) {
			t.Fatalf("got %#v, want transient", err)
		}
		if te.RetryAfter != retry {
			t.Errorf("RetryAfter %v, want %v", te.RetryAfter, retry)
		}
		if network.ReasonOf(err) != account.ReasonNone {
			t.Error("transient trouble must not be lost access")
		}
	case wantRejected:
		var re *oauthnet.RejectedError
		if !errors.As(err, &re) {
			t.Fatalf("got %#v, want RejectedError", err)
		}
		if network.IsTransient(err) || network.ReasonOf(err) != account.ReasonNone {
			t.Error("a refusal is neither transient nor lost access")
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(200, "", "", []byte(contract.XUser))
	f.Add(201, "", "", []byte(`{"data":{"id":"1","text":"x"}}`))
	f.Add(401, "", "", []byte(contract.XUnauthorized))
	f.Add(401, "", "", []byte(`{"errors":[{"code":89,"message":"Invalid or expired token."}]}`))
	f.Add(403, "", "", []byte(contract.XDuplicate))
	f.Add(403, "", "", []byte(contract.XClientForbidden))
	f.Add(429, "", "1772626500", []byte(contract.XRateLimited))
	f.Add(429, "NaN", "-1e400", []byte(``))
	f.Add(503, "Wed, 04 Mar 2026 12:01:00 GMT", "", []byte(contract.XServiceUnavailable))
	f.Add(0, "", "", []byte(nil))
	f.Add(999, "1e999", "1e999", []byte("{\"detail\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, status int, retryAfter, reset string, body []byte) {
		header := http.Header{}
		header.Set("Retry-After", retryAfter)
		header.Set("X-Rate-Limit-Reset", reset)
		err := Classify(status, header, body, now)
		assertOneKind(t, status, err)
	})
}

func assertOneKind(t *testing.T, status int, err error) {
	t.Helper()
	if err == nil {
		if status < 200 || status > 299 {
			t.Fatalf("status %d gave no error", status)
		}
		return
	}
	if !utf8.ValidString(err.Error()) {
		t.Fatalf("invalid UTF-8: %q", err)
	}
	var lost *network.LostAccessError
	var te *network.TransientError
	var re *oauthnet.RejectedError
	kinds := 0
	if errors.As(err, &lost) {
		kinds++
		if lost.Reason == account.ReasonNone {
			t.Fatal("lost access without a reason")
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
		t.Fatalf("status %d: %#v is %d kinds", status, err, kinds)
	}
}

func TestTextLength(t *testing.T) {
	cases := []struct {
		text string
		want int
	}{
		{"Hello, world! 👋", 16}, // docs.x.com/fundamentals/counting-characters example
		{"café", 4},
		{"cafe\u0301", 4}, // NFD normalizes to the same
		{"日本語", 6},
		{"👾", 2},
		{"🙋🏽", 2},
		{"👨\u200d🎤", 2},
		{"👨\u200d👩\u200d👧\u200d👦", 2},
		{"🇫🇷", 2},
		{"read https://example.com/very/long/path/that/goes/on now", 5 + 23 + 4},
		{strings.Repeat("a", 280), 280},
	}
	for _, c := range cases {
		if got := TextLength(c.text); got != c.want {
			t.Errorf("TextLength(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}

package mastodon

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

var classifyNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

type wantKind int

const (
	wantNil wantKind = iota
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
		name    string
		status  int
		header  http.Header
		body    string
		kind    wantKind
		reason  account.Reason
		retry   time.Duration
		words   string // must appear in the error text
		isError error  // errors.Is target, if any
	}{
		{name: "200 JSON", status: 200, body: `{"id":"1"}`, kind: wantNil},
		{name: "200 empty", status: 200, body: ``, kind: wantNil},
		{name: "200 empty object (revoke)", status: 200, body: `{}`, kind: wantNil},
		{name: "204", status: 204, kind: wantNil},
		{name: "200 HTML from a captive portal", status: 200, body: `<html><body>Sign in to the Wi-Fi</body></html>`,
			kind: wantTransient, words: "could not be read", isError: ErrMalformedResponse},
		{name: "200 truncated JSON", status: 200, body: `{"id":"1","acct":`, kind: wantTransient, isError: ErrMalformedResponse},

		// 401, Mastodon (Doorkeeper descriptions in body and WWW-Authenticate).
		{name: "Mastodon invalid token", status: 401,
			header: h("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"`),
			body:   `{"error":"The access token is invalid"}`, kind: wantLost, reason: account.ReasonInvalid, words: "The access token is invalid"},
		{name: "Mastodon revoked token", status: 401,
			header: h("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked"`),
			body:   `{"error":"The access token was revoked"}`, kind: wantLost, reason: account.ReasonRevoked, words: "revoked"},
		{name: "Mastodon expired token", status: 401, body: `{"error":"The access token expired"}`, kind: wantLost, reason: account.ReasonExpired},
		{name: "Mastodon revoked, words only in header", status: 401,
			header: h("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked"`),
			kind:   wantLost, reason: account.ReasonRevoked, words: "The access token was revoked"},
		{name: "Mastodon no user behind the token", status: 401, body: `{"error":"This method requires an authenticated user"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "Mastodon not authorized", status: 401, body: `{"error":"Not authorized"}`, kind: wantLost, reason: account.ReasonInvalid},
		{name: "401 without a body", status: 401, kind: wantLost, reason: account.ReasonInvalid},
		{name: "401 HTML from a proxy", status: 401, body: `<html><body>401 Authorization Required</body></html>`, kind: wantLost, reason: account.ReasonInvalid},

		// 401, GoToSocial v0.18.3 (apiutil.ErrorHandler, gtserror.NewErrorUnauthorized).
		{name: "GoToSocial unknown or deleted token", status: 401, body: `{"error":"Unauthorized: token not supplied"}`,
			kind: wantLost, reason: account.ReasonRevoked, words: "Unauthorized: token not supplied"},
		{name: "GoToSocial disabled user", status: 401, body: `{"error":"Unauthorized: user not supplied or not authorized"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "GoToSocial registration deleted", status: 401, body: `{"error":"Unauthorized: application not supplied"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "GoToSocial suspended account", status: 401, body: `{"error":"Unauthorized: account not supplied or not authorized"}`,
			kind: wantLost, reason: account.ReasonRevoked},

		// 403.
		{name: "Mastodon scope", status: 403, body: `{"error":"This action is outside the authorized scopes"}`,
			kind: wantLost, reason: account.ReasonScopeLost},
		{name: "Mastodon disabled login", status: 403, body: `{"error":"Your login is currently disabled"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "Mastodon unconfirmed", status: 403, body: `{"error":"Your login is missing a confirmed e-mail address"}`,
			kind: wantLost, reason: account.ReasonInvalid},
		{name: "Mastodon not allowed", status: 403, body: `{"error":"This action is not allowed"}`,
			kind: wantRejected, words: "This action is not allowed"},
		{name: "GoToSocial moved account", status: 403,
			body: `{"error":"your account has Moved or is currently Moving; you cannot take create or update type actions"}`, kind: wantRejected},

		// Validation: the server's words, access untouched.
		{name: "Mastodon 422", status: 422, body: `{"error":"Validation failed: Text character limit of 500 exceeded"}`,
			kind: wantRejected, words: "Validation failed: Text character limit of 500 exceeded"},
		{name: "Mastodon 422 no user", status: 422, body: `{"error":"This method requires an authenticated user"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "GoToSocial 400", status: 400, body: `{"error":"Bad Request: text with spoiler exceed max chars (5000)"}`,
			kind: wantRejected, words: "exceed max chars (5000)"},
		{name: "404", status: 404, body: `{"error":"Record not found"}`, kind: wantRejected, words: "Record not found"},
		{name: "410", status: 410, kind: wantRejected},
		{name: "OAuth error code and description", status: 400, body: `{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}`,
			kind: wantRejected, words: "The provided authorization grant is invalid"},

		// Rate limits.
		{name: "Mastodon 429 with ISO reset", status: 429,
			header: h("X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "2026-03-04T12:04:30.123456Z"),
			body:   `{"error":"Too many requests"}`, kind: wantTransient, retry: 4*time.Minute + 30*time.Second + 123456*time.Microsecond,
			words: "slow down"},
		{name: "GoToSocial 429", status: 429,
			header: h("X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "2026-03-04T12:05:00.000Z"),
			body:   `{"error":"rate limit reached"}`, kind: wantTransient, retry: 5 * time.Minute},
		{name: "429 Retry-After seconds wins", status: 429, header: h("Retry-After", "42", "X-RateLimit-Reset", "2026-03-04T13:00:00Z"),
			kind: wantTransient, retry: 42 * time.Second},
		{name: "429 Retry-After HTTP date", status: 429, header: h("Retry-After", "Wed, 04 Mar 2026 12:01:00 GMT"),
			kind: wantTransient, retry: time.Minute},
		{name: "429 reset as Unix time", status: 429, header: h("X-RateLimit-Reset", "1772625660"),
			kind: wantTransient, retry: time.Minute},
		{name: "429 reset as seconds", status: 429, header: h("X-RateLimit-Reset", "90"), kind: wantTransient, retry: 90 * time.Second},
		{name: "429 reset in the past", status: 429, header: h("X-RateLimit-Reset", "2026-03-04T11:00:00Z"), kind: wantTransient, retry: 0},
		{name: "429 absurd wait is capped", status: 429, header: h("Retry-After", "99999999999"), kind: wantTransient, retry: 24 * time.Hour},
		{name: "429 garbage header", status: 429, header: h("Retry-After", "soon"), kind: wantTransient, retry: 0},
		{name: "408", status: 408, kind: wantTransient},

		// Server trouble.
		{name: "500 JSON", status: 500, body: `{"error":"Internal Server Error"}`, kind: wantTransient, words: "HTTP 500"},
		{name: "502 HTML from nginx", status: 502,
			body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>",
			kind: wantTransient, words: "is having trouble (HTTP 502 Bad Gateway)"},
		{name: "503 Mastodon remote", status: 503, header: h("Retry-After", "30"), body: `{"error":"Remote data could not be fetched"}`,
			kind: wantTransient, retry: 30 * time.Second, words: "Remote data could not be fetched"},
		{name: "504", status: 504, kind: wantTransient},
		{name: "302 not followed", status: 302, kind: wantTransient},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header := c.header
			if header == nil {
				header = http.Header{}
			}
			err := Classify("mastodon.social", c.status, header, []byte(c.body), classifyNow)
			switch c.kind {
			case wantNil:
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			case wantLost:
				var lost *network.LostAccessError
				if !errors.As(err, &lost) {
					t.Fatalf("got %#v, want LostAccessError", err)
				}
				if lost.Reason != c.reason {
					t.Errorf("reason %q, want %q", lost.Reason, c.reason)
				}
				if network.IsTransient(err) {
					t.Error("lost access must not be transient")
				}
			case wantTransient:
				var te *network.TransientError
				if !errors.As(err, &te) {
					t.Fatalf("got %#v, want TransientError", err)
				}
				if te.RetryAfter != c.retry {
					t.Errorf("RetryAfter %v, want %v", te.RetryAfter, c.retry)
				}
				if network.ReasonOf(err) != account.ReasonNone {
					t.Error("transient trouble must not be lost access")
				}
			case wantRejected:
				var re *RejectedError
				if !errors.As(err, &re) || re.Status != c.status {
					t.Fatalf("got %#v, want RejectedError %d", err, c.status)
				}
				if network.IsTransient(err) || network.ReasonOf(err) != account.ReasonNone {
					t.Error("a refusal is neither transient nor lost access")
				}
			}
			if c.words != "" && !strings.Contains(err.Error(), c.words) {
				t.Errorf("error %q does not carry %q", err, c.words)
			}
			if c.isError != nil && !errors.Is(err, c.isError) {
				t.Errorf("error %v is not %v", err, c.isError)
			}
			if strings.Contains(err.Error(), "<") {
				t.Errorf("HTML leaked into %q", err)
			}
		})
	}
}

func TestServerMessageIsOneCleanLine(t *testing.T) {
	got := serverMessage([]byte("{\"error\":\"bad\\n\\tthing\\u0007 here\"}"))
	if got != "bad thing here" {
		t.Errorf("got %q", got)
	}
	long := serverMessage([]byte(`{"error":"` + strings.Repeat("é", 1000) + `"}`))
	if utf8.RuneCountInString(long) != maxMessage+1 || !utf8.ValidString(long) {
		t.Errorf("long message not cut cleanly: %d runes", utf8.RuneCountInString(long))
	}
	if got := serverMessage([]byte("Too many requests, slow down")); got != "Too many requests, slow down" {
		t.Errorf("plain text: %q", got)
	}
}

// FuzzClassify: any answer gives an error of exactly one kind, or nil for a
// 2xx with JSON, and never panics.
func FuzzClassify(f *testing.F) {
	f.Add(200, "", "", "", []byte(`{"id":"1"}`))
	f.Add(200, "", "", "", []byte(`<html>`))
	f.Add(401, "", "", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked"`, []byte(`{"error":"The access token was revoked"}`))
	f.Add(401, "", "", "", []byte(`{"error":"Unauthorized: token not supplied"}`))
	f.Add(401, "", "", `Bearer error_description="`, []byte(`{"error":42}`))
	f.Add(403, "", "", "", []byte(`{"error":"This action is outside the authorized scopes"}`))
	f.Add(422, "", "", "", []byte(`{"error":"Validation failed: Text character limit of 500 exceeded"}`))
	f.Add(429, "", "2026-03-04T12:04:30.123456Z", "", []byte(`{"error":"Too many requests"}`))
	f.Add(429, "120", "", "", []byte(``))
	f.Add(429, "Wed, 04 Mar 2026 12:01:00 GMT", "", "", []byte(``))
	f.Add(429, "-5", "1e400", "", []byte(``))
	f.Add(503, "NaN", "99999999999999999999999", "", []byte("<html>\xff\xfe</html>"))
	f.Add(502, "", "", "", []byte("{\"error\":\"\xff\"}"))
	f.Add(0, "", "", "", []byte(nil))
	f.Add(-1, "1.5", "0.000001", "", []byte(`{"error_description":"x"}`))
	f.Add(999, "", "", "", []byte(`"just a string"`))
	f.Fuzz(func(t *testing.T, status int, retryAfter, reset, wwwAuth string, body []byte) {
		header := http.Header{}
		header.Set("Retry-After", retryAfter)
		header.Set("X-RateLimit-Reset", reset)
		header.Set("WWW-Authenticate", wwwAuth)
		err := Classify("mastodon.social", status, header, body, classifyNow)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d gave no error", status)
			}
			return
		}
		_ = err.Error()
		var lost *network.LostAccessError
		var te *network.TransientError
		var re *RejectedError
		kinds := 0
		if errors.As(err, &lost) {
			kinds++
			if lost.Reason == account.ReasonNone {
				t.Fatal("lost access without a reason")
			}
			if !utf8.ValidString(lost.Message) {
				t.Fatalf("invalid UTF-8 in message %q", lost.Message)
			}
		}
		if errors.As(err, &te) {
			kinds++
			if te.RetryAfter < 0 || te.RetryAfter > maxRetryAfter {
				t.Fatalf("RetryAfter %v out of range", te.RetryAfter)
			}
		}
		if errors.As(err, &re) {
			kinds++
			if !utf8.ValidString(re.Message) {
				t.Fatalf("invalid UTF-8 in message %q", re.Message)
			}
		}
		if kinds != 1 {
			t.Fatalf("status %d: %#v is %d kinds of error", status, err, kinds)
		}
	})
}

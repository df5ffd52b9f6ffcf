package bluesky

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
	wantExpired
)

// The bodies are what @atproto/pds 0.5.35 answers (auth-verifier.js,
// account-manager.js, refreshSession.js, @atproto/xrpc-server errors.js
// and rate-limiter-http.js).
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
		code    string
		words   string // must appear in the error text
		isError error
	}{
		{name: "200 session", status: 200, body: `{"did":"did:plc:abc","handle":"ana.test"}`, kind: wantNil},
		{name: "200 empty (deleteSession)", status: 200, body: ``, kind: wantNil},
		{name: "200 HTML from a captive portal", status: 200, body: `<html><body>Sign in to the Wi-Fi</body></html>`,
			kind: wantTransient, words: "could not be read", isError: ErrMalformedResponse},

		// Tokens.
		{name: "access token expired", status: 400, body: `{"error":"ExpiredToken","message":"Token has expired"}`,
			kind: wantExpired, words: "Token has expired"},
		{name: "refresh token revoked (app password revoked, session deleted)", status: 400,
			body: `{"error":"ExpiredToken","message":"Token has been revoked"}`,
			kind: wantLost, reason: account.ReasonRevoked, words: "Token has been revoked"},
		{name: "ExpiredToken without words", status: 400, body: `{"error":"ExpiredToken"}`, kind: wantExpired},
		{name: "ExpiredToken as 401 (entryway)", status: 401, body: `{"error":"ExpiredToken","message":"Token has expired"}`, kind: wantExpired},
		{name: "token not verifiable", status: 400, body: `{"error":"InvalidToken","message":"Token could not be verified"}`,
			kind: wantLost, reason: account.ReasonInvalid, words: "Token could not be verified"},
		{name: "wrong kind of token", status: 400, body: `{"error":"InvalidToken","message":"Bad token scope"}`,
			kind: wantLost, reason: account.ReasonInvalid},
		{name: "malformed token", status: 400, body: `{"error":"InvalidToken","message":"Malformed token"}`,
			kind: wantLost, reason: account.ReasonInvalid},

		// Sign-in.
		{name: "wrong or revoked app password, changed password", status: 401,
			body: `{"error":"AuthenticationRequired","message":"Invalid identifier or password"}`,
			kind: wantLost, reason: account.ReasonPasswordChanged, words: "Invalid identifier or password"},
		{name: "password too long", status: 401,
			body: `{"error":"AuthenticationRequired","message":"Password too long. Consider resetting your password."}`,
			kind: wantLost, reason: account.ReasonInvalid},
		{name: "revoked in words", status: 401, body: `{"error":"AuthenticationRequired","message":"App password has been revoked"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "taken down at sign-in", status: 401, body: `{"error":"AccountTakedown","message":"Account has been taken down"}`,
			kind: wantLost, reason: account.ReasonRevoked, words: "taken down"},
		{name: "deactivated", status: 401, body: `{"error":"AccountDeactivated","message":"Account is deactivated"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "account deleted", status: 403, body: `{"error":"AccountNotFound","message":"Account not found"}`,
			kind: wantLost, reason: account.ReasonRevoked},
		{name: "emailed sign-in code needed", status: 401,
			body: `{"error":"AuthFactorTokenRequired","message":"A sign in code has been sent to your email address"}`,
			kind: wantRejected, code: "AuthFactorTokenRequired"},
		{name: "no token sent", status: 401, body: `{"error":"AuthMissing","message":"Authentication Required"}`,
			kind: wantLost, reason: account.ReasonInvalid},
		{name: "401 without a body", status: 401, kind: wantLost, reason: account.ReasonInvalid},
		{name: "401 HTML from a proxy", status: 401, body: `<html><body>401 Authorization Required</body></html>`,
			kind: wantLost, reason: account.ReasonInvalid},

		// Refusals that are not about the token.
		{name: "invalid record", status: 400, body: `{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"}`,
			kind: wantRejected, code: "InvalidRequest", words: "300 graphemes"},
		{name: "record not found", status: 400, body: `{"error":"RecordNotFound","message":"Could not locate record"}`,
			kind: wantRejected, code: "RecordNotFound"},
		{name: "handle not found", status: 400, body: `{"error":"HandleNotFound","message":"Unable to resolve handle"}`,
			kind: wantRejected, code: "HandleNotFound"},
		{name: "payload too large", status: 413, body: `{"error":"PayloadTooLarge","message":"request entity too large"}`,
			kind: wantRejected},
		{name: "404 plain", status: 404, body: `Not Found`, kind: wantRejected, words: "Not Found"},
		{name: "error is words, not a name", status: 400, body: `{"error":"something broke badly"}`,
			kind: wantRejected, words: "something broke badly"},

		// Rate limits and trouble.
		{name: "429 with RateLimit-Reset", status: 429,
			header: h("RateLimit-Limit", "30", "RateLimit-Remaining", "0", "RateLimit-Reset", "1772625900", "RateLimit-Policy", "30;w=300"),
			body:   `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`,
			kind:   wantTransient, retry: 5 * time.Minute, words: "slow down"},
		{name: "429 Retry-After wins", status: 429, header: h("Retry-After", "42", "RateLimit-Reset", "1772629200"),
			kind: wantTransient, retry: 42 * time.Second},
		{name: "429 Retry-After HTTP date", status: 429, header: h("Retry-After", "Wed, 04 Mar 2026 12:01:00 GMT"),
			kind: wantTransient, retry: time.Minute},
		{name: "429 reset in the past", status: 429, header: h("RateLimit-Reset", "1772620000"), kind: wantTransient, retry: 0},
		{name: "429 absurd wait is capped", status: 429, header: h("Retry-After", "99999999"), kind: wantTransient, retry: 24 * time.Hour},
		{name: "429 garbage header", status: 429, header: h("Retry-After", "soon"), kind: wantTransient},
		{name: "408", status: 408, kind: wantTransient},
		{name: "500 XRPC", status: 500, body: `{"error":"InternalServerError","message":"Internal Server Error"}`,
			kind: wantTransient, words: "HTTP 500"},
		{name: "502 upstream", status: 502, body: `{"error":"UpstreamFailure","message":"Upstream Failure"}`,
			kind: wantTransient, words: "Upstream Failure"},
		{name: "503 HTML", status: 503, header: h("Retry-After", "30"), body: `<html><h1>503 Service Unavailable</h1></html>`,
			kind: wantTransient, retry: 30 * time.Second},
		{name: "302 not followed", status: 302, kind: wantTransient},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header := c.header
			if header == nil {
				header = http.Header{}
			}
			err := Classify(c.status, header, []byte(c.body), classifyNow)
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
			case wantTransient:
				var te *network.TransientError
				if !errors.As(err, &te) {
					t.Fatalf("got %#v, want TransientError", err)
				}
				if te.RetryAfter != c.retry {
					t.Errorf("RetryAfter %v, want %v", te.RetryAfter, c.retry)
				}
			case wantRejected:
				var re *RejectedError
				if !errors.As(err, &re) || re.Status != c.status {
					t.Fatalf("got %#v, want RejectedError %d", err, c.status)
				}
				if c.code != "" && re.Code != c.code {
					t.Errorf("code %q, want %q", re.Code, c.code)
				}
			case wantExpired:
				if !errors.Is(err, ErrAccessExpired) {
					t.Fatalf("got %#v, want ErrAccessExpired", err)
				}
			}
			if got := kinds(err); got != 1 {
				t.Errorf("%v is %d kinds of error", err, got)
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

// kinds counts which of the four error kinds err is; exactly one for
// every answer but a 2xx.
func kinds(err error) int {
	var lost *network.LostAccessError
	var te *network.TransientError
	var re *RejectedError
	n := 0
	if errors.As(err, &lost) {
		n++
	}
	if errors.As(err, &te) {
		n++
	}
	if errors.As(err, &re) {
		n++
	}
	if errors.Is(err, ErrAccessExpired) {
		n++
	}
	return n
}

func TestRefreshTokenExpiryIsTheConnectionsEnd(t *testing.T) {
	err := onRefreshToken(Classify(400, http.Header{}, []byte(`{"error":"ExpiredToken","message":"Token has expired"}`), classifyNow))
	if network.ReasonOf(err) != account.ReasonExpired || errors.Is(err, ErrAccessExpired) {
		t.Errorf("got %v, want lost access (expired)", err)
	}
	err = onRefreshToken(Classify(400, http.Header{}, []byte(`{"error":"ExpiredToken","message":"Token has been revoked"}`), classifyNow))
	if network.ReasonOf(err) != account.ReasonRevoked {
		t.Errorf("got %v, want lost access (revoked)", err)
	}
	err = onRefreshToken(Classify(502, http.Header{}, nil, classifyNow))
	if !network.IsTransient(err) {
		t.Errorf("got %v, want transient", err)
	}
}

func TestServerErrorIsOneCleanLine(t *testing.T) {
	code, msg := serverError([]byte("{\"error\":\"InvalidRequest\",\"message\":\"bad\\n\\tthing\\u0007 here\"}"))
	if code != "InvalidRequest" || msg != "bad thing here" {
		t.Errorf("got %q %q", code, msg)
	}
	_, long := serverError([]byte(`{"error":"X","message":"` + strings.Repeat("é", 1000) + `"}`))
	if utf8.RuneCountInString(long) != maxMessage+1 || !utf8.ValidString(long) {
		t.Errorf("long message not cut cleanly: %d runes", utf8.RuneCountInString(long))
	}
}

// FuzzClassify: any answer gives nil for a 2xx with JSON, or an error of
// exactly one kind, and never panics.
func FuzzClassify(f *testing.F) {
	f.Add(200, "", "", []byte(`{"did":"did:plc:abc"}`))
	f.Add(200, "", "", []byte(`<html>`))
	f.Add(400, "", "", []byte(`{"error":"ExpiredToken","message":"Token has expired"}`))
	f.Add(400, "", "", []byte(`{"error":"ExpiredToken","message":"Token has been revoked"}`))
	f.Add(400, "", "", []byte(`{"error":"InvalidToken","message":"Token could not be verified"}`))
	f.Add(401, "", "", []byte(`{"error":"AuthenticationRequired","message":"Invalid identifier or password"}`))
	f.Add(401, "", "", []byte(`{"error":"AuthFactorTokenRequired","message":"A sign in code has been sent to your email address"}`))
	f.Add(401, "", "", []byte(`{"error":"AccountTakedown","message":"Account has been taken down"}`))
	f.Add(403, "", "", []byte(`{"error":"AccountNotFound","message":"Account not found"}`))
	f.Add(400, "", "", []byte(`{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record"}`))
	f.Add(429, "", "1772625900", []byte(`{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`))
	f.Add(429, "120", "", []byte(``))
	f.Add(429, "Wed, 04 Mar 2026 12:01:00 GMT", "", []byte(``))
	f.Add(429, "-5", "1e400", []byte(``))
	f.Add(503, "NaN", "99999999999999999999999", []byte("<html>\xff\xfe</html>"))
	f.Add(502, "", "", []byte("{\"error\":\"\xff\",\"message\":42}"))
	f.Add(0, "", "", []byte(nil))
	f.Add(-1, "1.5", "0.000001", []byte(`{"message":"x"}`))
	f.Add(999, "", "", []byte(`"just a string"`))
	f.Fuzz(func(t *testing.T, status int, retryAfter, reset string, body []byte) {
		header := http.Header{}
		header.Set("Retry-After", retryAfter)
		header.Set("RateLimit-Reset", reset)
		err := Classify(status, header, body, classifyNow)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d gave no error", status)
			}
			return
		}
		_ = err.Error()
		if n := kinds(err); n != 1 {
			t.Fatalf("status %d: %#v is %d kinds of error", status, err, n)
		}
		var lost *network.LostAccessError
		if errors.As(err, &lost) {
			if lost.Reason == account.ReasonNone {
				t.Fatal("lost access without a reason")
			}
			if !utf8.ValidString(lost.Message) {
				t.Fatalf("invalid UTF-8 in message %q", lost.Message)
			}
		}
		var te *network.TransientError
		if errors.As(err, &te) && (te.RetryAfter < 0 || te.RetryAfter > maxRetryAfter) {
			t.Fatalf("RetryAfter %v out of range", te.RetryAfter)
		}
		var re *RejectedError
		if errors.As(err, &re) && !utf8.ValidString(re.Message+re.Code) {
			t.Fatalf("invalid UTF-8 in %q %q", re.Code, re.Message)
		}
	})
}

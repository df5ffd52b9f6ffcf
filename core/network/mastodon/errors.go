package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// Sentinels, matched with errors.Is. The errors carrying them say more, in
// words meant for the person.
var (
	// ErrNotServerAddress: the text typed is not a server's address.
	ErrNotServerAddress = errors.New("not a server address")
	// ErrUnreachable: the server could not be asked (name unknown, connection
	// refused or cut, no answer in time, bad certificate). It always comes
	// inside a *network.TransientError.
	ErrUnreachable = errors.New("the server could not be reached")
	// ErrNotMastodon: something answered at the address, but not the
	// Mastodon API.
	ErrNotMastodon = errors.New("not a Mastodon-compatible server")
	// ErrMalformedResponse: a success answer that could not be read.
	ErrMalformedResponse = errors.New("the server's answer could not be read")
	// ErrOutcomeUnknown: a post was sent but no clear answer came back, so it
	// may or may not have been published. Never send it again blindly: look
	// for it with RecentPosts first (GoToSocial ignores Idempotency-Key).
	ErrOutcomeUnknown = network.ErrOutcomeUnknown
	// ErrAppGone: the server no longer knows SocialOmm's registration (the
	// App); register again before the next sign-in.
	ErrAppGone = errors.New("the server no longer knows SocialOmm's registration")
)

// RejectedError means the server understood the request and refused it: a
// validation failure (422, or 400 on GoToSocial), a forbidden action that is
// not about the token, a missing record. Access is not lost; retrying the
// same request will fail the same way. Message is the server's own words.
type RejectedError struct {
	Status  int
	Message string
}

func (e *RejectedError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("the server refused the request (HTTP %d)", e.Status)
	}
	return fmt.Sprintf("the server refused the request: %s (HTTP %d)", e.Message, e.Status)
}

// Classify turns one HTTP answer of a Mastodon-compatible server into the
// app's error words. It is pure: now is only used to turn a reset date into
// a wait. host names the server in messages ("mastodon.social").
//
//   - 2xx: nil, unless the body is not JSON (a transient ErrMalformedResponse:
//     captive portals and broken proxies answer 200 with HTML).
//   - 401: *network.LostAccessError; see lostReason for how the reason is
//     told from the server's words.
//   - 403: lost access when it is about the token's scope or the login being
//     disabled, otherwise *RejectedError.
//   - 408, 425, 429, 5xx, and unexpected 1xx/3xx: *network.TransientError,
//     with RetryAfter from Retry-After (seconds or HTTP date) or
//     X-RateLimit-Reset (ISO 8601 as Mastodon and GoToSocial send it, or a
//     number).
//   - any other 4xx: *RejectedError with the server's words.
//
// The body and headers are the server's: callers must make sure they never
// hold the access token (the adapter scrubs it before calling).
func Classify(host string, status int, header http.Header, body []byte, now time.Time) error {
	if host == "" {
		host = "the server"
	}
	msg := serverMessage(body)
	switch {
	case status >= 200 && status <= 299:
		return network.NotJSON(host, body, ErrMalformedResponse)
	case status == http.StatusUnauthorized:
		words := msg
		if w := wwwAuthDescription(header); w != "" && words == "" {
			words = w
		}
		return &network.LostAccessError{
			Reason:  lostReason(msg+" "+header.Get("WWW-Authenticate"), account.ReasonInvalid),
			Message: words,
		}
	case status == http.StatusForbidden:
		if r := forbiddenReason(msg); r != account.ReasonNone {
			return &network.LostAccessError{Reason: r, Message: msg}
		}
		return &RejectedError{Status: status, Message: msg}
	case status == http.StatusUnprocessableEntity && isNoUser(msg):
		// Mastodon's require_user! answers 422 when the token is fine but no
		// user stands behind it any more: the account is gone.
		return &network.LostAccessError{Reason: account.ReasonRevoked, Message: msg}
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly,
		status == http.StatusTooManyRequests:
		wait := RetryAfter(header, now)
		return &network.TransientError{Message: network.SlowDownWords(host, status, wait), RetryAfter: wait, Err: statusErr(status, msg)}
	case status >= 500 && status <= 599:
		text := fmt.Sprintf("%s is having trouble (HTTP %d %s)", host, status, http.StatusText(status))
		if msg != "" {
			text += ": " + msg
		}
		return &network.TransientError{Message: text, RetryAfter: RetryAfter(header, now), Err: statusErr(status, msg)}
	case status >= 400 && status <= 499:
		return &RejectedError{Status: status, Message: msg}
	default:
		return &network.TransientError{
			Message: fmt.Sprintf("%s gave an unexpected answer (HTTP %d)", host, status),
			Err:     statusErr(status, msg),
		}
	}
}

// statusErr keeps the HTTP status inside a TransientError for logs and
// errors.As, without the message being repeated to the person.
func statusErr(status int, msg string) error {
	return &StatusError{Status: status, Message: msg}
}

// StatusError is the bare HTTP status and the server's words; it sits inside
// TransientErrors so callers can still see the code.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// lostReason reads why a token stopped working from the words of a 401.
//
// Mastodon (Doorkeeper, see Api::BaseController#doorkeeper_unauthorized_render_options)
// puts the invalid_token description in the body and WWW-Authenticate:
// "The access token was revoked" (the person removed the app under
// Settings > Authorized apps, or a password reset revoked all tokens),
// "The access token expired", "The access token is invalid" (no such token:
// cause unknown to us, so ReasonInvalid).
//
// GoToSocial v0.18.3 answers every token it cannot use with
// "Unauthorized: token not supplied" (no such token: account deletion
// deletes the tokens, internal/processing/account/delete.go
// deleteUserAndTokensForAccount, and v0.18.3 has no other way to end one),
// "Unauthorized: user not supplied or not authorized" (user disabled or
// unconfirmed), "Unauthorized: account not supplied or not authorized"
// (account suspended, which deletion also does) or "Unauthorized:
// application not supplied" (the app registration is gone: deleting any
// account deletes the applications its tokens came from, so every other
// account signed in through the same registration loses access too; see
// CheckApp). All of these mean the profile or SocialOmm's registration is
// gone: ReasonRevoked.
func lostReason(words string, fallback account.Reason) account.Reason {
	w := strings.ToLower(words)
	switch {
	case strings.Contains(w, "revoked"):
		return account.ReasonRevoked
	case strings.Contains(w, "expired"):
		return account.ReasonExpired
	case strings.Contains(w, "token not supplied"),
		strings.Contains(w, "user not supplied"),
		strings.Contains(w, "account not supplied"),
		strings.Contains(w, "application not supplied"),
		strings.Contains(w, "suspended"),
		strings.Contains(w, "disabled"),
		isNoUser(w):
		return account.ReasonRevoked
	}
	return fallback
}

// forbiddenReason reads a 403: Mastodon's doorkeeper_forbidden_render_options
// says "This action is outside the authorized scopes"; require_user! says
// "Your login is currently disabled" (suspended or deleted) or that the
// login is unconfirmed or pending approval.
func forbiddenReason(msg string) account.Reason {
	w := strings.ToLower(msg)
	switch {
	case strings.Contains(w, "scope"):
		return account.ReasonScopeLost
	case strings.Contains(w, "login is currently disabled"), strings.Contains(w, "suspended"):
		return account.ReasonRevoked
	case strings.Contains(w, "missing a confirmed e-mail"), strings.Contains(w, "pending approval"):
		return account.ReasonInvalid
	}
	return account.ReasonNone
}

func isNoUser(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "requires an authenticated user")
}

// serverMessage pulls the human words out of an error body: Mastodon and
// GoToSocial send {"error": "..."}; OAuth endpoints add error_description.
// A short plain-text body is kept; HTML pages are not words.
func serverMessage(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	var v struct {
		Error            any    `json:"error"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
	}
	if trimmed[0] == '{' && json.Unmarshal(trimmed, &v) == nil {
		e, _ := v.Error.(string)
		switch {
		case v.ErrorDescription != "" && (e == "" || isOAuthCode(e)):
			return network.Clean(v.ErrorDescription)
		case e != "":
			return network.Clean(e)
		case v.Message != "":
			return network.Clean(v.Message)
		}
		return ""
	}
	return network.PlainWords(trimmed)
}

// isOAuthCode reports whether s looks like an RFC 6749 error code
// ("invalid_grant") rather than a sentence.
func isOAuthCode(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z')) {
			return false
		}
	}
	return true
}

// wwwAuthDescription returns error_description from a Bearer challenge.
func wwwAuthDescription(h http.Header) string {
	v := h.Get("WWW-Authenticate")
	const key = `error_description="`
	i := strings.Index(v, key)
	if i < 0 {
		return ""
	}
	rest := v[i+len(key):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return network.Clean(rest[:j])
	}
	return ""
}

// RetryAfter reads how long the server wants us to wait: Retry-After in
// seconds or as an HTTP date, else X-RateLimit-Reset as an ISO 8601 time
// (Mastodon's rack-attack and GoToSocial's limiter), a Unix time, or a
// number of seconds. Zero if the server did not say; never negative; at most
// a day (network.MaxRetryAfter).
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := network.HeaderWait(h, "Retry-After", now, false, isoLayouts...); ok {
		return d
	}
	if d, ok := network.HeaderWait(h, "X-RateLimit-Reset", now, true, isoLayouts...); ok {
		return d
	}
	return 0
}

// isoLayouts are the ISO 8601 forms Mastodon and GoToSocial write
// X-RateLimit-Reset in.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"}

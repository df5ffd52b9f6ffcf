package bluesky

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// Sentinels, matched with errors.Is. The errors carrying them say more, in
// words meant for the person.
var (
	// ErrAccessExpired: the access token's two hours are over. Nothing is
	// lost: refresh (Refresh or Check), store the new credentials, and try
	// again. It is neither a *network.LostAccessError nor a
	// *network.TransientError.
	ErrAccessExpired = errors.New("the Bluesky access token has expired and must be refreshed")
	// ErrMainPassword: the password given is the account's own password, not
	// an app password. SocialOmm refuses it (and ends the session it made).
	ErrMainPassword = errors.New("that is the account's main password, not an app password")
	// ErrLoginRefused: the server did not accept the handle and password at
	// sign-in. The error also carries a *network.LostAccessError whose
	// reason says why, as far as the server's words tell.
	ErrLoginRefused = errors.New("Bluesky did not accept the handle and app password")
	// ErrAccountInactive: the account exists but is deactivated, suspended or
	// taken down.
	ErrAccountInactive = errors.New("the Bluesky account is not active")
	// ErrNotHandle: the text typed is not a Bluesky handle (or DID).
	ErrNotHandle = errors.New("not a Bluesky handle")
	// ErrNotServerAddress: the PDS address typed is not usable.
	ErrNotServerAddress = errors.New("not a server address")
	// ErrHandleNotFound: the handle could not be resolved to an account
	// (no _atproto DNS record, no /.well-known/atproto-did).
	ErrHandleNotFound = errors.New("the handle could not be resolved")
	// ErrDIDNotResolved: the account's DID document could not be read or
	// names no PDS.
	ErrDIDNotResolved = errors.New("the account's DID document could not be used")
	// ErrUnreachable: the server could not be asked (name unknown,
	// connection refused or cut, no answer in time, bad certificate). It
	// always comes inside a *network.TransientError.
	ErrUnreachable = errors.New("the server could not be reached")
	// ErrMalformedResponse: a success answer that could not be read.
	ErrMalformedResponse = errors.New("the server's answer could not be read")
	// ErrOutcomeUnknown: a post was sent but no clear answer came back, so
	// it may or may not have been published. Publish with a TID as the
	// idempotency key (NewPostKey) makes a repeat safe; otherwise look for
	// the post with RecentPosts before sending it again.
	ErrOutcomeUnknown = errors.New("the post may or may not have been published")
	// ErrTooLong: the text is over TextLimit graphemes (or 3000 bytes).
	ErrTooLong = errors.New("the post is too long for Bluesky")
)

// RejectedError means the server understood the request and refused it
// for a reason that is not about the token: an invalid record, a missing
// record, a sign-in that needs an emailed code. Retrying the same request
// fails the same way. Code is the XRPC error name ("InvalidRequest"),
// Message the server's own words.
type RejectedError struct {
	Status  int
	Code    string
	Message string
}

func (e *RejectedError) Error() string {
	words := e.Message
	if words == "" {
		words = e.Code
	}
	if words == "" {
		return fmt.Sprintf("Bluesky refused the request (HTTP %d)", e.Status)
	}
	return fmt.Sprintf("Bluesky refused the request: %s (HTTP %d)", words, e.Status)
}

// The error names and words the reference PDS (@atproto/pds 0.5.35,
// @atproto/xrpc-server) answers with; see Classify.
const (
	codeExpiredToken       = "ExpiredToken"
	codeInvalidToken       = "InvalidToken"
	codeAuthRequired       = "AuthenticationRequired"
	codeAuthFactorRequired = "AuthFactorTokenRequired"
	codeAccountTakedown    = "AccountTakedown"
	codeAccountDeactivated = "AccountDeactivated"
	codeAccountNotFound    = "AccountNotFound"

	msgBadLogin = "invalid identifier or password"
)

// Classify turns one HTTP answer of a Bluesky server (PDS or entryway) into
// the app's error words. It is pure: now only turns a reset time into a
// wait. The mapping follows what the reference PDS answers:
//
//   - 2xx: nil, unless the body is not JSON (a transient ErrMalformedResponse).
//   - ExpiredToken (400): "Token has been revoked" (a refresh token whose
//     session or app password was deleted) is lost access, revoked; any
//     other words ("Token has expired") is an error that Is
//     ErrAccessExpired: on the access token the caller refreshes, on the
//     refresh token (refreshSession) the adapter turns it into lost access,
//     expired.
//   - InvalidToken (400: "Token could not be verified", "Bad token scope",
//     "Malformed token"): lost access, invalid.
//   - 401 AuthenticationRequired "Invalid identifier or password" (only
//     createSession says it: a wrong or revoked app password, a changed
//     account password): lost access, password_changed; words that say
//     revoked or taken down: revoked; anything else: invalid.
//   - AccountTakedown, AccountDeactivated (401), AccountNotFound (403): lost
//     access, revoked.
//   - 401 AuthFactorTokenRequired (an emailed sign-in code is needed, which
//     only the main password asks for): *RejectedError with that Code.
//   - 408, 425, 429, 5xx and unexpected 1xx/3xx: *network.TransientError,
//     RetryAfter from Retry-After or RateLimit-Reset.
//   - any other 4xx: *RejectedError with the server's words.
//
// Callers make sure body and header hold no token (the adapter scrubs them).
func Classify(status int, header http.Header, body []byte, now time.Time) error {
	if status >= 200 && status <= 299 {
		return network.NotJSON("Bluesky", body, ErrMalformedResponse)
	}
	code, msg := serverError(body)
	lower := strings.ToLower(msg)
	switch code {
	case codeExpiredToken:
		if strings.Contains(lower, "revoked") {
			return &network.LostAccessError{Reason: account.ReasonRevoked, Message: msg}
		}
		return &expiredError{msg: msg}
	case codeInvalidToken:
		return &network.LostAccessError{Reason: account.ReasonInvalid, Message: msg}
	case codeAccountTakedown, codeAccountDeactivated, codeAccountNotFound:
		return &network.LostAccessError{Reason: account.ReasonRevoked, Message: orCode(msg, code)}
	case codeAuthFactorRequired:
		return &RejectedError{Status: status, Code: code, Message: msg}
	}
	switch {
	case status == http.StatusUnauthorized:
		reason := account.ReasonInvalid
		switch {
		case strings.Contains(lower, msgBadLogin):
			reason = account.ReasonPasswordChanged
		case strings.Contains(lower, "revoked"), strings.Contains(lower, "taken down"),
			strings.Contains(lower, "deactivated"), strings.Contains(lower, "suspended"):
			reason = account.ReasonRevoked
		}
		return &network.LostAccessError{Reason: reason, Message: msg}
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly,
		status == http.StatusTooManyRequests:
		wait := RetryAfter(header, now)
		return &network.TransientError{Message: network.SlowDownWords("Bluesky", status, wait), RetryAfter: wait, Err: statusErr(status, code, msg)}
	case status >= 500 && status <= 599:
		text := fmt.Sprintf("Bluesky is having trouble (HTTP %d %s)", status, http.StatusText(status))
		if msg != "" && msg != http.StatusText(status) {
			text += ": " + msg
		}
		return &network.TransientError{Message: text, RetryAfter: RetryAfter(header, now), Err: statusErr(status, code, msg)}
	case status >= 400 && status <= 499:
		return &RejectedError{Status: status, Code: code, Message: msg}
	}
	return &network.TransientError{
		Message: fmt.Sprintf("Bluesky gave an unexpected answer (HTTP %d)", status),
		Err:     statusErr(status, code, msg),
	}
}

// expiredError is what ExpiredToken "Token has expired" becomes: it Is
// ErrAccessExpired and keeps the server's words.
type expiredError struct{ msg string }

func (e *expiredError) Error() string {
	if e.msg == "" {
		return ErrAccessExpired.Error()
	}
	return ErrAccessExpired.Error() + " (" + e.msg + ")"
}

func (e *expiredError) Is(target error) bool { return target == ErrAccessExpired }

// onRefreshToken reads an answer to a request made with the refresh token
// (refreshSession): there "Token has expired" means the whole connection
// reached the end of its life.
func onRefreshToken(err error) error {
	var exp *expiredError
	if errors.As(err, &exp) {
		return &network.LostAccessError{Reason: account.ReasonExpired, Message: orCode(exp.msg, "Token has expired")}
	}
	return err
}

func orCode(msg, code string) string {
	if msg != "" {
		return msg
	}
	return code
}

// httpStatusError keeps the status and the server's words for errors.As
// without putting them in front of the person twice.
type httpStatusError struct {
	Status  int
	Code    string
	Message string
}

func (e *httpStatusError) Error() string {
	s := "HTTP " + strconv.Itoa(e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func statusErr(status int, code, msg string) error {
	return &httpStatusError{Status: status, Code: code, Message: msg}
}

// serverError pulls the XRPC error name and message out of a body. A short
// plain-text body is kept as the message; HTML pages are not words.
func serverError(body []byte) (code, msg string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", ""
	}
	if trimmed[0] == '{' {
		var v struct {
			Error   any `json:"error"`
			Message any `json:"message"`
		}
		if json.Unmarshal(trimmed, &v) == nil {
			c, _ := v.Error.(string)
			m, _ := v.Message.(string)
			code = network.Clean(c)
			if !isCode(code) {
				// An error name is one word; anything else is words.
				if m == "" {
					m = c
				}
				code = ""
			}
			return code, network.Clean(m)
		}
		return "", ""
	}
	return "", network.PlainWords(trimmed)
}

// isCode reports whether s looks like an XRPC error name ("ExpiredToken").
func isCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// RetryAfter reads how long the server wants us to wait: Retry-After in
// seconds or as an HTTP date (the PDS's rate limiter sends seconds), else
// RateLimit-Reset, which the PDS sends as a Unix time in seconds (a small
// number is taken as seconds to wait). Zero if the server did not say;
// never negative; at most a day.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := network.HeaderWait(h, "Retry-After", now, true); ok {
		return d
	}
	if d, ok := network.HeaderWait(h, "RateLimit-Reset", now, true); ok {
		return d
	}
	return 0
}

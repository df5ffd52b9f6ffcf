package x

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// problemJSON is X API v2's error answer (RFC 7807 style), with the older
// {"errors":[{"code","message"}]} shape some endpoints still use
// (https://developer.x.com/en/support/x-api/error-troubleshooting).
type problemJSON struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
	Errors []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p problemJSON) words() string {
	switch {
	case p.Detail != "":
		return oauthnet.Clean(p.Detail)
	case p.Title != "":
		return oauthnet.Clean(p.Title)
	case len(p.Errors) > 0:
		return oauthnet.Clean(p.Errors[0].Message)
	}
	return ""
}

// Classify turns one answer of X's API into the app's error words. It is
// pure: now only turns x-rate-limit-reset (a Unix time) into a wait.
//
//   - 2xx: nil, unless the body is not JSON (transient, malformed).
//   - 401: lost access; revoked when X says revoked, expired when it says
//     only expired, else invalid ("Unauthorized" says no more, and v1.1's
//     "Invalid or expired token." tells nothing either).
//   - 403: the person's app is not allowed this API (client-forbidden,
//     client-not-enrolled, unsupported-authentication): a refusal that Is
//     oauthnet.ErrAppKeys; a suspended account: lost access, revoked; other
//     403s (a duplicate post) are refusals with X's words.
//   - 429: transient, RetryAfter from x-rate-limit-reset or Retry-After.
//   - 408, 5xx: transient. Other 4xx: *oauthnet.RejectedError.
func Classify(status int, header http.Header, body []byte, now time.Time) error {
	if header == nil {
		header = http.Header{}
	}
	var p problemJSON
	_ = json.Unmarshal(bytes.TrimSpace(body), &p)
	words := p.words()
	if words == "" {
		words = oauthnet.PlainText(body)
	}
	switch status {
	case http.StatusUnauthorized:
		return oauthnet.Lost(lostReason(words), words)
	case http.StatusForbidden:
		t := strings.ToLower(p.Type + " " + p.Reason + " " + p.Title)
		switch {
		case strings.Contains(t, "client-forbidden"), strings.Contains(t, "client-not-enrolled"),
			strings.Contains(t, "unsupported-authentication"), strings.Contains(t, "client forbidden"):
			msg := "your X developer app is not allowed to do this"
			if words != "" {
				msg += ": " + words
			}
			return &oauthnet.RejectedError{Network: displayName, Status: status, Message: msg, Err: oauthnet.ErrAppKeys}
		case oauthnet.Words(words, "suspended"):
			return oauthnet.Lost(account.ReasonRevoked, words)
		}
		return &oauthnet.RejectedError{Network: displayName, Status: status, Message: words}
	}
	return oauthnet.Generic(displayName, status, header, body, words, now)
}

func lostReason(words string) account.Reason {
	switch {
	case oauthnet.Words(words, "revoked"):
		return account.ReasonRevoked
	case oauthnet.Words(words, "invalid or expired"):
		return account.ReasonInvalid
	case oauthnet.Words(words, "expired"):
		return account.ReasonExpired
	}
	return account.ReasonInvalid
}

package oauthnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// GraphError is the error object Meta's Graph APIs answer with (Facebook,
// Instagram, Threads), as
// https://developers.facebook.com/docs/graph-api/guides/error-handling shows:
//
//	{"error":{"message":"...","type":"OAuthException","code":190,
//	  "error_subcode":460,"error_user_title":"...","error_user_msg":"...",
//	  "fbtrace_id":"..."}}
type GraphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserTitle   string `json:"error_user_title"`
	UserMessage string `json:"error_user_msg"`
	IsTransient bool   `json:"is_transient"`
	TraceID     string `json:"fbtrace_id"`
}

// ParseGraphError reads a Graph API error body.
func ParseGraphError(body []byte) (GraphError, bool) {
	var v struct {
		Error *GraphError `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &v) != nil || v.Error == nil {
		return GraphError{}, false
	}
	if v.Error.Code == 0 && v.Error.Message == "" && v.Error.Type == "" {
		return GraphError{}, false
	}
	return *v.Error, true
}

// Words is the error's own words for the person: the user message Meta
// writes for people when there is one, else the developer message.
func (g GraphError) Words() string {
	if m := Clean(g.UserMessage); m != "" {
		return m
	}
	return Clean(g.Message)
}

// Graph error codes and subcodes SocialOmm acts on, from
// https://developers.facebook.com/docs/graph-api/guides/error-handling
// ("Error Codes" and "Authentication Error Subcodes").
const (
	GraphCodeUnknown      = 1   // API Unknown: possibly a temporary issue
	GraphCodeService      = 2   // API Service: temporary issue due to downtime
	GraphCodeTooManyCalls = 4   // API Too Many Calls (application)
	GraphCodePermission   = 10  // API Permission Denied
	GraphCodeUserTooMany  = 17  // API User Too Many Calls
	GraphCodePageTooMany  = 32  // Page-level throttling
	GraphCodeSession      = 102 // API Session: login status or token expired, revoked or invalid
	GraphCodeAccessToken  = 190 // Access token has expired
	GraphCodeAppLimit     = 341 // Application limit reached
	GraphCodePolicyBlock  = 368 // Temporarily blocked for policies violations
	GraphCodeDuplicate    = 506 // Duplicate post
	GraphCodeRateLimit    = 613 // Calls within one hour exceeded

	GraphSubcodeAppNotInstalled = 458 // the person removed the app
	GraphSubcodeCheckpoint      = 459 // the person must log in on facebook.com to fix something
	GraphSubcodePasswordChanged = 460
	GraphSubcodeExpired         = 463
	GraphSubcodeUnconfirmed     = 464
	GraphSubcodeInvalidToken    = 467
	GraphSubcodeInvalidSession  = 492 // the person no longer has a role on the Page
)

// ClassifyGraph turns one Graph API answer into the app's error words. It
// is pure; networkName ("Facebook", "Instagram", "Threads") names the
// network in the words.
//
//   - a wrong app id or secret ("Error validating client secret."): a
//     *RejectedError that Is ErrAppKeys.
//   - code 190 or 102 (OAuthException): lost access; subcode 460
//     password_changed, 463 expired, 467 invalid, 458 revoked, 459 invalid
//     ("the account needs attention on <network> (checkpoint)"), 464
//     invalid, 492 revoked (no role on the Page any more); without a subcode
//     the message words decide, else invalid.
//   - code 10 and 200-299: scope_lost (a permission was not given or was
//     removed).
//   - codes 4, 17, 32, 613, 341, 80001-80014 (business use case limits), 1
//     and 2, 368, or is_transient: transient, with the wait from
//     Retry-After or X-Business-Use-Case-Usage.
//   - 5xx: transient. Anything else: *RejectedError with Meta's words.
func ClassifyGraph(networkName string, status int, header http.Header, body []byte, now time.Time) error {
	if status >= 200 && status <= 299 {
		if g, ok := ParseGraphError(body); ok {
			// Batch-style answers can carry an error with 200.
			return classifyGraphError(networkName, status, header, g, now)
		}
		return Generic(networkName, status, header, body, "", now)
	}
	g, ok := ParseGraphError(body)
	if !ok {
		return Generic(networkName, status, header, body, PlainText(body), now)
	}
	return classifyGraphError(networkName, status, header, g, now)
}

func classifyGraphError(networkName string, status int, header http.Header, g GraphError, now time.Time) error {
	words := g.Words()
	switch {
	case Words(g.Message, "validating client secret", "validating application", "invalid client_id",
		"invalid app secret", "app secret"):
		// Meta answers a wrong app id or secret with code 1 or 101, which
		// otherwise mean downtime: it is the keys in Settings.
		return keysRefused(networkName, status, words)
	case g.Code == GraphCodeAccessToken || g.Code == GraphCodeSession:
		return graphLost(networkName, g, words)
	case g.Code == GraphCodePermission || (g.Code >= 200 && g.Code <= 299):
		return Lost(account.ReasonScopeLost, words)
	case g.Code == GraphCodeTooManyCalls, g.Code == GraphCodeUserTooMany, g.Code == GraphCodePageTooMany,
		g.Code == GraphCodeRateLimit, g.Code == GraphCodeAppLimit, g.Code >= 80001 && g.Code <= 80014:
		return Transient(networkName, status, words, graphWait(header, now), true)
	case g.Code == GraphCodeUnknown, g.Code == GraphCodeService, g.IsTransient:
		return Transient(networkName, status, words, graphWait(header, now), false)
	case g.Code == GraphCodePolicyBlock, status >= 500:
		return Transient(networkName, status, words, graphWait(header, now), false)
	case status == http.StatusUnauthorized && g.Type == "OAuthException":
		return graphLost(networkName, g, words)
	}
	if status < 400 {
		status = http.StatusBadRequest
	}
	return &RejectedError{Network: networkName, Status: status, Message: words}
}

func graphLost(networkName string, g GraphError, words string) error {
	switch g.Subcode {
	case GraphSubcodePasswordChanged:
		return Lost(account.ReasonPasswordChanged, words)
	case GraphSubcodeExpired:
		return Lost(account.ReasonExpired, words)
	case GraphSubcodeInvalidToken, GraphSubcodeUnconfirmed:
		return Lost(account.ReasonInvalid, words)
	case GraphSubcodeAppNotInstalled, GraphSubcodeInvalidSession:
		return Lost(account.ReasonRevoked, words)
	case GraphSubcodeCheckpoint:
		msg := fmt.Sprintf("the account needs attention on %s (checkpoint)", networkName)
		if words != "" {
			msg += ": " + words
		}
		return Lost(account.ReasonInvalid, msg)
	}
	// Without a subcode Meta's message is all there is: "Error validating
	// access token: Session has expired on ...", "... The user has not
	// authorized application ...", "... the user changed their password ...".
	switch {
	case Words(g.Message, "changed the password", "changed their password", "password has been changed"):
		return Lost(account.ReasonPasswordChanged, words)
	case Words(g.Message, "has not authorized application", "not authorized application", "deauthorized",
		"de-authorized", "has been removed", "user has logged out"):
		return Lost(account.ReasonRevoked, words)
	case Words(g.Message, "session has expired", "has expired", "token expired"):
		return Lost(account.ReasonExpired, words)
	}
	return Lost(account.ReasonInvalid, words)
}

// graphWait is Retry-After, else the largest
// estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage,
// as https://developers.facebook.com/docs/graph-api/overview/rate-limiting
// describes it.
func graphWait(header http.Header, now time.Time) time.Duration {
	if d := RetryAfter(header, now); d > 0 {
		return d
	}
	v := header.Get("X-Business-Use-Case-Usage")
	if v == "" {
		return 0
	}
	var usage map[string][]struct {
		Minutes float64 `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(v), &usage) != nil {
		return 0
	}
	var most float64
	for _, list := range usage {
		for _, u := range list {
			if u.Minutes > most {
				most = u.Minutes
			}
		}
	}
	return Seconds(most * 60)
}

package linkedin

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

// LinkedIn's serviceErrorCode values SocialOmm acts on.
const (
	// CodeInvalidToken: "Invalid access token".
	CodeInvalidToken = 65600
	// CodeRevokedToken: "The token used in the request has been revoked by
	// the user" (also answered, wrongly, right after a token is issued).
	CodeRevokedToken = 65601
	// CodeExpiredToken: "The token used in the request has expired".
	CodeExpiredToken = 65602
)

// errorJSON is LinkedIn's error answer
// (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling:
// message, serviceErrorCode, status; newer answers add a code word such as
// "REVOKED_ACCESS_TOKEN").
type errorJSON struct {
	Message          string `json:"message"`
	ServiceErrorCode int    `json:"serviceErrorCode"`
	Code             string `json:"code"`
	Status           int    `json:"status"`
}

// RetryOnceError is LinkedIn's 65601: it reads as revoked (errors.As gives
// the *network.LostAccessError, network.ReasonOf says revoked) but should
// be asked once more first, since LinkedIn answers it for fresh, working
// tokens too.
type RetryOnceError struct {
	Lost *network.LostAccessError
}

func (e *RetryOnceError) Error() string { return e.Lost.Error() }
func (e *RetryOnceError) Unwrap() error { return e.Lost }

// RetryOnce reports whether err is LinkedIn's 65601, to be asked once more
// before it counts as revoked.
func RetryOnce(err error) bool {
	var r *RetryOnceError
	return errors.As(err, &r)
}

// Classify turns one answer of LinkedIn's API into the app's error words.
// It is pure.
//
//   - 2xx: nil (a created post answers 201 with no body).
//   - 401 serviceErrorCode 65601 / REVOKED_ACCESS_TOKEN: *RetryOnceError
//     (revoked, after one more try); 65600 / INVALID_ACCESS_TOKEN: invalid;
//     65602 / EXPIRED_ACCESS_TOKEN or "expired": expired; other 401s:
//     invalid.
//   - 403 ACCESS_DENIED "Not enough permissions": scope_lost (the app lost
//     w_member_social or the person took it back); other 403s refused.
//   - 426 (the LinkedIn-Version sunset): a refusal that Is
//     oauthnet.ErrAppKeys: SocialOmm must be updated.
//   - 429: transient; a DAY limit waits until midnight UTC, when LinkedIn
//     resets daily limits
//     (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits).
//   - 5xx: transient. Other 4xx: *oauthnet.RejectedError.
func Classify(status int, header http.Header, body []byte, now time.Time) error {
	if header == nil {
		header = http.Header{}
	}
	var e errorJSON
	_ = json.Unmarshal(bytes.TrimSpace(body), &e)
	words := oauthnet.Clean(e.Message)
	if words == "" {
		words = oauthnet.PlainText(body)
	}
	code := strings.ToUpper(e.Code)
	switch status {
	case http.StatusUnauthorized:
		switch {
		case e.ServiceErrorCode == CodeRevokedToken || code == "REVOKED_ACCESS_TOKEN":
			return &RetryOnceError{Lost: &network.LostAccessError{Reason: account.ReasonRevoked, Message: words}}
		case e.ServiceErrorCode == CodeExpiredToken || code == "EXPIRED_ACCESS_TOKEN" ||
			(e.ServiceErrorCode != CodeInvalidToken && oauthnet.Words(words, "expired")):
			return oauthnet.Lost(account.ReasonExpired, words)
		}
		return oauthnet.Lost(account.ReasonInvalid, words)
	case http.StatusForbidden:
		if code == "ACCESS_DENIED" || oauthnet.Words(words, "not enough permissions") {
			return oauthnet.Lost(account.ReasonScopeLost, words)
		}
		return &oauthnet.RejectedError{Network: displayName, Status: status, Message: words}
	case http.StatusUpgradeRequired:
		msg := "this version of SocialOmm uses a LinkedIn API version LinkedIn no longer serves; update SocialOmm"
		if words != "" {
			msg += " (" + words + ")"
		}
		return &oauthnet.RejectedError{Network: displayName, Status: status, Message: msg, Err: oauthnet.ErrAppKeys}
	case http.StatusTooManyRequests:
		wait := oauthnet.RetryAfter(header, now)
		if wait == 0 && strings.Contains(strings.ToUpper(words), " DAY ") && !now.IsZero() {
			u := now.UTC()
			wait = oauthnet.Until(time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC), now)
		}
		return oauthnet.Transient(displayName, status, words, wait, true)
	}
	return oauthnet.Generic(displayName, status, header, body, words, now)
}

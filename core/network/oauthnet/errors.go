package oauthnet

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// Sentinels, matched with errors.Is. The errors carrying them say more, in
// words meant for the person.
var (
	// ErrUnreachable: the network could not be asked. Always inside a
	// *network.TransientError.
	ErrUnreachable = errors.New("the network could not be reached")
	// ErrMalformedResponse: a success answer that could not be read.
	ErrMalformedResponse = errors.New("the network's answer could not be read")
	// ErrOutcomeUnknown: a post was sent but no clear answer came back, so
	// it may or may not have been published. None of these networks honours
	// an idempotency key: never send it again blindly.
	ErrOutcomeUnknown = errors.New("the post may or may not have been published")
	// ErrAppKeys: the network refused the person's app (client id or secret
	// wrong, app not allowed this API, app setting missing). Not a lost
	// connection: Settings needs fixing. Carried by *RejectedError.
	ErrAppKeys = errors.New("the network refused your app's keys or settings")
	// ErrTooLong: the text is over the network's limit; nothing was sent.
	ErrTooLong = errors.New("the text is too long for this network")
	// ErrEmptyText: there is nothing to post.
	ErrEmptyText = errors.New("there is nothing to post: the text is empty")
)

// RejectedError means the network understood the request and refused it
// for a reason that is not about the connection (a duplicate post, a
// validation failure, the app's own settings). Retrying the same request
// fails the same way. Message is the network's words; Err, when set, is a
// sentinel such as ErrAppKeys.
type RejectedError struct {
	Network string
	Status  int
	Message string
	Err     error
}

func (e *RejectedError) Error() string {
	var b strings.Builder
	name := e.Network
	if name == "" {
		name = "the network"
	}
	b.WriteString(name)
	b.WriteString(" refused the request")
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	return b.String()
}

func (e *RejectedError) Unwrap() error { return e.Err }

// StatusError is the bare HTTP status and the network's words; it sits
// inside TransientErrors so callers can still see the code.
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

// Lost is a *network.LostAccessError with the network's words.
func Lost(reason account.Reason, message string) error {
	return &network.LostAccessError{Reason: reason, Message: message}
}

// Malformed is the transient error for a success answer that could not be
// read (captive portals and broken proxies answer 200 with HTML).
func Malformed(networkName, what string) error {
	return network.Malformed(networkName, what, ErrMalformedResponse)
}

// OutcomeUnknown turns err into a transient error that also Is
// ErrOutcomeUnknown, keeping its wait.
func OutcomeUnknown(err error) error {
	return network.OutcomeUnknown(err, ErrOutcomeUnknown)
}

// AfterSend says what a failed publish means once the request went out: a
// transient error from a 5xx, a timeout, a cut connection or an unreadable
// success does not prove the post was not stored, so it becomes
// OutcomeUnknown; a 4xx answer (a rate limit included) and lost access are
// clear refusals: the network did not take the post.
func AfterSend(err error, written bool) error {
	if err == nil || !written || !network.IsTransient(err) {
		return err
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		return err
	}
	var se *StatusError
	if errors.As(err, &se) && se.Status >= 400 && se.Status <= 499 && se.Status != http.StatusRequestTimeout {
		return err
	}
	return OutcomeUnknown(err)
}

// Transient builds the usual transient error for a status the network
// answered with (429, 408, 5xx, or a rate-limit code in the body).
func Transient(networkName string, status int, msg string, wait time.Duration, limited bool) error {
	var text string
	switch {
	case limited:
		text = networkName + " asked SocialOmm to slow down"
	case status >= 500:
		text = fmt.Sprintf("%s is having trouble (HTTP %d %s)", networkName, status, http.StatusText(status))
	case status == http.StatusRequestTimeout:
		text = networkName + " did not take the request in time"
	default:
		text = fmt.Sprintf("%s gave an unexpected answer (HTTP %d)", networkName, status)
	}
	if msg != "" {
		text += ": " + msg
	}
	if wait > 0 {
		text += "; trying again in " + network.RoundWait(wait)
	}
	return &network.TransientError{Message: text, RetryAfter: wait, Err: &StatusError{Status: status, Message: msg}}
}

// Generic classifies an answer by its status alone, for bodies a network's
// own Classify could not read: 2xx JSON is nil, 2xx non-JSON is malformed,
// 401 is lost access (ReasonInvalid: cause unknown), 408/429/5xx and
// unexpected 1xx/3xx are transient, other 4xx are refusals.
func Generic(networkName string, status int, header http.Header, body []byte, msg string, now time.Time) error {
	switch {
	case status >= 200 && status <= 299:
		return network.NotJSON(networkName, body, ErrMalformedResponse)
	case status == http.StatusUnauthorized:
		return Lost(account.ReasonInvalid, msg)
	case status == http.StatusTooManyRequests:
		return Transient(networkName, status, msg, RetryAfter(header, now), true)
	case status == http.StatusRequestTimeout, status >= 500 && status <= 599:
		return Transient(networkName, status, msg, RetryAfter(header, now), false)
	case status >= 400 && status <= 499:
		return &RejectedError{Network: networkName, Status: status, Message: msg}
	}
	return Transient(networkName, status, msg, 0, false)
}

// MaxRetryAfter caps what a network may ask us to wait, so one odd header
// cannot park an account for months (network.MaxRetryAfter).
const MaxRetryAfter = network.MaxRetryAfter

// RetryAfter reads how long the network wants us to wait: Retry-After
// (seconds or HTTP date), else x-rate-limit-reset (X: a Unix time; a small
// number is taken as seconds). Zero if it did not say; never negative; at
// most MaxRetryAfter.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return Seconds(n)
		}
		if t, err := http.ParseTime(v); err == nil {
			return Until(t, now)
		}
	}
	if v := strings.TrimSpace(h.Get("X-Rate-Limit-Reset")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			if n > 1e9 {
				return Until(time.Unix(int64(math.Min(n, 1e12)), 0), now)
			}
			return Seconds(n)
		}
	}
	return 0
}

// Seconds is n seconds as a wait, clamped to [0, MaxRetryAfter].
func Seconds(n float64) time.Duration { return network.Seconds(n) }

// Until is the wait from now to t, clamped to [0, MaxRetryAfter]; zero when
// now is unknown.
func Until(t, now time.Time) time.Duration { return network.Until(t, now) }

// Clean makes a network's words safe to show: valid UTF-8, one line, no
// control characters, no HTML, bounded length (network.OneLine,
// network.Clamp to network.MaxMessage).
func Clean(s string) string {
	s = network.OneLine(s)
	if strings.ContainsAny(s, "<>") && strings.Contains(strings.ToLower(s), "<html") {
		return ""
	}
	return network.Clamp(s, network.MaxMessage)
}

// PlainText returns a short non-JSON, non-HTML body as words, else "".
func PlainText(body []byte) string {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || len(t) > 1000 || t[0] == '{' || t[0] == '[' || bytes.ContainsAny(t, "<>") {
		return ""
	}
	return Clean(string(t))
}

// CheckText refuses a text post before anything is sent: an empty text
// (ErrEmptyText), or one over limit characters (code points), as a
// *RejectedError that Is ErrTooLong.
func CheckText(networkName, text string, limit int) error {
	if strings.TrimSpace(text) == "" {
		return ErrEmptyText
	}
	if n := utf8.RuneCountInString(text); n > limit {
		return &RejectedError{Network: networkName,
			Message: fmt.Sprintf("the text has %d characters; %s allows %d", n, networkName, limit), Err: ErrTooLong}
	}
	return nil
}

// Words reports whether s contains any of the words (case-insensitive).
func Words(s string, words ...string) bool {
	l := strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Errors returned by Session.Wait and Run. Their texts are meant to be shown to the
// person; none of them ever carries a code, token, verifier or secret.
var (
	// ErrDenied: the person declined on the network's consent page
	// (error=access_denied). The error returned is a *ProviderError that matches
	// ErrDenied with errors.Is, so the network's own description stays reachable.
	ErrDenied = errors.New("you declined to connect")

	// ErrTimeout: no sign-in reached the app within Options.Timeout. The error
	// returned is a *TimeoutError that matches ErrTimeout and names the duration.
	ErrTimeout = errors.New("no sign-in arrived in time")

	// ErrCancelled: the attempt was given up by the app, typically the Cancel
	// button cancelling the context passed to Wait.
	ErrCancelled = errors.New("sign-in cancelled")

	// ErrClosed: Close was called before a sign-in arrived.
	ErrClosed = errors.New("sign-in attempt closed")

	// ErrNoCode: the network came back to the app with the right state but with
	// neither an authorization code nor an error.
	ErrNoCode = errors.New("the network's answer carried no sign-in code")
)

// ProviderError is a refusal sent back by the network on the redirect
// (RFC 6749 section 4.1.2.1), for example error=server_error.
type ProviderError struct {
	Code        string // the "error" parameter, e.g. "access_denied"
	Description string // "error_description", may be empty; shown to the person
	URI         string // "error_uri", may be empty
}

func (e *ProviderError) Error() string {
	if e.Code == "access_denied" {
		return ErrDenied.Error()
	}
	var b strings.Builder
	b.WriteString("the network refused the sign-in: ")
	b.WriteString(e.Code)
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrDenied) true for access_denied.
func (e *ProviderError) Is(target error) bool {
	return target == ErrDenied && e.Code == "access_denied"
}

// TimeoutError says how long the app waited for the sign-in.
type TimeoutError struct {
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return "no sign-in arrived within " + humanDuration(e.After)
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// ExchangeError is a failed code-for-token exchange. Its text holds only the
// status and the OAuth error fields, never the response body (which a careless
// server could fill with anything). Unwrap gives the *oauth2.RetrieveError when
// there is one.
type ExchangeError struct {
	StatusCode  int    // HTTP status of the token endpoint, 0 if none was received
	Code        string // OAuth "error", e.g. "invalid_grant"
	Description string
	err         error
}

func (e *ExchangeError) Error() string {
	var b strings.Builder
	b.WriteString("could not finish the sign-in with the network")
	switch {
	case e.Code != "":
		b.WriteString(": ")
		b.WriteString(e.Code)
		if e.Description != "" {
			b.WriteString(": ")
			b.WriteString(e.Description)
		}
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": token endpoint answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	case e.err != nil:
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	return b.String()
}

func (e *ExchangeError) Unwrap() error { return e.err }

func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ee := &ExchangeError{Code: re.ErrorCode, Description: re.ErrorDescription, err: err}
		if re.Response != nil {
			ee.StatusCode = re.Response.StatusCode
		}
		return ee
	}
	// Transport errors (*url.Error) name the token URL, which holds no secret:
	// the code travels in the POST body.
	return &ExchangeError{err: err}
}

// humanDuration writes d the way a person would say it: "5 minutes",
// "1 minute 30 seconds", "20 seconds", "150ms" for sub-second test values.
func humanDuration(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	plural := func(n int64, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	d = d.Round(time.Second)
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 {
		parts = append(parts, plural(m, "minute"))
	}
	if s > 0 {
		parts = append(parts, plural(s, "second"))
	}
	return strings.Join(parts, " ")
}

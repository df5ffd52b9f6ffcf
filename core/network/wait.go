package network

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps what a network may ask us to wait, so one odd header
// cannot park an account for months.
const MaxRetryAfter = 24 * time.Hour

// Seconds is n seconds as a wait, clamped to [0, MaxRetryAfter].
func Seconds(n float64) time.Duration {
	switch {
	case math.IsNaN(n) || n <= 0:
		return 0
	case n > MaxRetryAfter.Seconds():
		return MaxRetryAfter
	}
	return time.Duration(n * float64(time.Second))
}

// Until is the wait from now to t, clamped to [0, MaxRetryAfter]; zero when
// now is unknown.
func Until(t, now time.Time) time.Duration {
	if now.IsZero() {
		return 0
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		return 0
	case d > MaxRetryAfter:
		return MaxRetryAfter
	}
	return d
}

// HeaderWait reads the wait in header name with ParseWait; ok is false when
// the header is missing or unreadable.
func HeaderWait(h http.Header, name string, now time.Time, unixAllowed bool, layouts ...string) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	return ParseWait(v, now, unixAllowed, layouts...)
}

// ParseWait reads one rate-limit value: a plain decimal number of seconds
// (Seconds), or, with unixAllowed, a number over 1e9 as a Unix time; else an
// HTTP date, else a time in one of layouts. The wait is never negative and
// at most MaxRetryAfter; ok is false when v is none of these.
func ParseWait(v string, now time.Time, unixAllowed bool, layouts ...string) (time.Duration, bool) {
	if n, err := strconv.ParseFloat(v, 64); err == nil && isDecimal(v) {
		if unixAllowed && n > 1e9 {
			return Until(time.Unix(int64(n), 0), now), true
		}
		return Seconds(n), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return Until(t, now), true
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, v); err == nil {
			return Until(t, now), true
		}
	}
	return 0, false
}

// isDecimal reports whether v is written with digits, dots and minus signs
// only (no exponent, no "Inf", no "NaN", no hex).
func isDecimal(v string) bool {
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' && r != '-' {
			return false
		}
	}
	return true
}

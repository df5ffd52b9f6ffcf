// Package expiry turns an expiry moment into the words people read ("Expires
// in 23 days") and says when those words next change, so one timer can keep a
// whole list of countdowns right without redrawing more often than needed.
package expiry

import (
	"fmt"
	"time"
)

const day = 24 * time.Hour

// Describe is the countdown as a person reads it: "Expires in 23 days",
// "Expires in 5 hours", "Expired 2 days ago", "Never expires".
func Describe(now time.Time, expiresAt *time.Time) string {
	if expiresAt == nil {
		return "Never expires"
	}
	d := expiresAt.Sub(now)
	if d > 0 {
		if d < time.Minute {
			return "Expires in less than a minute"
		}
		return "Expires in " + amount(d)
	}
	if -d < time.Minute {
		return "Expired just now"
	}
	return "Expired " + amount(-d) + " ago"
}

// Exact is the expiry's date and time in the given zone, for a tooltip or a
// row's detail: "Thu 4 Mar 2027, 14:05 CET".
func Exact(expiresAt *time.Time, loc *time.Location) string {
	if expiresAt == nil {
		return "This connection has no end date."
	}
	return expiresAt.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
}

// ShortDate is the expiry date alone: "4 Mar 2027".
func ShortDate(expiresAt *time.Time, loc *time.Location) string {
	if expiresAt == nil {
		return ""
	}
	return expiresAt.In(loc).Format("2 Jan 2006")
}

func unit(d time.Duration) time.Duration {
	switch {
	case d >= 2*day:
		return day
	case d >= 2*time.Hour:
		return time.Hour
	default:
		return time.Minute
	}
}

// count is d in its unit, rounded to the nearest whole one, so a connection
// made a moment ago reads "90 days", not "89 days".
func count(d time.Duration) int {
	u := unit(d)
	return int((d + u/2) / u)
}

func amount(d time.Duration) string {
	u := unit(d)
	n := count(d)
	name := map[time.Duration]string{day: "day", time.Hour: "hour", time.Minute: "minute"}[u]
	if n != 1 {
		name += "s"
	}
	return fmt.Sprintf("%d %s", n, name)
}

// boundaries are the durations at which the words can change: where the
// unit changes, and half-way between whole units (where rounding flips).
func boundaries(d time.Duration) []time.Duration {
	out := []time.Duration{time.Minute, 2 * time.Hour, 2 * day}
	u := unit(d)
	n := d / u
	for _, k := range []time.Duration{n - 1, n, n + 1, n + 2} {
		if k >= 0 {
			out = append(out, k*u+u/2)
		}
	}
	return out
}

// NextChange is how long until Describe's words for this expiry change; zero
// for an expiry that never changes ("Never expires").
func NextChange(now time.Time, expiresAt *time.Time) time.Duration {
	if expiresAt == nil {
		return 0
	}
	d := expiresAt.Sub(now)
	switch {
	case d > 0 && d < time.Minute: // "less than a minute" until it expires
		return d
	case d <= 0 && -d < time.Minute: // "just now" until a minute has passed
		return time.Minute + d
	}
	if d > 0 {
		// Counting down: the next boundary strictly below d, plus a
		// nanosecond so the new words are showing when the timer fires.
		next := time.Duration(0)
		for _, b := range boundaries(d) {
			if b < d && b > next {
				next = b
			}
		}
		return d - next + time.Nanosecond
	}
	// Counting up since the expiry: the next boundary at or above e.
	e := -d
	next := time.Duration(-1)
	for _, b := range boundaries(e) {
		if b > e && (next < 0 || b < next) {
			next = b
		}
	}
	return next - e
}

// Earliest returns the soonest of NextChange over many expiries, and false
// when none of them will ever change.
func Earliest(now time.Time, expiries []*time.Time) (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, e := range expiries {
		n := NextChange(now, e)
		if n <= 0 {
			continue
		}
		if !found || n < best {
			best, found = n, true
		}
	}
	return best, found
}

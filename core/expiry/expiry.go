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

func amount(d time.Duration) string {
	u := unit(d)
	n := int(d / u)
	name := map[time.Duration]string{day: "day", time.Hour: "hour", time.Minute: "minute"}[u]
	if n != 1 {
		name += "s"
	}
	return fmt.Sprintf("%d %s", n, name)
}

// NextChange is how long until Describe's words for this expiry change; zero
// for an expiry that never changes ("Never expires").
func NextChange(now time.Time, expiresAt *time.Time) time.Duration {
	if expiresAt == nil {
		return 0
	}
	d := expiresAt.Sub(now)
	if d > 0 {
		if d < time.Minute {
			return d
		}
		// Counting down: the words change when d drops below the next
		// multiple of the unit, or crosses to a smaller unit.
		u := unit(d)
		step := d % u
		if step == 0 {
			step = u
		}
		// Stepping to exactly 2 days or 2 hours changes the unit, so the
		// smallest remainder is right there too; a nanosecond past the
		// boundary makes sure the new words are showing.
		return step + time.Nanosecond
	}
	e := -d
	if e < time.Minute {
		return time.Minute - e
	}
	u := unit(e)
	return u - e%u
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

// Package when writes dates and times for people, one way everywhere: in
// their local zone, with the year whenever it is not this year, and with
// the zone named where it is not obvious (a moment on the other side of a
// daylight-saving change reads "14:00 CEST" in winter), or always where the
// words are read elsewhere (emails).
package when

import (
	"strings"
	"time"
)

// Format writes moments relative to Now in the zone Loc.
type Format struct {
	Now time.Time
	Loc *time.Location
}

// In is the Format for now in loc (nil: time.Local).
func In(now time.Time, loc *time.Location) Format {
	if loc == nil {
		loc = time.Local
	}
	return Format{Now: now, Loc: loc}
}

// Day is the date: "Thu 12 Mar" this year, "Thu 12 Mar 2025" in any other.
func (f Format) Day(t time.Time) string {
	a := t.In(f.Loc)
	if a.Year() != f.Now.In(f.Loc).Year() {
		return a.Format("Mon 2 Jan 2006")
	}
	return a.Format("Mon 2 Jan")
}

// DayWords is Day, or "Today", "Tomorrow", "Yesterday" when it is one of
// those.
func (f Format) DayWords(t time.Time) string {
	a, n := t.In(f.Loc), f.Now.In(f.Loc)
	// Calendar days apart, counted in UTC so a daylight-saving change in
	// between does not make a day 23 or 25 hours long.
	ad := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	nd := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	switch ad.Sub(nd) {
	case 0:
		return "Today"
	case 24 * time.Hour:
		return "Tomorrow"
	case -24 * time.Hour:
		return "Yesterday"
	}
	return f.Day(t)
}

// Clock is the time of day, "14:05", followed by the zone ("14:05 CEST")
// when the zone then is not the zone now.
func (f Format) Clock(t time.Time) string {
	a := t.In(f.Loc)
	if f.zoneDiffers(a) {
		return a.Format("15:04 MST")
	}
	return a.Format("15:04")
}

// Moment is the day and the time: "Thu 12 Mar, 14:05",
// "Thu 12 Mar 2025, 14:05", "Sun 29 Mar, 14:05 CEST".
func (f Format) Moment(t time.Time) string {
	return f.Day(t) + ", " + f.Clock(t)
}

// Near is a moment as seen from ref: "14:05" on ref's day, else Moment.
func (f Format) Near(t, ref time.Time) string {
	a, b := t.In(f.Loc), ref.In(f.Loc)
	if a.Year() == b.Year() && a.YearDay() == b.YearDay() {
		return f.Clock(t)
	}
	return f.Moment(t)
}

// Full is a moment that stands on its own, read anywhere and any time
// later (an email): always the year and the zone, "Tue 9 Feb 2027, 14:02 CET".
func (f Format) Full(t time.Time) string {
	return t.In(f.Loc).Format("Mon 2 Jan 2006, 15:04 MST")
}

// Compact is the command line's short moment: "2 Jan 15:04" this year,
// "2 Jan 2025 15:04" in any other.
func (f Format) Compact(t time.Time) string {
	a := t.In(f.Loc)
	if a.Year() != f.Now.In(f.Loc).Year() {
		return a.Format("2 Jan 2006 15:04")
	}
	return a.Format("2 Jan 15:04")
}

// Lower is s with its first letter in lower case ("today", "tomorrow"),
// for DayWords inside a sentence. Dates keep their capitals.
func Lower(s string) string {
	switch s {
	case "Today", "Tomorrow", "Yesterday":
		return strings.ToLower(s)
	}
	return s
}

// zoneDiffers reports whether t's zone abbreviation or offset differs from
// the one in force now, so a time of day alone would mislead.
func (f Format) zoneDiffers(t time.Time) bool {
	nameT, offT := t.Zone()
	nameN, offN := f.Now.In(f.Loc).Zone()
	return nameT != nameN || offT != offN
}

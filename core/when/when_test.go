package when

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 10 December 2026, 09:30 in Berlin (CET).
	now := time.Date(2026, 12, 10, 8, 30, 0, 0, time.UTC)
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		name string
		loc  *time.Location
		got  func(Format) string
		want string
	}{
		{"this year's day", berlin, func(f Format) string { return f.Day(utc(2026, 3, 12, 10, 0)) }, "Thu 12 Mar"},
		{"last year's day has its year", berlin, func(f Format) string { return f.Day(utc(2025, 3, 12, 10, 0)) }, "Wed 12 Mar 2025"},
		{"next year's day has its year", berlin, func(f Format) string { return f.Day(utc(2027, 1, 4, 10, 0)) }, "Mon 4 Jan 2027"},
		{"the year is the local one: 23:30 UTC on 31 Dec is next year in Berlin", berlin, func(f Format) string { return f.Day(utc(2026, 12, 31, 23, 30)) }, "Fri 1 Jan 2027"},
		{"today", berlin, func(f Format) string { return f.DayWords(utc(2026, 12, 10, 22, 59)) }, "Today"},
		{"tomorrow, by the local calendar", berlin, func(f Format) string { return f.DayWords(utc(2026, 12, 10, 23, 0)) }, "Tomorrow"},
		{"yesterday", berlin, func(f Format) string { return f.DayWords(utc(2026, 12, 9, 12, 0)) }, "Yesterday"},
		{"another day", berlin, func(f Format) string { return f.DayWords(utc(2026, 12, 14, 12, 0)) }, "Mon 14 Dec"},
		{"winter time in winter: no zone", berlin, func(f Format) string { return f.Moment(utc(2026, 12, 20, 13, 5)) }, "Sun 20 Dec, 14:05"},
		{"summer time seen in winter: zone named", berlin, func(f Format) string { return f.Moment(utc(2026, 7, 1, 12, 5)) }, "Wed 1 Jul, 14:05 CEST"},
		{"a zone without daylight saving never names it", tokyo, func(f Format) string { return f.Moment(utc(2026, 7, 1, 5, 5)) }, "Wed 1 Jul, 14:05"},
		{"near on the same day", berlin, func(f Format) string { return f.Near(utc(2026, 12, 10, 15, 0), now) }, "16:00"},
		{"near on another day", berlin, func(f Format) string { return f.Near(utc(2026, 12, 11, 15, 0), now) }, "Fri 11 Dec, 16:00"},
		{"full: always year and zone", berlin, func(f Format) string { return f.Full(utc(2026, 12, 11, 15, 0)) }, "Fri 11 Dec 2026, 16:00 CET"},
		{"compact this year", berlin, func(f Format) string { return f.Compact(utc(2026, 3, 2, 14, 0)) }, "2 Mar 15:00"},
		{"compact another year", berlin, func(f Format) string { return f.Compact(utc(2025, 3, 2, 14, 0)) }, "2 Mar 2025 15:00"},
	}
	for _, c := range cases {
		if got := c.got(In(now, c.loc)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if Lower("Tomorrow") != "tomorrow" || Lower("Mon 14 Dec") != "Mon 14 Dec" {
		t.Error("Lower changes the wrong words")
	}
}

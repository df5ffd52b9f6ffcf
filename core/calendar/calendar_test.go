package calendar

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/socialomm/desktop/core/account"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// parse reads the calendar back with a real iCalendar parser.
func parse(t *testing.T, data []byte) map[string]*ics.VEvent {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the calendar does not parse: %v", err)
	}
	out := map[string]*ics.VEvent{}
	for _, ev := range cal.Events() {
		if _, dup := out[ev.Id()]; dup {
			t.Fatalf("UID %s twice", ev.Id())
		}
		out[ev.Id()] = ev
	}
	return out
}

func value(ev *ics.VEvent, p ics.ComponentProperty) string {
	if prop := ev.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

func write(t *testing.T, accounts []account.Account, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, accounts, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCalendarHasOneEventPerExpiringProfile(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := *at("2026-03-01T10:00:00Z")
	longName := strings.Repeat("Ünïcödé, name; with \\ specials ", 6)
	accounts := []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@ana@example.social", DisplayName: "Ana", State: account.Connected, ExpiresAt: at("2026-05-30T23:30:00Z")},
		{ID: 2, Network: "facebook", Handle: "Shop Page", DisplayName: "Shop", State: account.Connected}, // never expires
		{ID: 3, Network: "bluesky", Handle: "@bo.example", DisplayName: longName + "\nsecond line", State: account.Disconnected, Reason: account.ReasonRevoked, ExpiresAt: at("2026-02-20T08:00:00Z")},
	}
	opts := Options{Now: now, Location: berlin, WarnDays: []int{1, 14, 7}, DataDir: "/data/one"}
	data := write(t, accounts, opts)
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets, more than 75: %q", i+1, len(line), line)
		}
	}
	events := parse(t, data)
	if len(events) != 2 {
		t.Fatalf("%d events, want 2 (the never-expiring profile has none)", len(events))
	}
	if _, ok := events[UID(2, "/data/one")]; ok {
		t.Fatal("the never-expiring profile has an event")
	}
	cases := []struct {
		id        int64
		startDay  string // in Berlin: 23:30 UTC on 30 May is 01:30 on 31 May
		wantName  string
		wantWords string
	}{
		{1, "20260531", "Ana", "socialomm accounts update 1"},
		{3, "20260220", longName + "\nsecond line", "disconnected already"},
	}
	for _, c := range cases {
		ev := events[UID(c.id, "/data/one")]
		if ev == nil {
			t.Fatalf("profile %d has no event", c.id)
		}
		start := ev.GetProperty(ics.ComponentPropertyDtStart)
		if start.Value != c.startDay || len(start.ICalParameters["VALUE"]) != 1 || start.ICalParameters["VALUE"][0] != "DATE" {
			t.Errorf("profile %d starts %v %q, want the all-day %s", c.id, start.ICalParameters, start.Value, c.startDay)
		}
		if got := value(ev, ics.ComponentPropertySummary); got != "SocialOmm: "+c.wantName+"'s connection ends" {
			t.Errorf("profile %d summary %q", c.id, got)
		}
		desc := value(ev, ics.ComponentPropertyDescription)
		for _, words := range []string{c.wantWords, "Accounts, choose ⋯ on its row, then Update"} {
			if !strings.Contains(desc, words) {
				t.Errorf("profile %d description %q lacks %q", c.id, desc, words)
			}
		}
		if value(ev, ics.ComponentPropertyDtstamp) != "20260301T100000Z" {
			t.Errorf("DTSTAMP %q", value(ev, ics.ComponentPropertyDtstamp))
		}
		var triggers []string
		for _, al := range ev.Alarms() {
			trig := al.GetProperty(ics.ComponentPropertyTrigger)
			if trig == nil || value2(al, ics.ComponentPropertyAction) != "DISPLAY" || value2(al, ics.ComponentPropertyDescription) == "" {
				t.Fatalf("profile %d has an alarm without trigger, action or description", c.id)
			}
			triggers = append(triggers, trig.Value)
		}
		// 14, 7 and 1 days before, at 09:00 local on that day.
		if want := []string{"-P13DT15H", "-P6DT15H", "-P0DT15H"}; fmt.Sprint(triggers) != fmt.Sprint(want) {
			t.Errorf("profile %d alarms %v, want %v", c.id, triggers, want)
		}
	}
}

func value2(al *ics.VAlarm, p ics.ComponentProperty) string {
	if prop := al.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

func TestUIDsStayAndSequenceMovesWithTheDate(t *testing.T) {
	now := *at("2026-03-01T10:00:00Z")
	accounts := []account.Account{
		{ID: 7, Network: "x", Handle: "@shop", State: account.Connected, ExpiresAt: at("2026-03-20T12:00:00Z")},
		{ID: 8, Network: "x", Handle: "@cafe", State: account.Connected, ExpiresAt: at("2026-04-20T12:00:00Z")},
	}
	revs := Revisions{}
	opts := Options{Now: now, Location: time.UTC, WarnDays: []int{14, 7, 1}, DataDir: "/data/one", Revisions: revs}
	first := parse(t, write(t, accounts, opts))
	opts.Now = now.Add(time.Hour)
	second := parse(t, write(t, accounts, opts))
	for uid, ev := range first {
		again := second[uid]
		if again == nil {
			t.Fatalf("UID %s missing from the second run", uid)
		}
		if value(ev, ics.ComponentPropertySequence) != value(again, ics.ComponentPropertySequence) ||
			value(ev, ics.ComponentPropertyLastModified) != value(again, ics.ComponentPropertyLastModified) {
			t.Errorf("%s: a second run with the same dates changed its revision", uid)
		}
	}
	// Profile 7 is renewed: its date moves, so calendar apps must take
	// the new one over the old.
	accounts[0].ExpiresAt = at("2026-06-18T12:00:00Z")
	opts.Now = now.Add(2 * time.Hour)
	third := parse(t, write(t, accounts, opts))
	moved := third[UID(7, "/data/one")]
	if got := value(moved, ics.ComponentPropertySequence); got != "1" {
		t.Errorf("SEQUENCE after the date moved = %q, want 1", got)
	}
	if got := value(moved, ics.ComponentPropertyLastModified); got != "20260301T120000Z" {
		t.Errorf("LAST-MODIFIED after the date moved = %q", got)
	}
	if got := value(third[UID(8, "/data/one")], ics.ComponentPropertySequence); got != "0" {
		t.Errorf("unmoved profile's SEQUENCE = %q, want 0", got)
	}
	if UID(7, "/data/one") == UID(7, "/data/two") {
		t.Error("two data folders give the same UID")
	}
}

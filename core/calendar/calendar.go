// Package calendar writes the expiry calendar: an iCalendar (RFC 5545) file
// with one all-day event per profile on the day its connection ends, an
// alarm on each warning day, and the way to renew it in the description.
// Calendar apps that import or subscribe to the file update the events in
// place on the next import, since each profile keeps its UID.
package calendar

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/when"
)

// FileName is the calendar's name in a folder the person picked.
const FileName = "socialomm-connections.ics"

// alarmHour is the local hour at which a warning day's alarm goes off: a
// reminder at midnight is one nobody sees.
const alarmHour = 9

// Options says how to write a calendar.
type Options struct {
	// Now stamps the file (DTSTAMP) and new revisions (LAST-MODIFIED).
	Now time.Time
	// Location is the zone whose calendar day an expiry falls on.
	Location *time.Location
	// WarnDays are the days before the end on which an alarm goes off.
	WarnDays []int
	// DataDir names the data folder the profiles belong to: UIDs carry a
	// hash of it, so two data folders never update each other's events.
	DataDir string
	// Revisions remembers each event's SEQUENCE and LAST-MODIFIED; Write
	// moves them on when an end date moved. Nil writes every event as new.
	Revisions Revisions
}

// Revision is what a calendar app is told about an event's history.
type Revision struct {
	// Day is the end date (YYYYMMDD) the revision was written for.
	Day      string    `json:"day"`
	Sequence int       `json:"sequence"`
	Modified time.Time `json:"modified"`
}

// Revisions are the events' revisions by account id.
type Revisions map[int64]Revision

// UID is the stable identifier of a profile's event.
func UID(accountID int64, dataDir string) string {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	sum := sha256.Sum256([]byte(abs))
	return fmt.Sprintf("account-%d@%s.socialomm", accountID, hex.EncodeToString(sum[:6]))
}

// Write writes the calendar of the accounts to w. Accounts that never
// expire get no event. It returns how many events it wrote.
func Write(w io.Writer, accounts []account.Account, opts Options) (int, error) {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	l := lineWriter{w: bw}
	stamp := opts.Now.UTC().Format(utcLayout)
	l.line("BEGIN:VCALENDAR")
	l.line("VERSION:2.0")
	l.line("PRODID:-//SocialOmm//Connection expiry calendar//EN")
	l.line("CALSCALE:GREGORIAN")
	l.line("METHOD:PUBLISH")
	l.prop("X-WR-CALNAME", "SocialOmm: connections ending")
	sorted := append([]account.Account(nil), accounts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	days := append([]int(nil), opts.WarnDays...)
	sort.Sort(sort.Reverse(sort.IntSlice(days)))
	events := 0
	for _, a := range sorted {
		if a.ExpiresAt == nil {
			continue
		}
		events++
		end := a.ExpiresAt.In(opts.Location)
		start := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, opts.Location)
		day := start.Format(dateLayout)
		rev := opts.Revisions.next(a.ID, day, opts.Now)
		name := a.DisplayName
		if name == "" {
			name = a.Handle
		}
		l.line("BEGIN:VEVENT")
		l.prop("UID", UID(a.ID, opts.DataDir))
		l.line("DTSTAMP:" + stamp)
		l.line("LAST-MODIFIED:" + rev.Modified.UTC().Format(utcLayout))
		l.line("SEQUENCE:" + strconv.Itoa(rev.Sequence))
		l.line("DTSTART;VALUE=DATE:" + day)
		l.line("DTEND;VALUE=DATE:" + start.AddDate(0, 0, 1).Format(dateLayout))
		l.prop("SUMMARY", "SocialOmm: "+name+"'s connection ends")
		l.prop("DESCRIPTION", describe(a, when.In(opts.Now, opts.Location).Full(end)))
		l.line("TRANSP:TRANSPARENT")
		l.prop("CATEGORIES", "SocialOmm")
		for _, d := range days {
			l.line("BEGIN:VALARM")
			l.line("ACTION:DISPLAY")
			l.prop("DESCRIPTION", fmt.Sprintf("%s's connection (%s) ends in %d day%s. Update it in SocialOmm.", name, a.Handle, d, plural(d)))
			// Relative to the start of the end day, d days earlier at alarmHour.
			l.line("TRIGGER;RELATED=START:" + beforeStart(d))
			l.line("END:VALARM")
		}
		l.line("END:VEVENT")
	}
	l.line("END:VCALENDAR")
	if l.err != nil {
		return 0, l.err
	}
	return events, bw.Flush()
}

const (
	dateLayout = "20060102"
	utcLayout  = "20060102T150405Z"
)

// beforeStart is the duration from d days before the start of the end day
// at alarmHour to that start, as a negative RFC 5545 duration.
func beforeStart(d int) string {
	if alarmHour == 0 {
		return fmt.Sprintf("-P%dD", d)
	}
	return fmt.Sprintf("-P%dDT%dH", d-1, 24-alarmHour)
}

// describe is the event's description; end is the full moment (read in a
// calendar app, so with year and zone).
func describe(a account.Account, end string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s on %s) stops working for SocialOmm on %s.\n", a.Handle, a.DisplayName, a.Network, end)
	if a.State == account.Disconnected {
		fmt.Fprintf(&b, "It is disconnected already: %s\n", a.Reason.Describe())
	}
	fmt.Fprintf(&b, "To renew it, open SocialOmm, go to Accounts, choose ⋯ on its row, then Update; or run: socialomm accounts update %d", a.ID)
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// next is the revision to write for an event on day, and records it.
func (r Revisions) next(id int64, day string, now time.Time) Revision {
	if r == nil {
		return Revision{Day: day, Modified: now}
	}
	prev, ok := r[id]
	switch {
	case !ok:
		prev = Revision{Day: day, Modified: now}
	case prev.Day != day:
		prev = Revision{Day: day, Sequence: prev.Sequence + 1, Modified: now}
	}
	r[id] = prev
	return prev
}

// lineWriter writes content lines folded at 75 octets with CRLF endings
// (RFC 5545 section 3.1), never splitting a UTF-8 character.
type lineWriter struct {
	w   *bufio.Writer
	err error
}

func (l *lineWriter) prop(name, text string) { l.line(name + ":" + escape(text)) }

func (l *lineWriter) line(s string) {
	if l.err != nil {
		return
	}
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		l.write(s[:cut])
		l.write("\r\n ")
		s = s[cut:]
		// A continuation line starts with a space, which counts.
		limit = 74
	}
	l.write(s)
	l.write("\r\n")
}

func (l *lineWriter) write(s string) {
	if l.err == nil {
		_, l.err = l.w.WriteString(s)
	}
}

// escape makes text a TEXT value (RFC 5545 section 3.3.11).
var escaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

func escape(s string) string { return escaper.Replace(s) }

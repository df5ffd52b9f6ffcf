package network

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCleanIsOneBoundedLine(t *testing.T) {
	if got := Clean("bad\n\tthing\u0007 here\u2028"); got != "bad thing here" {
		t.Errorf("got %q", got)
	}
	if got := Clean("\xff ok"); got != "\uFFFD ok" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	long := Clean(strings.Repeat("é", 1000))
	if utf8.RuneCountInString(long) != MaxMessage+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("not cut: %d runes", utf8.RuneCountInString(long))
	}
	if PlainWords([]byte(" <html>x</html> ")) != "" || PlainWords([]byte(" slow down ")) != "slow down" {
		t.Error("PlainWords")
	}
}

func TestWaitWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "a moment", 12 * time.Second: "12 seconds", 90 * time.Second: "about a minute",
		5 * time.Minute: "5 minutes", 150 * time.Minute: "about 3 hours",
	} {
		if got := RoundWait(d); got != want {
			t.Errorf("RoundWait(%v) = %q, want %q", d, got, want)
		}
	}
	if got := SlowDownWords("X", 429, 2*time.Minute); got != "X asked SocialOmm to slow down; trying again in 2 minutes" {
		t.Error(got)
	}
	if got := SlowDownWords("X", 408, 0); got != "X did not take the request in time" {
		t.Error(got)
	}
}

func TestParseWait(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	iso := []string{time.RFC3339Nano}
	cases := []struct {
		v      string
		unix   bool
		layout bool
		want   time.Duration
		ok     bool
	}{
		{"120", false, false, 2 * time.Minute, true},
		{"-5", false, false, 0, true},
		{"1e3", false, false, 0, false}, // not written as a plain decimal
		{"99999999", false, false, MaxRetryAfter, true},
		{"1772625900", false, false, MaxRetryAfter, true},
		{"1772625900", true, false, 5 * time.Minute, true},
		{"Wed, 04 Mar 2026 12:01:00 GMT", false, false, time.Minute, true},
		{"2026-03-04T12:00:30Z", false, true, 30 * time.Second, true},
		{"2026-03-04T12:00:30Z", false, false, 0, false},
		{"2026-03-04T11:00:00Z", false, true, 0, true},
		{"soon", true, true, 0, false},
	}
	for _, c := range cases {
		var layouts []string
		if c.layout {
			layouts = iso
		}
		got, ok := ParseWait(c.v, now, c.unix, layouts...)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseWait(%q, unix=%t) = %v %t, want %v %t", c.v, c.unix, got, ok, c.want, c.ok)
		}
	}
	if d, _ := ParseWait("1772625900", time.Time{}, true); d != 0 {
		t.Error("an unknown now gives no wait")
	}
}

func TestTransientHelpersKeepTheSentinel(t *testing.T) {
	errMine := errors.New("mine")
	if err := NotJSON("host", []byte(" <html> "), errMine); !errors.Is(err, errMine) || !IsTransient(err) ||
		err.Error() != "host answered, but its answer (it is not JSON) could not be read" {
		t.Errorf("NotJSON: %v", err)
	}
	if NotJSON("host", []byte(` {"a":1} `), errMine) != nil || NotJSON("host", nil, errMine) != nil {
		t.Error("JSON or nothing is fine")
	}
	errUnknown := errors.New("unknown")
	cause := errors.New("cause")
	err := OutcomeUnknown(&TransientError{Message: "busy", RetryAfter: time.Minute, Err: cause}, errUnknown)
	var te *TransientError
	if !errors.As(err, &te) || te.RetryAfter != time.Minute || !errors.Is(err, errUnknown) || !errors.Is(err, cause) ||
		te.Message != "busy; the post may or may not have been published" {
		t.Errorf("OutcomeUnknown: %#v", err)
	}
	if err := OutcomeUnknown(cause, errUnknown); !IsTransient(err) || !errors.Is(err, errUnknown) {
		t.Errorf("OutcomeUnknown of a plain error: %v", err)
	}
}

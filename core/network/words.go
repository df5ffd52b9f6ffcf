package network

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The words of a network's answers, made safe to show, and the waits said
// in words. Every adapter words its errors with these, so the person reads
// the same sentences whichever network answered.

// MaxMessage bounds the network's words carried into errors, in characters.
const MaxMessage = 300

// OneLine makes s one line of valid UTF-8: invalid bytes become U+FFFD,
// every run of white space one space, control characters and the Unicode
// line and paragraph separators are dropped, and the ends are trimmed.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Clamp cuts s after max characters (runes), marking the cut with "…".
func Clamp(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return s
}

// Clean makes a server's words safe to show: one line (OneLine), at most
// MaxMessage characters.
func Clean(s string) string {
	return Clamp(OneLine(s), MaxMessage)
}

// PlainWords is a plain-text body as words (Clean), or "" when it holds
// markup: an HTML error page is not words.
func PlainWords(body []byte) string {
	t := bytes.TrimSpace(body)
	if bytes.ContainsAny(t, "<>") {
		return ""
	}
	return Clean(string(t))
}

// RoundWait says a wait the way a person would: "a moment", "12 seconds",
// "about a minute", "5 minutes", "about 3 hours".
func RoundWait(d time.Duration) string {
	switch {
	case d < time.Second:
		return "a moment"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second)/time.Second))
	case d < 2*time.Minute:
		return "about a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("about %d hours", int((d+30*time.Minute)/time.Hour))
}

// SlowDownWords says what a 429 (name "asked SocialOmm to slow down") or a
// 408 or 425 (name "did not take the request in time") means, with the wait
// when there is one ("; trying again in 2 minutes").
func SlowDownWords(name string, status int, wait time.Duration) string {
	text := name + " asked SocialOmm to slow down"
	if status != http.StatusTooManyRequests {
		text = name + " did not take the request in time"
	}
	if wait > 0 {
		text += "; trying again in " + RoundWait(wait)
	}
	return text
}

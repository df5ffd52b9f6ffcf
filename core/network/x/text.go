package x

import (
	"regexp"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// linkLength is what X counts for any link, however long
// (https://docs.x.com/fundamentals/counting-characters).
const linkLength = 23

var linkRE = regexp.MustCompile(`(?i)\bhttps?://[^\s]+`)

// TextLength counts text the way X does (twitter-text's v3 configuration):
// code points in the ranges below count 1, all others (CJK, emoji) 2, and
// every http(s) link 23. Joiners, variation selectors and skin-tone
// modifiers inside an emoji add nothing, so a composed emoji counts 2 as X
// counts it.
//
// X normalizes text to NFC before counting ("café" counts 4 either way).
func TextLength(text string) int {
	n := 0
	rest := norm.NFC.String(text)
	for {
		loc := linkRE.FindStringIndex(rest)
		if loc == nil {
			n += plainLength(rest)
			return n
		}
		n += plainLength(rest[:loc[0]]) + linkLength
		rest = rest[loc[1]:]
	}
}

func plainLength(s string) int {
	n := 0
	prevJoined := false
	halfFlag := false // a regional indicator waiting for its pair
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x1F1E6 && r <= 0x1F1FF { // two regional indicators make one flag emoji
			if halfFlag {
				halfFlag = false
				continue
			}
			halfFlag = true
		} else {
			halfFlag = false
		}
		switch {
		case r == 0x200D: // zero-width joiner: the next code point is part of this emoji
			prevJoined = true
			continue
		case r == 0xFE0E || r == 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF:
			continue
		case prevJoined:
			prevJoined = false
			continue
		}
		n += weight(r)
	}
	return n
}

// weight is twitter-text v3's weightedRanges: these count 1, others 2.
func weight(r rune) int {
	switch {
	case r <= 4351, r >= 8192 && r <= 8205, r >= 8208 && r <= 8223, r >= 8242 && r <= 8247:
		return 1
	}
	return 2
}

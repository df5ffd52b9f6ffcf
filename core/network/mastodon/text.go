package mastodon

import (
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text is the post's words without the server's HTML: paragraphs and line
// breaks become new lines, links their visible text (Mastodon hides parts of
// long links in spans; those are kept, so a link reads in full).
func (s Status) Text() string { return htmlText(s.Content) }

// SameText reports whether the post carries text, ignoring how white space
// was laid out (servers turn new lines into paragraphs and breaks).
func (s Status) SameText(text string) bool {
	return strings.Join(strings.Fields(s.Text()), " ") == strings.Join(strings.Fields(text), " ")
}

func htmlText(content string) string {
	z := xhtml.NewTokenizer(strings.NewReader(content))
	var b strings.Builder
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.Br {
				b.WriteByte('\n')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.P {
				b.WriteString("\n\n")
			}
		}
	}
}
